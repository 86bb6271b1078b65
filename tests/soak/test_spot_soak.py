"""The spot soak: ``BinanceExchange`` against ``SimulatedExchange`` under every fault kind.

Background traders move the market; a seeded strategy places LIMIT orders
near the book (some cross it), LIMIT_MAKER orders, MARKET orders, cancels some
and sometimes cancels everything; a :class:`~tests.soak.harness.FaultDriver`
injects every fault the simulator offers. At the end every order, fill,
balance and book must equal the simulator's (harness docstring).

    HBCONN_SOAK_SECONDS=300 HBCONN_SOAK_SEED=7 .venv/bin/pytest tests/soak/test_spot_soak.py -s
"""
from decimal import Decimal

import pytest
from support.spot import make_connector

from hummingbot_conn.common import OrderType
from hummingbot_conn.events import MarketEvent
from hummingbot_conn.sim import SimulatedExchange

from .harness import (
    SOAK_SECONDS,
    SOAK_SEED,
    ExchangeFill,
    ExchangeOrder,
    FaultDriver,
    FaultVenue,
    Strategy,
    audit_orders,
    book_discrepancies,
    drive,
    event_log,
    reconcile,
    summary,
)

pytestmark = [pytest.mark.slow, pytest.mark.soak]

PAIRS = {"BTC-USDT": "BTCUSDT", "ETH-USDT": "ETHUSDT"}
BALANCES = {"USDT": "50000", "BTC": "1", "ETH": "15"}
VENUE = FaultVenue(
    symbols=tuple(PAIRS.values()),
    endpoints=(None, "POST /api/v3/order", "DELETE /api/v3/order", "GET /api/v3/order", "GET /api/v3/account",
               "GET /api/v3/myTrades", "GET /api/v3/openOrders", "GET /api/v3/depth", "GET /api/v3/time"),
    order_endpoints=("POST /api/v3/order", "DELETE /api/v3/order"))


class SpotStrategy(Strategy):
    """Seeded random trading through the connector's public API, as a bot would."""

    def __init__(self, connector, seed: int, rate: float = 2.2) -> None:
        super().__init__(seed, rate)
        self.connector = connector

    def _order(self, pair: str) -> None:
        c, rng = self.connector, self.rng
        is_buy = rng.random() < 0.5
        try:
            best_bid, best_ask = Decimal(str(c.get_price(pair, False))), Decimal(str(c.get_price(pair, True)))
        except Exception:
            return                       # no book yet (a resync in progress): skip this action
        if not (best_bid.is_finite() and best_ask.is_finite()) or best_bid <= 0:
            return
        tick = c.trading_rules[pair].min_price_increment
        # mostly small; now and then large enough to take several levels (several fills per order)
        notional = rng.randint(6, 30) if rng.random() < 0.8 else rng.randint(40, 200)
        amount = c.quantize_order_amount(pair, Decimal(notional) / best_ask)
        roll = rng.random()
        if roll < 0.2:
            kind, price = OrderType.MARKET, Decimal("NaN")
        else:
            # from a few ticks behind the best price to a tick through the other side (a taker)
            ticks = rng.randint(-4, 2)
            price = best_bid + tick * ticks if is_buy else best_ask - tick * ticks
            if ticks == 2:
                price = best_ask + tick if is_buy else best_bid - tick
            kind = OrderType.LIMIT_MAKER if roll < 0.35 else OrderType.LIMIT
            price = c.quantize_order_price(pair, price)
        place = c.buy if is_buy else c.sell
        self.placed.append(place(pair, amount, kind, price))

    def step(self) -> None:
        c, rng = self.connector, self.rng
        pair = rng.choice(list(PAIRS))
        roll = rng.random()
        mine = sorted(o.client_order_id for o in c.in_flight_orders.values() if not o.is_done)
        if roll < 0.03:
            self.spawn(c.cancel_all(5.0))
        elif roll < 0.30 and mine:
            cid = rng.choice(mine)
            c.cancel(c.in_flight_orders[cid].trading_pair, cid)
        else:
            self._order(pair)


def exchange_orders(sim, api_key: str, placed) -> dict:
    """The simulator's record of every order of the account, by client id (None: never there)."""
    account = sim.account(api_key)
    fills: dict = {}
    for (account_id, symbol), rows in sim.engine.account_fills.items():
        if account_id == account.account_id:
            for f in rows:
                fills.setdefault((symbol, f.order_id), {})[str(f.trade_id)] = ExchangeFill(
                    f.price, f.qty, f.commission_asset, f.commission)
    out: dict = dict.fromkeys(placed)
    for (symbol, order_id), order in sim.engine.orders.items():
        if order.account_id == account.account_id:
            out[order.client_order_id] = ExchangeOrder(order.status, order.executed_qty,
                                                       fills.get((symbol, order_id), {}))
    return out


def balance_discrepancies(sim, api_key: str, connector) -> list:
    account = sim.account(api_key)
    theirs = {a: (b.free + b.locked, b.free) for a, b in account.balances.items()}
    ours = {a: (connector.get_balance(a), connector.get_available_balance(a)) for a in connector.get_all_balances()}
    zero = (Decimal(0), Decimal(0))
    return [f"balance {a} (total, available): ours {ours.get(a, zero)}, exchange's {theirs.get(a, zero)}"
            for a in sorted(set(ours) | set(theirs)) if ours.get(a, zero) != theirs.get(a, zero)]


async def test_spot_soak_ends_with_every_order_fill_balance_and_book_equal_to_the_exchanges():
    seed, seconds = SOAK_SEED, SOAK_SECONDS
    async with SimulatedExchange(seed=seed, traders={"rate": 5, "volatility": 0.0005}) as sim:
        key, secret = sim.create_account(BALANCES)
        connector = make_connector(sim, key, secret, pairs=tuple(PAIRS))
        log = event_log(connector, list(MarketEvent))
        await connector.start_network()
        try:
            await connector.wait_ready(30)
            faults = FaultDriver(sim, VENUE, seed)
            strategy = SpotStrategy(connector, seed + 1)
            await drive(seconds, faults, [strategy])
            sim.traders.pause()             # a quiet market: the books can be compared level for level
            figures: dict = {}

            def audit() -> list:
                problems, counts = audit_orders(strategy.placed, exchange_orders(sim, key, strategy.placed),
                                                log.event_log, connector)
                figures.clear()
                figures.update(counts, orders=len(strategy.placed))
                return problems + balance_discrepancies(sim, key, connector) + \
                    book_discrepancies(connector, sim, PAIRS)

            discrepancies, took = await reconcile([connector], audit)
            line = summary("spot", seconds, seed, figures, faults, discrepancies, f"reconcile={took:.1f}s ")
            print("\n" + line)
            for problem in discrepancies[:40]:
                print("  " + problem)
            assert not faults.missing_kinds(), f"fault kinds never injected: {faults.missing_kinds()}"
            assert not discrepancies, line + "\n" + "\n".join(discrepancies[:40])
        finally:
            await connector.stop_network()
