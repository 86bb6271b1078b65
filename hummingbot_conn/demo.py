"""``hbconn demo``: the library end to end against the embedded simulator.

Everything goes over real sockets on 127.0.0.1: the simulated Binance
exchange starts with background traders, and the demo

1. keeps a local order book with ``OrderBookTracker`` and the Binance data
   source (Binance's documented procedure: buffer diffs, snapshot, replay
   only newer diffs, resync on a sequence gap), while the
   simulator drops a diff on purpose to show the gap being caught;
2. subscribes to the user data stream over the WebSocket API and places a
   signed order through the throttled, time-synced REST stack;
3. prints the book, a few queries, the order's execution reports, and
   checks that the local book equals the exchange's book level for level.

Exit status 0 when the local book matched the exchange's, 1 otherwise.
"""
from __future__ import annotations

import asyncio
import math
from decimal import Decimal
from typing import Callable, Optional, Sequence

from hummingbot_conn.cli_edge import CommandError, CommandParser, non_negative_float, positive_float, run_command
from hummingbot_conn.core.order_book import OrderBook
from hummingbot_conn.exchanges.binance import binance_constants as CONSTANTS, binance_web_utils as web_utils
from hummingbot_conn.exchanges.binance.binance_api_order_book_data_source import BinanceAPIOrderBookDataSource
from hummingbot_conn.exchanges.binance.binance_auth import BinanceAuth
from hummingbot_conn.exchanges.binance.binance_constants import BinanceEndpoints
from hummingbot_conn.sim import SimulatedExchange, default_symbols
from hummingbot_conn.tracking.order_book_tracker import OrderBookTracker
from hummingbot_conn.web import RESTMethod, TimeSynchronizer, WSJSONRequest


def symbol_to_pair(symbol: str) -> str:
    """``BTCUSDT`` -> ``BTC-USDT`` for the simulator's quote assets."""
    for quote in ("USDT", "BTC"):
        if symbol.endswith(quote) and len(symbol) > len(quote):
            return f"{symbol[:-len(quote)]}-{quote}"
    raise ValueError(f"cannot split {symbol!r} into base and quote")


def _fmt(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:,.2f}"


def _book_matches(book: OrderBook, sim: SimulatedExchange, symbol: str) -> bool:
    bids, asks = sim.book_levels(symbol)
    ours_bids = {row.price: row.amount for row in book.bid_entries()}
    ours_asks = {row.price: row.amount for row in book.ask_entries()}
    return (ours_bids == {float(p): float(q) for p, q in bids.items()}
            and ours_asks == {float(p): float(q) for p, q in asks.items()})


