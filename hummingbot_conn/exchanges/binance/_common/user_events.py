"""What both Binance user-stream event handlers do alike: dispatch, refusal, symbol lookup, applying fills.

Every user event is a JSON object with its type in ``e``.  A venue's
handler names the method of each event type it applies (``HANDLERS``);
other types are ignored.  A frame that is not an object, or whose handler
raises (its strict check refused a field), is refused through the
connector's ``FrameRefusals``: counted in ``refused_user_events``, logged
once per kind and answered by a REST reconcile (docs/contracts.md,
Contract 4).  Nothing of a refused frame is applied.
"""
from typing import Any, ClassVar, Dict, List, Optional

from hummingbot_conn.core.in_flight_order import OrderUpdate, TradeUpdate

__all__ = ["BinanceUserEventHandlerBase", "object_field", "object_rows"]


def object_field(value: Any, field: str) -> Dict[str, Any]:
    """``value`` when it is a JSON object, else ``ValueError`` naming ``field``."""
    if type(value) is not dict:
        raise ValueError(f"{field} must be an object, got {type(value).__name__}")
    return value


def object_rows(value: Any, field: str) -> List[Dict[str, Any]]:
    """``value`` when it is a list of JSON objects, else ``ValueError`` naming ``field``."""
    if type(value) is not list:
        raise ValueError(f"{field} must be a list, got {type(value).__name__}")
    return [object_field(row, f"{field} rows") for row in value]


class BinanceUserEventHandlerBase:
    """Routes user events of a connector to the methods named in ``HANDLERS`` (event type -> method name)."""

    HANDLERS: ClassVar[Dict[str, str]] = {}

    def __init__(self, connector: Any) -> None:
        self._connector = connector

    @property
    def skipped(self) -> int:
        """Frames refused so far (all kinds; per kind: ``connector.refused_user_events``)."""
        return self._connector._frame_refusals.total

    def process(self, event: Any) -> None:
        """Apply one event; never raises (a frame never stops the stream)."""
        kind = event.get("e") if type(event) is dict else None
        try:
            if type(event) is not dict:
                raise ValueError(f"a frame must be a JSON object, got {type(event).__name__}")
            method = self.HANDLERS.get(kind) if type(kind) is str else None
            if method is not None:
                getattr(self, method)(event)
        except Exception as exc:
            self._connector._frame_refusals.refuse(kind, exc, event)

    def _pair(self, symbol: Any) -> Optional[str]:
        """The trading pair of a symbol, None for a symbol this connector does not trade."""
        try:
            return self._connector._symbol_map.trading_pair(symbol)
        except KeyError:
            return None

    def _apply_order_event(self, trade_update: Optional[TradeUpdate], order_update: OrderUpdate) -> None:
        """The fill first (when the event is one), then the status it led to."""
        tracker = self._connector._order_tracker
        if trade_update is not None:
            tracker.process_trade_update(trade_update)
        tracker.process_order_update(order_update)
