"""OrderEventPublisher: the lifecycle events of ClientOrderTracker's orders.

The tracker decides *when* an order is created, filled, completed, cancelled,
expired or failed (docs/contracts.md, Contract 2); this module builds the
hummingbot event objects for each and hands them to the publisher: the
``trigger_event(tag, event)`` it was given, or a PubSub it owns.  It keeps the
tags resolved once (our PubSub takes the int value, a hummingbot-style
``trigger_event`` the MarketEvent member), so no Enum attribute is read per event.

Log lines keep the tracker's logger name: they are the tracker's messages.
"""
import logging
from typing import Any, Callable, Optional

from hummingbot_conn.core.in_flight_order import InFlightOrder, OrderUpdate, TradeUpdate
from hummingbot_conn.core.pubsub import PubSub
from hummingbot_conn.events import (
    BuyOrderCompletedEvent,
    BuyOrderCreatedEvent,
    MarketEvent,
    MarketOrderFailureEvent,
    OrderCancelledEvent,
    OrderExpiredEvent,
    OrderFilledEvent,
    SellOrderCompletedEvent,
    SellOrderCreatedEvent,
)

_logger = logging.getLogger("hummingbot_conn.tracking.client_order_tracker")


class OrderEventPublisher:
    """Builds and publishes one order's lifecycle events.

    ``trigger_event(tag, event)`` publishes with MarketEvent members as tags;
    when it is None the publisher owns a PubSub (``pubsub``) and publishes
    there with the members' int values.  ``now`` arguments are the tracker's
    clock in seconds.  Listener errors are the publisher's business (PubSub
    logs and goes on); anything the given ``trigger_event`` raises propagates.
    """

    def __init__(self, trigger_event: Optional[Callable[[Any, Any], Any]] = None) -> None:
        self.pubsub: Optional[PubSub] = None
        if trigger_event is None:
            self.pubsub = PubSub()
            trigger_event = self.pubsub.trigger_event
            tag = _int_tag  # our PubSub takes the int value: no Enum attribute access per event
        else:
            tag = _enum_tag
        self._trigger = trigger_event
        self._tag_buy_created = tag(MarketEvent.BuyOrderCreated)
        self._tag_sell_created = tag(MarketEvent.SellOrderCreated)
        self._tag_filled = tag(MarketEvent.OrderFilled)
        self._tag_buy_completed = tag(MarketEvent.BuyOrderCompleted)
        self._tag_sell_completed = tag(MarketEvent.SellOrderCompleted)
        self._tag_cancelled = tag(MarketEvent.OrderCancelled)
        self._tag_expired = tag(MarketEvent.OrderExpired)
        self._tag_failure = tag(MarketEvent.OrderFailure)

    def own_pubsub(self) -> PubSub:
        """The owned PubSub; RuntimeError when events go to a given trigger_event."""
        if self.pubsub is None:
            raise RuntimeError("this tracker publishes through the trigger_event it was given; "
                               "subscribe there")
        return self.pubsub

    def created(self, order: InFlightOrder, now: float) -> None:
        """Buy/SellOrderCreatedEvent."""
        if _logger.isEnabledFor(logging.INFO):
            _logger.info(order.build_order_created_message())
        # _name_ / _value_: plain attributes, unlike Enum's .name / .value properties
        is_buy = order.trade_type._name_ == "BUY"
        event_class = BuyOrderCreatedEvent if is_buy else SellOrderCreatedEvent
        self._trigger(self._tag_buy_created if is_buy else self._tag_sell_created, event_class(
            now, order.order_type, order.trading_pair, order.amount, order.price, order.client_order_id,
            order.creation_timestamp, order.exchange_order_id, order.leverage, order.position._value_))

    def filled(self, order: InFlightOrder, trade_update: TradeUpdate, now: float) -> None:
        """OrderFilledEvent of one counted fill (``order`` already includes it)."""
        if _logger.isEnabledFor(logging.INFO):
            _logger.info("The %s order %s amounting to %s/%s %s has been filled at %s %s.",
                         order.trade_type.name, order.client_order_id, order.executed_amount_base, order.amount,
                         order.base_asset, trade_update.fill_price, order.quote_asset)
        self._trigger(self._tag_filled, OrderFilledEvent(
            now, order.client_order_id, order.trading_pair, order.trade_type, order.order_type,
            trade_update.fill_price, trade_update.fill_base_amount, trade_update.fee,
            trade_update.trade_id, trade_update.exchange_order_id or order.exchange_order_id or "",
            order.leverage, order.position._value_))

    def completed(self, order: InFlightOrder, now: float) -> None:
        """Buy/SellOrderCompletedEvent with the order's executed amounts."""
        is_buy = order.trade_type._name_ == "BUY"
        _logger.info("%s order %s completely filled.", "BUY" if is_buy else "SELL", order.client_order_id)
        event_class = BuyOrderCompletedEvent if is_buy else SellOrderCompletedEvent
        self._trigger(self._tag_buy_completed if is_buy else self._tag_sell_completed, event_class(
            now, order.client_order_id, order.base_asset, order.quote_asset, order.executed_amount_base,
            order.executed_amount_quote, order.order_type, order.exchange_order_id))

    def cancelled(self, order: InFlightOrder, now: float) -> None:
        """OrderCancelledEvent."""
        _logger.info("Successfully canceled order %s.", order.client_order_id)
        self._trigger(self._tag_cancelled, OrderCancelledEvent(now, order.client_order_id, order.exchange_order_id))

    def expired(self, order: InFlightOrder, now: float) -> None:
        """OrderExpiredEvent."""
        _logger.info("Order %s has expired.", order.client_order_id)
        self._trigger(self._tag_expired, OrderExpiredEvent(now, order.client_order_id, order.exchange_order_id))

    def failed(self, order: InFlightOrder, now: float, order_update: OrderUpdate) -> None:
        """MarketOrderFailureEvent of an order the exchange reported FAILED; the
        error message and type come from ``order_update.misc_updates``."""
        cid = order.client_order_id
        misc = order_update.misc_updates or {}
        _logger.info("Order %s has failed. Order Update: %r", cid, order_update)
        self._trigger(self._tag_failure, MarketOrderFailureEvent(
            now, cid, order.order_type, misc.get("error_message"), misc.get("error_type")))

    def lost(self, order: InFlightOrder, now: float, error: str) -> None:
        """MarketOrderFailureEvent (error type "OrderNotFound") of an order marked lost."""
        cid = order.client_order_id
        _logger.info("Order %s has failed (lost): %s.", cid, error)
        self._trigger(self._tag_failure, MarketOrderFailureEvent(
            now, cid, order.order_type, error, "OrderNotFound"))


def _int_tag(tag: Any) -> int:
    return tag._value_


def _enum_tag(tag: Any) -> Any:
    return tag
