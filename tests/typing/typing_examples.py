"""What mypy sees for the main calls of the public API (checked by test_mypy.py).

This file is never run: ``test_mypy.py`` type-checks it and compares every
``reveal_type`` with the ``# R:`` comment on its line, so the stubs of the
compiled core and the annotations of the Python layers promise real types, not
``Any``.  Add a line here when you add a public call.
"""
from decimal import Decimal

from hummingbot_conn.common import OrderType, TradeType
from hummingbot_conn.connector.perpetual_trading import PerpetualTrading
from hummingbot_conn.core.in_flight_order import InFlightOrder, OrderState, OrderUpdate, TradeUpdate
from hummingbot_conn.core.order_book import OrderBook
from hummingbot_conn.core.order_book_message import OrderBookMessage, OrderBookMessageType
from hummingbot_conn.core.trade_fee import AddedToCostTradeFee, TradeFeeBase, TradeFeeSchema
from hummingbot_conn.events import OrderBookTradeEvent, OrderFilledEvent
from hummingbot_conn.exchanges.binance.binance_order_book import BinanceOrderBook
from hummingbot_conn.tracking.client_order_tracker import ClientOrderTracker
from hummingbot_conn.tracking.order_book_tracker import OrderBookTracker
from hummingbot_conn.tracking.user_stream_tracker import UserStreamTracker
from hummingbot_conn.web.async_throttler import AsyncThrottler
from hummingbot_conn.web.rate_limit import RateLimit

# ---- order book ---------------------------------------------------------------
book = OrderBook()
book.apply_snapshot([["100.0", "1"]], [["101.0", "2"]], 10)
reveal_type(book.apply_diffs([["100.0", "0"]], [], 11, 11))  # R: hummingbot_conn.core.order_book.DiffResult
reveal_type(book.get_price(True))  # R: float
reveal_type(book.is_synced)  # R: bool
reveal_type(book.last_diff_uid)  # R: int
reveal_type(book.get_vwap_for_volume(True, 1.0))  # R: hummingbot_conn.core.order_book_query_result.OrderBookQueryResult
reveal_type(book.get_vwap_for_volume(True, 1.0).result_price)  # R: float
reveal_type(book.bid_entries())  # R: list[tuple[float, float, int, fallback=hummingbot_conn.core.order_book_row.OrderBookRow]]
# apply_trade takes anything with a price (a Protocol in the stub): the event record is one
reveal_type(book.apply_trade(OrderBookTradeEvent("BTC-USDT", 1.0, TradeType.BUY, 100.0, 1.0)))  # R: None

message = OrderBookMessage(OrderBookMessageType.DIFF, {"update_id": 5, "bids": [], "asks": []}, 1.0)
reveal_type(message.update_id)  # R: int
reveal_type(message.type)  # R: hummingbot_conn.core.order_book_message.OrderBookMessageType

# ---- one order ----------------------------------------------------------------
order = InFlightOrder("cid-1", "BTC-USDT", OrderType.LIMIT, TradeType.BUY, Decimal("1"), 1.0, price=Decimal("100"))
reveal_type(order.current_state)  # R: hummingbot_conn.core.order_state.OrderState
reveal_type(order.executed_amount_base)  # R: decimal.Decimal
reveal_type(order.price)  # R: decimal.Decimal | None
reveal_type(order.order_type)  # R: hummingbot_conn.core.common_types.OrderType
reveal_type(order.position)  # R: hummingbot_conn.core.common_types.PositionAction
reveal_type(order.is_done)  # R: bool
reveal_type(order.to_json())  # R: dict[str, Any]

fee = AddedToCostTradeFee(percent=Decimal("0.001"))
reveal_type(TradeFeeBase.new_spot_fee(TradeFeeSchema(), TradeType.BUY))  # R: hummingbot_conn.core.trade_fee.TradeFeeBase
fill = TradeUpdate("t-1", "cid-1", "42", "BTC-USDT", 2.0, Decimal("100"), Decimal("1"), Decimal("100"), fee)
reveal_type(order.update_with_trade_update(fill))  # R: bool
update = OrderUpdate("BTC-USDT", 2.0, OrderState.FILLED, client_order_id="cid-1")
reveal_type(update.new_state)  # R: hummingbot_conn.core.order_state.OrderState

# ---- the tracker, events, throttler, perpetuals -------------------------------
tracker = ClientOrderTracker()
reveal_type(tracker.fetch_order("cid-1"))  # R: hummingbot_conn.core.in_flight_order.InFlightOrder | None
reveal_type(tracker.active_orders)  # R: dict[str, hummingbot_conn.core.in_flight_order.InFlightOrder]
reveal_type(tracker.process_trade_update(fill))  # R: bool

event = OrderFilledEvent(1.0, "cid-1", "BTC-USDT", TradeType.BUY, OrderType.LIMIT, Decimal("100"), Decimal("1"), fee)
reveal_type(event.amount)  # R: decimal.Decimal
reveal_type(event.trade_fee)  # R: hummingbot_conn.core.trade_fee.TradeFeeBase

throttler = AsyncThrottler([RateLimit("orders", 10, 1.0)])
reveal_type(throttler.execute_task("orders"))  # R: hummingbot_conn.web.async_throttler.AsyncRequestContext

perpetual = PerpetualTrading(["BTC-USDT"])
reveal_type(perpetual.get_position("BTC-USDT"))  # R: hummingbot_conn.connector.position.Position | None
reveal_type(perpetual.get_leverage("BTC-USDT"))  # R: int


# ---- trackers (built by a connector from its data sources) ---------------------
def _trackers(books: OrderBookTracker, account: UserStreamTracker) -> None:
    reveal_type(books.order_books)  # R: dict[str, hummingbot_conn.core.order_book.OrderBook]
    reveal_type(books.metrics)  # R: hummingbot_conn.tracking.order_book_tracker_metrics.OrderBookTrackerMetrics
    reveal_type(account.last_recv_time)  # R: float


diff = BinanceOrderBook.diff_message_from_exchange(
    {"e": "depthUpdate", "E": 1, "s": "BTCUSDT", "U": 157, "u": 160, "b": [["0.0024", "10"]], "a": []}, 1.0)
reveal_type(diff)  # R: hummingbot_conn.core.order_book_message.OrderBookMessage
reveal_type(diff.first_update_id)  # R: int
