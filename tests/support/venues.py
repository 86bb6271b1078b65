"""The Binance venues as ``VenueFixture``s of the conformance kit (``hummingbot_conn.testing.conformance``):
spot (``BinanceExchange`` on ``SimulatedExchange``) and USDⓈ-M (``BinancePerpetualDerivative`` on
``SimulatedFuturesExchange``), each over a running simulator on 127.0.0.1 (real HTTP and WebSocket),
with a counterparty account and faults by kind name. Standalone (it imports only the installed
package), so tests/conformance/test_outside_run.py can hand it to a pytest run outside the checkout.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, List

from hummingbot_conn.common import PositionAction
from hummingbot_conn.exchanges.binance.binance_constants import BinanceEndpoints
from hummingbot_conn.exchanges.binance.binance_exchange import BinanceExchange
from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_constants import BinancePerpetualEndpoints
from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_derivative import BinancePerpetualDerivative
from hummingbot_conn.sim import SimulatedExchange
from hummingbot_conn.sim.futures import SimulatedFuturesExchange
from hummingbot_conn.testing.conformance import FAULT_KINDS, OPERATIONS


class _BinanceVenue:
    """What the two Binance simulators share: faults by endpoint, request counts, the engine's state."""

    trading_pair, symbol = "BTC-USDT", "BTCUSDT"
    resting_price = Decimal("55000")
    order_path = ""        # the order endpoint's path on this venue

    def __init__(self, sim: Any, key: str, secret: str) -> None:
        self.sim, self.key, self.secret = sim, key, secret
        self.counts = {"place": 0, "cancel": 0}
        for operation, method in (("place", "POST"), ("cancel", "DELETE")):
            handler, weight, security = sim.rest.endpoints[(method, self.order_path)]

            def counting(*args: Any, _handler=handler, _operation=operation) -> Any:
                self.counts[_operation] += 1
                return _handler(*args)
            sim.rest.endpoints[(method, self.order_path)] = (counting, weight, security)

    def fault(self, kind: str, operation: str | None = None, **params: Any) -> None:
        if kind not in FAULT_KINDS or (operation is not None and operation not in OPERATIONS):
            raise ValueError(f"unknown fault {kind!r} on {operation!r}")
        if kind in ("close_user_sockets", "close_market_sockets"):
            self.sim.faults.add(kind)
        elif kind == "drop_diff":
            self.sim.faults.add(kind, symbol=self.symbol, count=1)
        else:
            method = "POST" if operation == "place" else "DELETE"
            self.sim.faults.add(kind, endpoint=f"{method} {self.order_path}", count=1, **params)

    def requests(self, operation: str) -> int:
        return self.counts[operation]

    def venue_open_orders(self) -> list[str]:
        return [o.client_order_id for o in self.sim.engine.open_orders(self.sim.account(self.key))]

    def cancel_elsewhere(self, client_order_id: str) -> None:
        self.sim.engine.cancel_order(self.sim.account(self.key), self.symbol, orig_client_id=client_order_id)

    def venue_book(self) -> tuple[dict[Decimal, Decimal], dict[Decimal, Decimal]]:
        return self.sim.book_levels(self.symbol)

    # ---- the optional members (hummingbot_conn.testing.conformance.VenueFixtureDefaults) ----------
    def _connections(self, stream: str) -> List[Any]:
        """The simulator's sockets of ``stream`` (only our connector connects: the counterparty trades on
        the engine directly)."""
        if stream == "public":
            return list(self.sim.streams.connections)
        return [c for conns in self.sim.streams.user_connections.values() for c in conns]

    def inject_frame(self, stream: str, frame: str) -> None:
        conns = self._connections(stream)
        assert conns, f"no {stream} connection to put a frame on"
        for conn in conns:
            conn.outbox.put(frame)

    def _on_the_wire(self, conn: Any, stream_name: str, payload: dict) -> dict:
        return {"stream": stream_name, "data": payload} if conn.combined else payload

    def _public_samples(self, depth_stream: str, trade_stream: str, trade: dict) -> List[Any]:
        """A book update at the id the connector has applied already (stale: dropped as it is), re-stating
        the best levels, and a trade print."""
        conn = next((c for c in self._connections("public") if depth_stream in c.streams), None)
        if conn is None:
            return []
        uid = self.sim.streams.depth.published_id(self.symbol)
        bids, asks = self.venue_book()
        best = {"b": [[str(p), str(bids[p])] for p in sorted(bids, reverse=True)[:1]],
                "a": [[str(p), str(asks[p])] for p in sorted(asks)[:1]]}
        diff = {"e": "depthUpdate", "E": 1700000000000, "s": self.symbol, "U": uid, "u": uid, **best}
        if self.chained_ids:
            diff = {**diff, "T": 1700000000000, "pu": uid}
        return [self._on_the_wire(conn, depth_stream, diff), self._on_the_wire(conn, trade_stream, trade)]


