"""The conformance kit (``hummingbot_conn.testing.conformance``) on Kraken spot: ``KrakenExchange`` on
``KrakenSimulatedExchange`` over real HTTP and WebSocket v2 on 127.0.0.1 (docs/conformance.md).

``KrakenSpotVenue`` is the venue's fixture: the connector's account, a fee-free counterparty, the
faults by the kit's kind names (Kraken's ``drop_diff`` names the symbol as WS v2 does, ``BTC/USD``)
and the venue's own state from the simulator's engine.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, AsyncIterator, List

import pytest

from hummingbot_conn.exchanges.kraken import KrakenEndpoints, KrakenExchange
from hummingbot_conn.sim.kraken import KrakenSimulatedExchange
from hummingbot_conn.sim.kraken.book_feed import checksum
from hummingbot_conn.sim.kraken.ws_private import USER_KEY
from hummingbot_conn.testing.conformance import FAULT_KINDS, OPERATIONS, ConformanceSuite, VenueFixture

_PATHS = {"place": "/0/private/AddOrder", "cancel": "/0/private/CancelOrder"}


class KrakenSpotVenue:
    trading_pair, symbol = "BTC-USD", "BTC/USD"
    order_amount = Decimal("0.002")         # 110 USD at 55000: above ordermin and costmin
    resting_price = Decimal("55000")

    def __init__(self, sim: KrakenSimulatedExchange) -> None:
        self.sim = sim
        self.key, self.secret = sim.create_account({"USD": "100000", "BTC": "2"})
        self.account = sim.accounts.by_key(self.key)
        self.counterparty = sim.accounts.create({"USD": "100000000", "BTC": "10000"}, fee_free=True)
        self.counts = {"place": 0, "cancel": 0}
        for operation, path in _PATHS.items():
            handler, weight, security = sim.rest.endpoints[("POST", path)]

            def counting(*args: Any, _handler=handler, _operation=operation) -> Any:
                self.counts[_operation] += 1
                return _handler(*args)
            sim.rest.endpoints[("POST", path)] = (counting, weight, security)

    def make_connector(self, **options: Any) -> KrakenExchange:
        # the kit faults and counts the REST paths (_PATHS); the WebSocket v2 orders with the same
        # faults: tests/integration/kraken/test_kraken_ws_orders.py
        options.setdefault("order_transport", "rest")
        return KrakenExchange(kraken_api_key=self.key, kraken_api_secret=self.secret,
                              trading_pairs=[self.trading_pair],
                              domain=KrakenEndpoints.local(self.sim.rest_url.split("://", 1)[1]),
                              api_tier="intermediate", **options)     # the simulator's keys' tier

    def order_kwargs(self, closing: bool = False) -> dict[str, Any]:
        return {}

    def counterparty_limit(self, side: str, amount: Decimal, price: Decimal) -> None:
        self.sim.engine.place(self.counterparty, self.sim.engine.pair(self.symbol), side.upper(), "LIMIT",
                              Decimal(amount), Decimal(price))

    def cancel_elsewhere(self, client_order_id: str) -> None:
        self.sim.engine.cancel(self.account, self.sim.engine.find(self.account, cl_ord_id=client_order_id))

    def fault(self, kind: str, operation: str | None = None, **params: Any) -> None:
        if kind not in FAULT_KINDS or (operation is not None and operation not in OPERATIONS):
            raise ValueError(f"unknown fault {kind!r} on {operation!r}")
        if kind in ("close_user_sockets", "close_market_sockets"):
            self.sim.faults.add(kind)
        elif kind == "drop_diff":
            self.sim.faults.add(kind, symbol=self.symbol, count=1)
        else:
            self.sim.faults.add(kind, endpoint=f"POST {_PATHS[operation or 'place']}", count=1, **params)

    def requests(self, operation: str) -> int:
        return self.counts[operation]

    def venue_open_orders(self) -> list[str]:
        return [o.cl_ord_id for o in self.sim.engine.open_orders(self.account)]

    def venue_book(self) -> tuple[dict[Decimal, Decimal], dict[Decimal, Decimal]]:
        return self.sim.book_levels(self.symbol)

    def venue_balances(self) -> dict[str, tuple[Decimal, Decimal]] | None:
        return {asset: (total, self.account.available(asset)) for asset, total in self.account.balance.items()}

    # ---- the optional members (hummingbot_conn.testing.conformance.VenueFixtureDefaults) ----------
    def _connections(self, stream: str) -> List[Any]:
        """The simulator's sockets of ``stream`` (only our connector connects: the counterparty trades on
        the engine directly)."""
        if stream == "public":
            return list(self.sim.streams.connections)
        return list(self.sim.streams.user_connections.get(USER_KEY, ()))

    def inject_frame(self, stream: str, frame: str) -> None:
        conns = self._connections(stream)
        assert conns, f"no {stream} connection to put a frame on"
        for conn in conns:
            conn.outbox.put(frame)

    def sample_frames(self, stream: str) -> List[Any]:
        """Public: a book update re-stating the best level of each side with the checksum of the book
        as it is, and a trade print. Private: a fill of an order the connector does not know, and a
        balances entry stating the account's total of one asset as it is."""
        if stream == "public":
            spec = self.sim.engine.specs[self.symbol]
            bids, asks = self.sim.engine.books[self.symbol].depth(10)
            crc = checksum(asks, bids, spec.pair_decimals, spec.lot_decimals)
            book = {"channel": "book", "type": "update", "data": [{
                "symbol": self.symbol, "bids": [{"price": float(p), "qty": float(q)} for p, q in bids[:1]],
                "asks": [{"price": float(p), "qty": float(q)} for p, q in asks[:1]], "checksum": crc,
                "timestamp": "2023-10-06T17:35:55.440295Z"}]}
            trade = {"channel": "trade", "type": "update", "data": [{
                "symbol": self.symbol, "side": "buy", "price": 55000.0, "qty": 0.001, "ord_type": "limit",
                "trade_id": 99999999, "timestamp": "2023-10-06T17:35:55.440295Z"}]}
            return [book, trade]
        fill = {"order_id": "OUNKNO-WN000-000001", "symbol": self.symbol, "exec_type": "trade",
                "order_status": "filled", "side": "buy", "order_type": "limit", "order_qty": 0.001,
                "order_userref": 0, "time_in_force": "GTC", "post_only": False, "cum_qty": 0.001,
                "cum_cost": 55.0, "fee_usd_equiv": 0.0, "avg_price": 55000.0, "timestamp": "2023-10-06T17:35:55Z",
                "limit_price": 55000.0, "cl_ord_id": "unknown-order-1", "exec_id": "TUNKNO-WN000-000001",
                "trade_id": 99999999, "last_qty": 0.001, "last_price": 55000.0, "cost": 55.0,
                "liquidity_ind": "t", "fees": [{"asset": "USD", "qty": 0.0}], "fee_ccy_pref": "fciq"}
        usd = float(self.account.balance.get("USD", Decimal(0)))
        balance = {"asset": "USD", "asset_class": "currency", "balance": usd, "amount": 0.0, "fee": 0.0,
                   "ledger_id": "LUNKNO-WN000-000001", "ref_id": "TUNKNO-WN000-000001",
                   "timestamp": "2023-10-06T17:35:55Z", "type": "trade", "subtype": "",
                   "wallet_type": "spot", "wallet_id": "main"}
        return [{"channel": "executions", "type": "update", "data": [fill], "sequence": 999999},
                {"channel": "balances", "type": "update", "data": [balance], "sequence": 999999}]


@pytest.fixture
async def kraken_spot_venue() -> AsyncIterator[KrakenSpotVenue]:
    async with KrakenSimulatedExchange(seed=5, stream_interval=0.02) as sim:
        yield KrakenSpotVenue(sim)


class TestKrakenSpot(ConformanceSuite):
    @pytest.fixture
    def venue(self, kraken_spot_venue) -> VenueFixture:
        return kraken_spot_venue


async def test_the_kraken_venue_satisfies_the_fixture_protocol(kraken_spot_venue):
    assert isinstance(kraken_spot_venue, VenueFixture)
