"""Every allowed and every forbidden transition of the order state machine,
generated from the one table (TRANSITIONS) and its complement."""
import itertools
from decimal import Decimal

import pytest

from hummingbot_conn.core.common_types import OrderType, TradeType
from hummingbot_conn.core.in_flight_order import (
    REFUSED_CONTRADICTING,
    REFUSED_STALE,
    TERMINAL_STATES,
    TRANSITIONS,
    FillTrigger,
    InFlightOrder,
    LostTrigger,
    OrderState,
    OrderUpdate,
    PresumedState,
    TradeUpdate,
    next_state,
)
from hummingbot_conn.core.trade_fee import AddedToCostTradeFee

PAIR = "BTC-USDT"
AMOUNT = Decimal("1")
STATES = list(OrderState) + list(PresumedState)
TRIGGERS = list(OrderState) + list(FillTrigger) + list(LostTrigger)
ALL_PAIRS = list(itertools.product(STATES, TRIGGERS))
ALLOWED = sorted(TRANSITIONS, key=lambda k: (k[0].value, k[1].value))
# a status equal to the current state is a no-op, neither allowed nor refused
NO_OPS = [(s, s) for s in OrderState]
FORBIDDEN = [k for k in ALL_PAIRS if k not in TRANSITIONS and k not in NO_OPS]


def _order(state):
    if state is PresumedState.FAILED:   # only reachable by being lost
        order = _order(OrderState.OPEN)
        assert order.mark_lost(1.5) and order.is_presumed_failure
        return order
    return InFlightOrder("c1", PAIR, OrderType.LIMIT, TradeType.BUY, AMOUNT, 1.0, Decimal("100"),
                         exchange_order_id="e1", initial_state=state)


def _public(state):
    # what current_state shows: a presumed failure is FAILED to the outside
    return OrderState.FAILED if state is PresumedState.FAILED else state


def _apply(order, trigger):
    if trigger is LostTrigger.NOT_FOUND:
        return order.mark_lost(2.0)
    if trigger is FillTrigger.PARTIAL_FILL:
        base = Decimal("0.4")
    elif trigger is FillTrigger.LAST_FILL:
        base = AMOUNT
    else:
        return order.update_with_order_update(OrderUpdate(PAIR, 2.0, trigger, "c1", "e1"))
    return order.update_with_trade_update(
        TradeUpdate("t1", "c1", "e1", PAIR, 2.0, Decimal("100"), base, base * 100, AddedToCostTradeFee()))


def _label(key):
    return f"{key[0].name}->{key[1].name}"


def test_table_covers_every_state_and_the_sets_partition_all_pairs():
    assert len(ALLOWED) + len(FORBIDDEN) + len(NO_OPS) == len(ALL_PAIRS)
    assert {s for s, _ in TRANSITIONS} == set(STATES) - {OrderState.FILLED}
    assert all(v in STATES for v in TRANSITIONS.values())
    # only being lost leads to a presumed failure
    assert all(t is LostTrigger.NOT_FOUND or s is PresumedState.FAILED
               for (s, t), v in TRANSITIONS.items() if v is PresumedState.FAILED)


@pytest.mark.parametrize("key", ALL_PAIRS, ids=_label)
def test_compiled_table_mirrors_the_python_table(key):
    assert next_state(*key) is TRANSITIONS.get(key)


@pytest.mark.parametrize("key", ALLOWED, ids=_label)
def test_allowed_transition_is_applied(key):
    state, trigger = key
    order = _order(state)
    changed = _apply(order, trigger)
    assert order.current_state is _public(TRANSITIONS[key])
    assert order.is_presumed_failure is (TRANSITIONS[key] is PresumedState.FAILED)
    assert order.refused_updates == 0 and order.last_update_refused == 0
    # never both a failure and filled (issue: a lost order that traded completes)
    assert not (order.is_failure and order.is_filled)
    # a status accepted without moving the state (PENDING_CANCEL + PARTIALLY_FILLED) changes nothing
    assert changed is (isinstance(trigger, FillTrigger) or trigger is OrderState.FILLED
                       or TRANSITIONS[key] is not state)
    if isinstance(trigger, FillTrigger):
        assert "t1" in order.order_fills
        expected = Decimal("0.4") if trigger is FillTrigger.PARTIAL_FILL else AMOUNT
        assert order.executed_amount_base == expected
    else:
        assert order.executed_amount_base == 0
        assert order.exchange_reported_filled is (trigger is OrderState.FILLED)


@pytest.mark.parametrize("key", FORBIDDEN, ids=_label)
def test_forbidden_transition_is_refused_reported_and_not_applied(key, caplog):
    state, trigger = key
    order = _order(state)
    before = order.attributes
    caplog.set_level("DEBUG", logger="hummingbot_conn.core.in_flight_order")
    assert _apply(order, trigger) is False
    assert order.attributes == before
    assert order.refused_updates == 1
    [record] = [r for r in caplog.records if f"{state.name} -> {trigger.name}" in r.getMessage()]
    # a non-terminal status the order moved past is a late report, an expected race: counted, DEBUG only;
    # a contradicting final status, a refused fill or loss is a warning
    stale = isinstance(trigger, OrderState) and trigger not in TERMINAL_STATES
    assert order.stale_updates == int(stale)
    assert order.last_update_refused == (REFUSED_STALE if stale else REFUSED_CONTRADICTING)
    assert record.levelname == ("DEBUG" if stale else "WARNING")


def test_next_state_checks_its_argument_types():
    # swapped arguments used to read the next row of the C table
    with pytest.raises(TypeError, match="state must be"):
        next_state(FillTrigger.LAST_FILL, OrderState.OPEN)
    with pytest.raises(TypeError, match="trigger must be"):
        next_state(OrderState.OPEN, PresumedState.FAILED)
    for bad in (1, None, "OPEN", 1.0):
        with pytest.raises(TypeError):
            next_state(bad, OrderState.OPEN)
        with pytest.raises(TypeError):
            next_state(OrderState.OPEN, bad)


@pytest.mark.parametrize("state", list(OrderState), ids=lambda s: s.name)
def test_same_status_again_is_a_quiet_no_op(state):
    order = _order(state)
    assert order.update_with_order_update(OrderUpdate(PAIR, 2.0, state, "c1", "e1")) is False
    assert order.current_state is state
    assert order.refused_updates == 0


@pytest.mark.parametrize("state", sorted(TERMINAL_STATES, key=lambda s: s.value), ids=lambda s: s.name)
def test_terminal_states_absorb_every_status(state):
    order = _order(state)
    for status in OrderState:
        order.update_with_order_update(OrderUpdate(PAIR, 2.0, status, "c1", "e1"))
        assert order.current_state is state


def test_no_status_moves_an_order_back_to_pending_create():
    for state in OrderState:
        if state is not OrderState.PENDING_CREATE:
            assert next_state(state, OrderState.PENDING_CREATE) is None
