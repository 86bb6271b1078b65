"""Kraken ``executions`` reports from a hostile venue (docs/kraken_spot.md section 7; docs/contracts.md,
Contract 2): a report that states more executed than the order's amount, or an ``order_status`` Kraken
does not document, is refused whole (counted in ``refused_user_events``), never half applied."""
from decimal import Decimal

import pytest

from hummingbot_conn.core.in_flight_order import OrderState

from .test_kraken_executions import _run, connector, fill, report  # noqa: F401 - the fixture

OPEN = report("new", "new", 0)


@pytest.mark.parametrize("reports", [
    [OPEN, fill("TX1", 0.005, 0.005)],                                    # one fill above the amount
    [OPEN, fill("TX1", 0.0015, 0.0015), fill("TX2", 0.001, 0.0025)],      # the second passes the amount
    [OPEN, report("filled", "filled", 0.004)],                            # cum_qty above the amount
    [OPEN, report("canceled", "canceled", 0.003)],
], ids=["fill", "second-fill", "filled-cum", "canceled-cum"])
def test_a_report_executing_more_than_the_order_is_refused_whole(connector, reports):   # noqa: F811
    events = _run(connector, reports)
    order = connector._order_tracker.fetch_order(client_order_id="HBOT-1")
    assert sum(connector.refused_user_events.values()) == 1
    assert order.executed_amount_base <= order.amount
    # the status of the refused report did not move the order either
    assert order.current_state in (OrderState.OPEN, OrderState.PARTIALLY_FILLED)
    assert (order.current_state is OrderState.PARTIALLY_FILLED) == (order.executed_amount_base > 0)
    assert [name for name, _ in events].count("OrderFilled") == len(order.order_fills)


@pytest.mark.parametrize("status", ["open", "NEW", "", 7, None])
def test_an_order_status_kraken_does_not_document_is_refused_with_what_it_was(connector, status, caplog):  # noqa: F811
    _run(connector, [OPEN, report("restated", status, 0)])
    assert sum(connector.refused_user_events.values()) == 1
    assert f"order_status {status!r} is none of Kraken's" in caplog.text
    order = connector._order_tracker.fetch_order(client_order_id="HBOT-1")
    assert order.current_state is OrderState.OPEN and order.executed_amount_base == Decimal(0)


@pytest.mark.parametrize("status", ["closed ", "OPEN", 3, None])
def test_a_rest_order_status_kraken_does_not_document_is_a_value_error_naming_it(status):
    from hummingbot_conn.exchanges.kraken import utils
    with pytest.raises(ValueError, match="status .* is none of Kraken's"):
        utils.order_update_from_rest("OAVY7T-MV5VK-KHDF5X", {"status": status, "vol_exec": "0"}, "BTC-USD",
                                     "HBOT-1", 0.0)
