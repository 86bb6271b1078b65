"""The conformance kit (``hummingbot_conn.testing.conformance``) on Kraken spot: ``KrakenExchange`` on
``KrakenSimulatedExchange`` over real HTTP and WebSocket v2 on 127.0.0.1 (docs/conformance.md).

``KrakenSpotVenue`` is the venue's fixture: the connector's account, a fee-free counterparty, the
faults by the kit's kind names (Kraken's ``drop_diff`` names the symbol as WS v2 does, ``BTC/USD``)
and the venue's own state from the simulator's engine.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, AsyncIterator

import pytest

from hummingbot_conn.exchanges.kraken import KrakenEndpoints, KrakenExchange
from hummingbot_conn.sim.kraken import KrakenSimulatedExchange
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
