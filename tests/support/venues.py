"""The Binance venues as ``VenueFixture``s of the conformance kit (``hummingbot_conn.testing.conformance``):
spot (``BinanceExchange`` on ``SimulatedExchange``) and USDⓈ-M (``BinancePerpetualDerivative`` on
``SimulatedFuturesExchange``), each over a running simulator on 127.0.0.1 (real HTTP and WebSocket),
with a counterparty account and faults by kind name. Standalone (it imports only the installed
package), so tests/conformance/test_outside_run.py can hand it to a pytest run outside the checkout.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

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


class BinanceSpotVenue(_BinanceVenue):
    order_amount = Decimal("0.002")
    order_path = "/api/v3/order"

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


class BinancePerpetualVenue(_BinanceVenue):
    order_amount = Decimal("0.004")        # 220 USDT at 55000: above the 100 USDT minimum notional
    order_path = "/fapi/v1/order"

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