class BinanceSpotVenue(_BinanceVenue):
    order_amount = Decimal("0.002")
    order_path = "/api/v3/order"
    chained_ids = False

    def __init__(self, sim: SimulatedExchange) -> None:
        key, secret = sim.create_account({"USDT": "100000", "BTC": "2"})
        super().__init__(sim, key, secret)
        self.counterparty = sim.accounts.create({"USDT": "100000000", "BTC": "10000"}, maker_rate="0",
                                                taker_rate="0")

    def make_connector(self, **options: Any) -> BinanceExchange:
        # the kit faults REST paths (order_path); the WebSocket API path: test_ws_order_entry*.py
        options.setdefault("order_transport", "rest")
        return BinanceExchange(binance_api_key=self.key, binance_api_secret=self.secret,
                               trading_pairs=[self.trading_pair],
                               domain=BinanceEndpoints.local(self.sim.rest_url.split("://", 1)[1]), **options)

    def order_kwargs(self, closing: bool = False) -> dict[str, Any]:
        return {}

    def counterparty_limit(self, side: str, amount: Decimal, price: Decimal) -> None:
        self.sim.engine.place_order(self.counterparty, self.symbol, side, "LIMIT", quantity=amount, price=price,
                                    time_in_force="GTC")

    def venue_balances(self) -> dict[str, tuple[Decimal, Decimal]] | None:
        account = self.sim.account(self.key)
        return {a: (b.free + b.locked, b.free) for a, b in account.balances.items()}

    def _connections(self, stream: str) -> List[Any]:
        if stream == "public":
            return super()._connections(stream)
        return list(self.sim.user_streams.api_connections) + super()._connections(stream)

    def sample_frames(self, stream: str) -> List[Any]:
        if stream == "public":
            name = self.symbol.lower()
            trade = {"e": "trade", "E": 1700000000000, "s": self.symbol, "t": 99999999, "p": "55000.00",
                     "q": "0.001", "T": 1700000000000, "m": True, "M": True}
            return self._public_samples(f"{name}@depth@100ms", f"{name}@trade", trade)
        sub = next((s for c in self.sim.user_streams.api_connections for s in c.subscriptions), None)
        report = {"e": "executionReport", "E": 1700000000100, "s": self.symbol, "c": "unknown-order-1",
                  "S": "BUY", "o": "LIMIT", "f": "GTC", "q": "0.00100000", "p": "55000.00000000", "C": "",
                  "x": "TRADE", "X": "FILLED", "r": "NONE", "i": 987654321, "l": "0.00100000",
                  "z": "0.00100000", "L": "55000.00000000", "n": "0", "N": "BTC", "T": 1700000000099,
                  "t": 987654321, "m": False, "Y": "55.00000000"}
        return [] if sub is None else [{"subscriptionId": sub, "event": report}]


class BinancePerpetualVenue(_BinanceVenue):
    order_amount = Decimal("0.004")        # 220 USDT at 55000: above the 100 USDT minimum notional
    order_path = "/fapi/v1/order"
    chained_ids = True

    def __init__(self, sim: SimulatedFuturesExchange) -> None:
        key, secret = sim.create_account("10000")
        super().__init__(sim, key, secret)

    def make_connector(self, **options: Any) -> BinancePerpetualDerivative:
        options.setdefault("funding_fee_poll_interval", 30.0)
        return BinancePerpetualDerivative(
            self.key, self.secret, trading_pairs=[self.trading_pair],
            domain=BinancePerpetualEndpoints.local(self.sim.rest_url.split("://", 1)[1]), **options)

    def order_kwargs(self, closing: bool = False) -> dict[str, Any]:
        return {"position_action": PositionAction.CLOSE if closing else PositionAction.OPEN}

    def counterparty_limit(self, side: str, amount: Decimal, price: Decimal) -> None:
        self.sim.place_liquidity(self.symbol, side, price, amount)

    def venue_balances(self) -> dict[str, tuple[Decimal, Decimal]] | None:
        return None            # a margin wallet, not asset balances (tests/integration/perpetual checks it)

    def sample_frames(self, stream: str) -> List[Any]:
        if stream == "public":
            conn = next(iter(self._connections("public")), None)
            depth = next((s for s in (conn.streams if conn else ()) if s.startswith(f"{self.symbol.lower()}@depth")),
                         f"{self.symbol.lower()}@depth@100ms")
            trade = {"e": "aggTrade", "E": 1700000000000, "s": self.symbol, "a": 99999999, "p": "55000.00",
                     "q": "0.001", "f": 99999999, "l": 99999999, "T": 1700000000000, "m": True}
            return self._public_samples(depth, f"{self.symbol.lower()}@aggTrade", trade)
        order = {"s": self.symbol, "c": "unknown-order-1", "S": "BUY", "o": "LIMIT", "f": "GTC", "q": "0.004",
                 "p": "55000", "ap": "55000", "sp": "0", "x": "TRADE", "X": "FILLED", "i": 987654321,
                 "l": "0.004", "z": "0.004", "L": "55000", "N": "USDT", "n": "0.1", "T": 1700000000123,
                 "t": 987654321, "b": "0", "a": "0", "m": False, "R": False, "ps": "BOTH", "rp": "0", "cp": False}
        return [{"e": "ORDER_TRADE_UPDATE", "E": 1700000000124, "T": 1700000000123, "o": order}]

