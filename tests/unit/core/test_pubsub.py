import pytest

from hummingbot_conn.core.pubsub import PubSub
from hummingbot_conn.events import MarketEvent, OrderBookEvent


def test_listeners_called_in_subscription_order_across_tags():
    seen = []
    pubsub = PubSub()
    listener = seen.append
    pubsub.add_listener(MarketEvent.OrderFilled, listener)
    pubsub.add_listener(MarketEvent.BuyOrderCompleted, listener)
    pubsub.add_listener(MarketEvent.OrderFilled, lambda e: seen.append(("second", e)))
    pubsub.trigger_event(MarketEvent.OrderFilled, 1)
    pubsub.trigger_event(MarketEvent.BuyOrderCompleted, 2)
    pubsub.trigger_event(MarketEvent.OrderFilled.value, 3)
    assert seen == [1, ("second", 1), 2, 3, ("second", 3)]


def test_adding_twice_is_noop_and_remove_unsubscribes():
    seen = []
    pubsub = PubSub()
    pubsub.add_listener(OrderBookEvent.TradeEvent, seen.append)
    pubsub.add_listener(OrderBookEvent.TradeEvent, seen.append)
    assert len(pubsub.get_listeners(OrderBookEvent.TradeEvent)) == 1
    pubsub.trigger_event(OrderBookEvent.TradeEvent, "x")
    pubsub.remove_listener(OrderBookEvent.TradeEvent, seen.append)
    pubsub.remove_listener(OrderBookEvent.TradeEvent, seen.append)  # no-op
    pubsub.trigger_event(OrderBookEvent.TradeEvent, "y")
    assert seen == ["x"]
    assert pubsub.get_listeners(OrderBookEvent.TradeEvent) == []


def test_lambda_listener_is_not_garbage_collected():
    seen = []
    pubsub = PubSub()
    pubsub.add_listener(MarketEvent.OrderCancelled, lambda e: seen.append(e))
    import gc
    gc.collect()
    pubsub.trigger_event(MarketEvent.OrderCancelled, "c")
    assert seen == ["c"]


def test_raising_listener_does_not_stop_others(caplog):
    seen = []
    pubsub = PubSub()

    def bad(_):
        raise RuntimeError("boom")

    pubsub.add_listener(MarketEvent.OrderFailure, bad)
    pubsub.add_listener(MarketEvent.OrderFailure, seen.append)
    pubsub.trigger_event(MarketEvent.OrderFailure, "f")
    assert seen == ["f"]
    assert "boom" in caplog.text


def test_listener_removing_itself_during_dispatch_is_safe():
    seen = []
    pubsub = PubSub()

    def once(e):
        seen.append(e)
        pubsub.remove_listener(MarketEvent.OrderExpired, once)

    pubsub.add_listener(MarketEvent.OrderExpired, once)
    pubsub.add_listener(MarketEvent.OrderExpired, seen.append)
    pubsub.trigger_event(MarketEvent.OrderExpired, 1)
    pubsub.trigger_event(MarketEvent.OrderExpired, 2)
    assert seen == [1, 1, 2]


def test_non_callable_listener_is_a_clear_error():
    with pytest.raises(TypeError, match="callable"):
        PubSub().add_listener(MarketEvent.OrderFilled, 42)