async def run_demo(seconds: float = 5.0, symbol: str = "BTCUSDT", seed: int = 7, rate: float = 40.0,
                   out: Callable[[str], None] = print) -> int:
    traders = {"rate": rate, "volatility": 0.0005, "seed_levels": 20}
    async with SimulatedExchange(seed=seed, traders=traders) as sim:
        api_key, secret = sim.create_account({"USDT": "100000", "BTC": "2"})
        out(f"simulated exchange on {sim.rest_url} (streams {sim.ws_url}/ws, WebSocket API {sim.ws_api_url})")
        endpoints = BinanceEndpoints.local(sim.rest_url.split("://", 1)[1])
        sync = TimeSynchronizer()
        auth = BinanceAuth(api_key, secret, sync)
        factory = web_utils.build_api_factory(throttler=web_utils.create_throttler(), time_synchronizer=sync,
                                              domain=endpoints, auth=auth)
        async with factory:
            pair = symbol_to_pair(symbol)
            tracker = OrderBookTracker(BinanceAPIOrderBookDataSource([pair], domain=endpoints, api_factory=factory),
                                       [pair])
            tracker.start()
            user_ws = await factory.get_ws_assistant()
            await user_ws.connect(endpoints.ws_api_url())
            await user_ws.send(WSJSONRequest({"id": "user-data", "method": CONSTANTS.WS_USER_STREAM_SUBSCRIBE_METHOD,
                                              "params": auth.generate_ws_subscribe_params()}))
            reports: list[dict] = []

            async def read_user() -> None:
                async for message in user_ws.iter_messages():
                    event = message.data.get("event") if isinstance(message.data, dict) else None
                    if event and event.get("e") == "executionReport":
                        reports.append(event)

            readers = [asyncio.ensure_future(read_user())]
            try:
                await tracker.wait_ready(timeout=10)
                book = tracker.order_books[pair]
                out(f"local book synced at update id {book.snapshot_uid}")
                sim.faults.add("drop_diff", symbol=symbol, count=1)  # a lost frame: the book must notice
                await asyncio.sleep(seconds / 2)

                rest = await factory.get_rest_assistant()
                price = Decimal(str(book.best_ask)).quantize(Decimal("0.01"))
                order = await rest.execute_request(
                    endpoints.rest_url(CONSTANTS.ORDER_PATH_URL), CONSTANTS.ORDER_PATH_URL,
                    method=RESTMethod.POST, is_auth_required=True,
                    data={"symbol": symbol, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
                          "quantity": "0.01", "price": str(price), "newClientOrderId": "hbconn-demo-1",
                          "newOrderRespType": "RESULT"})
                out(f"placed BUY 0.01 {symbol} @ {price}: exchange order {order['orderId']}, status {order['status']}")
                await asyncio.sleep(seconds / 2)

                # stop the market, let the last diffs arrive, then compare with the exchange
                sim.traders.pause()
                target = sim.engine.books[symbol].update_id
                for _ in range(300):
                    if book.is_synced and book.last_diff_uid >= target:
                        break
                    await asyncio.sleep(0.02)
            finally:
                for task in readers:
                    task.cancel()
                await asyncio.gather(*readers, return_exceptions=True)
                await tracker.stop()
                await user_ws.disconnect()

        metrics = tracker.metrics.pairs[pair]
        out("")
        out(f"{symbol} local book, update id {book.last_diff_uid}: "
            f"{book.bid_level_count} bids / {book.ask_level_count} asks")
        bids, asks = book.bid_entries()[:5], book.ask_entries()[:5]
        out(f"{'bid size':>12} {'bid':>12} | {'ask':<12} {'ask size':<12}")
        for i in range(max(len(bids), len(asks))):
            b = f"{bids[i].amount:>12.5f} {bids[i].price:>12,.2f}" if i < len(bids) else " " * 25
            a = f"{asks[i].price:<12,.2f} {asks[i].amount:<12.5f}" if i < len(asks) else ""
            out(f"{b} | {a}")
        out(f"mid {_fmt(book.mid_price)}  spread {_fmt(book.spread)}  "
            f"VWAP to buy 0.01: {_fmt(book.get_vwap_for_volume(True, 0.01).result_price)}  "
        f"price to sell 0.01: {_fmt(book.get_price_for_volume(False, 0.01).result_price)}")
        out(f"diffs: applied {metrics.diffs_applied}, stale {metrics.diffs_stale}, gap {metrics.gaps}; "
            f"gaps caught and resynced: {metrics.resyncs}")
        for report in reports:
            out(f"execution report: {report['x']:<6} status {report['X']:<16} "
                f"filled {report['z']} @ {report['L']}  fee {report['n']} {report['N'] or ''}".rstrip())
        matches = _book_matches(book, sim, symbol)
        out(f"local book equals the exchange's book: {'yes' if matches else 'NO'}")
        return 0 if matches else 1


def main(argv: Optional[Sequence[str]] = None) -> int:
    known = [spec.symbol for spec in default_symbols()]
    parser = CommandParser(
        "hbconn demo",
        "Run the library end to end against the embedded simulated exchange: a local order book\n"
        "kept by snapshot and diffs (one diff dropped on purpose, the gap caught and resynced),\n"
        "a signed order, its execution reports, and a check that the book equals the exchange's.")
    parser.add_argument("--duration", "--seconds", dest="duration", type=non_negative_float, default=5.0,
                        help="seconds the market runs")
    parser.add_argument("--symbol", default="BTCUSDT", type=str.upper, help=f"pair to trade: {', '.join(known)}")
    parser.add_argument("--seed", type=int, default=7, help="seed of the simulated market")
    parser.add_argument("--rate", type=positive_float, default=40.0,
                        help="background trader actions per second (more than 0)")
    args = parser.parse_args(argv)

    def body() -> int:
        if args.symbol not in known:
            raise CommandError(f"unknown pair {args.symbol}", f"Choose one of {', '.join(known)}.")
        return asyncio.run(run_demo(args.duration, args.symbol, args.seed, args.rate))

    return run_command("hbconn demo", body, args.verbose)
