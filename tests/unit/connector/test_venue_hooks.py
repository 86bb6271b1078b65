"""The hooks a venue supplies (``hummingbot_conn.hooks.VenueHooks``): listed exactly per base class, and
a subclass lacking any of them cannot be constructed, with a message naming each missing hook and
the base that declares it, before any ``__init__`` runs (no socket, no task, no half-built connector).

The class of input closed: a venue class that forgot a hook, including a hook required only by an
option the class declares (a REST sync point, a checksum), used to be built and fail later, on the
first call of the hook (``NotImplementedError`` inside a running loop) or with Python's message
naming neither the declaring base nor the conditional hooks.
"""
import inspect

import pytest

from hummingbot_conn.connector.exchange_py_base import ExchangePyBase
from hummingbot_conn.connector.perpetual_derivative_py_base import PerpetualDerivativePyBase
from hummingbot_conn.core.book_checksum import ChecksumStyle
from hummingbot_conn.exchanges.binance import BinanceAPIOrderBookDataSource, BinanceExchange
from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_api_order_book_data_source import (
    BinancePerpetualAPIOrderBookDataSource,
)
from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_derivative import BinancePerpetualDerivative
from hummingbot_conn.hooks import VenueHooks
from hummingbot_conn.tracking.book_integrity import SyncPoint
from hummingbot_conn.tracking.order_book_tracker_data_source import OrderBookTrackerDataSource
from hummingbot_conn.tracking.user_stream_tracker_data_source import UserStreamTrackerDataSource

CONNECTOR_HOOKS = {
    # what a venue declares
    "name", "authenticator", "rate_limits_rules", "domain", "trading_rules_request_path",
    "trading_pairs_request_path", "check_network_request_path", "trading_pairs", "is_trading_required",
    "client_order_id_max_length", "client_order_id_prefix", "is_cancel_request_in_exchange_synchronous",
    "supported_order_types",
    # the network side
    "_create_web_assistants_factory", "_create_order_book_data_source", "_create_user_stream_data_source",
    "_format_trading_rules", "_initialize_trading_pair_symbols_from_exchange_info", "_api_request_url",
    "_user_stream_event_listener",
    # error classifiers
    "_is_request_exception_related_to_time_synchronizer", "_is_order_not_found_during_status_update_error",
    "_is_order_not_found_during_cancelation_error",
    # orders and the account
    "_place_order", "_place_cancel", "_get_fee", "_update_balances", "_all_trade_updates_for_order",
    "_request_order_status",
}
PERPETUAL_HOOKS = CONNECTOR_HOOKS | {
    "funding_fee_poll_interval", "supported_position_modes", "get_buy_collateral_token", "get_sell_collateral_token",
    "_update_positions", "_trading_pair_position_mode_set", "_set_trading_pair_leverage", "_fetch_funding_payments",
    "_fetch_funding_rates",
}
ORDER_BOOK_SOURCE_HOOKS = {
    "get_last_traded_prices", "_connected_websocket_assistant", "_subscribe_channels", "_channel_originating_message",
    "_parse_order_book_diff_message", "_parse_trade_message",
}
USER_STREAM_SOURCE_HOOKS = {"_connected_websocket_assistant", "_subscribe_channels"}

BASES = [(ExchangePyBase, CONNECTOR_HOOKS), (PerpetualDerivativePyBase, PERPETUAL_HOOKS),
         (OrderBookTrackerDataSource, ORDER_BOOK_SOURCE_HOOKS), (UserStreamTrackerDataSource, USER_STREAM_SOURCE_HOOKS)]


def _stand_in(base: type, name: str):
    """Something of the hook's kind (property, coroutine function, function) that does nothing."""
    declared = inspect.getattr_static(base, name)
    if isinstance(declared, property):
        return property(lambda self: None)
    if inspect.iscoroutinefunction(declared):
        async def hook(self, *args, **kwargs):
            return None
        return hook
    return lambda self, *args, **kwargs: None


def _venue_class(base: type, without: frozenset = frozenset(), **attributes):
    """A subclass of ``base`` supplying every hook but ``without``; its ``__init__`` records that it ran."""
    namespace = {name: _stand_in(base, name) for name in base.required_hooks() if name not in without}
    namespace["initialised"] = []

    def __init__(self, *args, **kwargs):
        type(self).initialised.append(True)
    namespace["__init__"] = __init__
    if issubclass(base, OrderBookTrackerDataSource):     # the default REST sync point needs its snapshot fetch
        namespace["_order_book_snapshot"] = _stand_in(base, "_order_book_snapshot")
    namespace.update(attributes)
    return type(f"Partial{base.__name__}", (base,), namespace)


@pytest.mark.parametrize("base, hooks", BASES, ids=lambda b: getattr(b, "__name__", ""))
def test_each_base_lists_exactly_the_hooks_a_venue_supplies(base, hooks):
    assert issubclass(base, VenueHooks)
    assert set(base.required_hooks()) == hooks
    assert sorted(base.required_hooks()) == list(base.required_hooks())


@pytest.mark.parametrize("base, hook", [(b, h) for b, hooks in BASES for h in sorted(hooks)],
                         ids=lambda x: getattr(x, "__name__", x))
def test_a_venue_class_missing_one_hook_cannot_be_constructed_and_the_message_names_it(base, hook):
    partial = _venue_class(base, without=frozenset({hook}))
    owner = next(k.__qualname__ for k in base.__mro__ if hook in vars(k))
    with pytest.raises(TypeError) as refused:
        partial("BTC-USDT")
    message = str(refused.value)
    assert f"{partial.__qualname__} cannot be constructed" in message
    assert f"{hook} (declared by {owner})" in message, message
    assert partial.initialised == []                # refused before __init__: nothing was built


def test_every_missing_hook_is_named_at_once():
    partial = _venue_class(ExchangePyBase, without=frozenset({"_place_order", "_place_cancel", "name"}))
    with pytest.raises(TypeError) as refused:
        partial()
    message = str(refused.value)
    assert all(f"{hook} (declared by ExchangeHooks)" in message for hook in ("_place_order", "_place_cancel", "name"))
    assert partial.missing_hooks() == [f"{h} (declared by ExchangeHooks)" for h in ("_place_cancel", "_place_order",
                                                                                    "name")]


@pytest.mark.parametrize("base", [b for b, _ in BASES], ids=lambda b: b.__name__)
def test_a_venue_class_with_every_hook_is_constructed(base):
    complete = _venue_class(base)
    assert complete.missing_hooks() == []
    complete("BTC-USDT")
    assert complete.initialised == [True]


def test_a_rest_sync_point_requires_the_snapshot_fetch_and_a_stream_sync_point_does_not():
    refusing = OrderBookTrackerDataSource._order_book_snapshot        # the base's default: no REST snapshot
    rest = _venue_class(OrderBookTrackerDataSource, _order_book_snapshot=refusing)
    with pytest.raises(TypeError, match=r"_order_book_snapshot \(SYNC_POINT is REST_SNAPSHOT\)"):
        rest(["BTC-USDT"])
    stream = _venue_class(OrderBookTrackerDataSource, SYNC_POINT=SyncPoint.STREAM_SNAPSHOT,
                          _order_book_snapshot=refusing)
    assert stream.missing_hooks() == []


def test_a_checksum_requires_the_venues_precision():
    style = next(iter(ChecksumStyle))
    checksummed = _venue_class(OrderBookTrackerDataSource, CHECKSUM_STYLE=style)
    with pytest.raises(TypeError, match=r"checksum_precision \(CHECKSUM_STYLE is "):
        checksummed(["BTC-USDT"])
    with_precision = _venue_class(OrderBookTrackerDataSource, CHECKSUM_STYLE=style,
                                  checksum_precision=lambda self, pair: (2, 8))
    assert with_precision.missing_hooks() == []


@pytest.mark.parametrize("venue_class", [BinanceExchange, BinancePerpetualDerivative, BinanceAPIOrderBookDataSource,
                                         BinancePerpetualAPIOrderBookDataSource], ids=lambda c: c.__name__)
def test_the_binance_classes_supply_every_hook(venue_class):
    assert venue_class.missing_hooks() == []
