"""The perpetual soak: ``BinancePerpetualDerivative`` against ``SimulatedFuturesExchange``.

Two connectors trade at once, one account in ONEWAY mode and one switched to
HEDGE at the start, opening and closing positions (LIMIT near the book,
LIMIT_MAKER, MARKET), cancelling, cancelling everything and changing leverage,
while the simulator's background traders move the market and the mark price
(the funding rate changing now and then), funding falls due
every ``HBCONN_SOAK_FUNDING_MS`` (8 s by default, the venue's schedule
shortened) and a :class:`~tests.soak.harness.FaultDriver` injects every fault
the venue offers. At the end every order and fill (with its position action and
fee class), the wallet and available balance, every position, leverage, every
funding payment (amount and rate) and both books must equal the simulator's.

    HBCONN_SOAK_SECONDS=300 HBCONN_SOAK_SEED=7 .venv/bin/pytest tests/soak/test_perpetual_soak.py -s
"""
import asyncio
import os
import random
from collections import Counter
from decimal import Decimal

import pytest
from support.perpetual import make_connector

from hummingbot_conn.common import OrderType, PositionAction, PositionMode, PositionSide
from hummingbot_conn.core.trade_fee import AddedToCostTradeFee, DeductedFromReturnsTradeFee
from hummingbot_conn.events import AccountEvent, FundingPaymentCompletedEvent, MarketEvent, OrderFilledEvent
from hummingbot_conn.sim.binance.usdm.specs import money
from hummingbot_conn.sim.futures import SimulatedFuturesExchange

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

FUNDING_MS = int(os.environ.get("HBCONN_SOAK_FUNDING_MS", "8000"))
PAIRS = {"BTC-USDT": "BTCUSDT", "ETH-USDT": "ETHUSDT"}
VENUE = FaultVenue(
    symbols=tuple(PAIRS.values()),
    endpoints=(None, "POST /fapi/v1/order", "DELETE /fapi/v1/order", "GET /fapi/v1/order", "GET /fapi/v2/account",
               "GET /fapi/v2/positionRisk", "GET /fapi/v1/userTrades", "GET /fapi/v1/income",
               "GET /fapi/v1/depth", "POST /fapi/v1/leverage", "GET /fapi/v1/premiumIndex"),
    order_endpoints=("POST /fapi/v1/order", "DELETE /fapi/v1/order", "POST /fapi/v1/leverage"),
    # under the funding interval: one jump never makes two fundings fall due at once
    max_skew_step_ms=min(3_000, FUNDING_MS // 3))
async def vary_funding_rates(sim: SimulatedFuturesExchange, seed: int, stop: asyncio.Event) -> None:
    """Now and then a new funding rate per contract, either sign (the background traders move the mark)."""
    rng = random.Random(seed)
    while not stop.is_set():
        await asyncio.sleep(rng.expovariate(0.5))
        for symbol in PAIRS.values():
            if rng.random() < 0.5:
                sim.set_funding_rate(symbol, Decimal(rng.choice((-5, -2, -1, 1, 2, 3, 5))) / 10_000)


class PerpStrategy(Strategy):
    """Seeded opens, closes, cancels and leverage changes through one connector's public API."""

    def __init__(self, connector, seed: int, min_notional: dict, rate: float = 1.2) -> None:
        super().__init__(seed, rate)
        self.connector = connector
        # the connector waives MIN_NOTIONAL locally (the venue does for reduce-only orders): a bot
        # sizes its opening orders from exchangeInfo's filter, here the simulator's own spec
        self.min_notional = min_notional
        self.actions: dict = {}                 # client order id -> the position action sent
        self.leverage_changes = 0

    def _positions(self, pair: str) -> list:
        return [p for p in self.connector.account_positions.values() if p.trading_pair == pair and p.amount]

    def _order(self, pair: str) -> None:
        c, rng = self.connector, self.rng
        try:
            best_bid, best_ask = Decimal(str(c.get_price(pair, False))), Decimal(str(c.get_price(pair, True)))
        except Exception:
            return
        if not (best_bid.is_finite() and best_ask.is_finite()) or best_bid <= 0:
            return
        rule = c.trading_rules[pair]
        positions = self._positions(pair)
        if positions and rng.random() < 0.4:
            position = rng.choice(positions)
            action = PositionAction.CLOSE
            # closing a long sells, closing a short buys (amount < 0 in one-way mode, SHORT in hedge)
            is_buy = position.position_side is PositionSide.SHORT or position.amount < 0
            amount = c.quantize_order_amount(pair, abs(position.amount) * Decimal(rng.choice((1, 1, 2, 3))) / 3)
            if amount <= 0:
                return
        else:
            action, is_buy = PositionAction.OPEN, rng.random() < 0.5
            notional = self.min_notional[pair] * Decimal(rng.randint(12, 40)) / 10
            amount = c.quantize_order_amount(pair, notional / best_bid)
            if amount * best_bid < self.min_notional[pair]:      # rounded down below the filter
                amount += rule.min_base_amount_increment
        roll = rng.random()
        if roll < 0.25:
            kind, price = OrderType.MARKET, Decimal("NaN")
        else:
            tick = rule.min_price_increment
            ticks = rng.randint(-4, 2)
            price = best_bid + tick * ticks if is_buy else best_ask - tick * ticks
            if ticks == 2:
                price = best_ask + tick if is_buy else best_bid - tick
            kind = OrderType.LIMIT_MAKER if roll < 0.4 else OrderType.LIMIT
            price = c.quantize_order_price(pair, price)
        place = c.buy if is_buy else c.sell
        cid = place(pair, amount, kind, price, position_action=action)
        self.placed.append(cid)
        self.actions[cid] = action.value

    def step(self) -> None:
        c, rng = self.connector, self.rng
        pair = rng.choice(list(PAIRS))
        roll = rng.random()
        mine = sorted(o.client_order_id for o in c.in_flight_orders.values() if not o.is_done)
        if roll < 0.03:
            self.spawn(c.cancel_all(5.0))
        elif roll < 0.07:
            self.leverage_changes += 1
            self.spawn(c.set_leverage(pair, rng.randint(2, 20)))
        elif roll < 0.30 and mine:
            cid = rng.choice(mine)
            c.cancel(c.in_flight_orders[cid].trading_pair, cid)
        else:
            self._order(pair)


def exchange_orders(sim, api_key: str, placed) -> dict:
    account = sim.account(api_key)
    fills: dict = {}
    for (account_id, symbol), rows in sim.engine.account_fills.items():
        if account_id == account.account_id:
            for f in rows:
                fills.setdefault((symbol, f.order_id), {})[str(f.trade_id)] = ExchangeFill(
                    f.price, f.qty, "USDT", f.commission)
    out: dict = dict.fromkeys(placed)
    for (symbol, order_id), order in sim.engine.orders.items():
        if order.account_id == account.account_id:
            out[order.client_order_id] = ExchangeOrder(order.status, order.executed_qty,
                                                       fills.get((symbol, order_id), {}))
    return out


def fee_class_discrepancies(events, actions: dict) -> list:
    """A fill's fee class follows its order's position action: OPEN added to cost, CLOSE deducted
    from returns (docs/binance_usdm_futures.md, the connector table's "fees" row)."""
    expected = {"OPEN": AddedToCostTradeFee, "CLOSE": DeductedFromReturnsTradeFee}
    return [f"{e.order_id}: {actions[e.order_id]} order, fill {e.exchange_trade_id} has a "
            f"{type(e.trade_fee).__name__}" for e in events
            if isinstance(e, OrderFilledEvent) and e.order_id in actions and e.trade_fee.flat_fees
            and not isinstance(e.trade_fee, expected[actions[e.order_id]])]


def account_discrepancies(sim, api_key: str, connector) -> list:
    """Wallet and available balance (as the venue prints them), every position, leverage and mode."""
    engine, account = sim.engine, sim.account(api_key)
    out = []
    ours = (connector.get_balance("USDT"), connector.get_available_balance("USDT"))
    theirs = (Decimal(money(account.wallet)), Decimal(money(engine.available(account))))
    if ours != theirs:
        out.append(f"USDT (wallet, available): ours {ours}, exchange's {theirs}")
    theirs_p = {(s, side): (p.amount, p.entry_price, Decimal(money(p.unrealized(engine.mark[s]))))
                for (s, side), p in account.positions.items() if p.amount}
    ours_p = {(PAIRS[p.trading_pair], p.position_side.name): (p.amount, p.entry_price, p.unrealized_pnl)
              for p in connector.account_positions.values()}
    for key in sorted(set(ours_p) | set(theirs_p)):
        if ours_p.get(key) != theirs_p.get(key):
            out.append(f"position {key} (amount, entry, unrealized): ours {ours_p.get(key)}, "
                       f"exchange's {theirs_p.get(key)}")
    for pair, symbol in PAIRS.items():
        if connector.get_leverage(pair) != engine.leverage(account, symbol):
            out.append(f"leverage {pair}: ours {connector.get_leverage(pair)}, "
                       f"exchange's {engine.leverage(account, symbol)}")
    if (connector.position_mode is PositionMode.HEDGE) != account.dual_side:
        out.append(f"position mode: ours {connector.position_mode}, exchange's dual side {account.dual_side}")
    return out


def funding_discrepancies(sim, api_key: str, events) -> tuple:
    """Each FUNDING_FEE of the account reported exactly once, at its time, with its amount and the
    rate of its funding time (the venue's funding rate history)."""
    account = sim.account(api_key)
    pair_of = {s: p for p, s in PAIRS.items()}
    rates = {(s, t): rate for s, rows in sim.engine.funding_history.items() for t, rate, _ in rows}
    theirs = Counter((pair_of[i.symbol], i.time / 1000, i.income, rates.get((i.symbol, i.time)))
                     for i in sim.engine.income.get(account.account_id, []) if i.income_type == "FUNDING_FEE")
    ours = Counter((e.trading_pair, e.timestamp, e.amount, e.funding_rate) for e in events
                   if isinstance(e, FundingPaymentCompletedEvent))
    out = [f"funding (pair, time, amount, rate) {key}: reported {ours[key]} times, paid {theirs[key]} times"
           for key in sorted(set(ours) | set(theirs), key=str) if ours[key] != theirs[key]]
    return out, sum(theirs.values())


async def test_perpetual_soak_ends_with_every_order_fill_position_funding_and_book_equal_to_the_exchanges():
    seed, seconds = SOAK_SEED, SOAK_SECONDS
    async with SimulatedFuturesExchange(seed=seed, traders={"rate": 5, "volatility": 0.0005},
                                        funding_interval_ms=FUNDING_MS, funding_rate="0.0003") as sim:
        accounts = [sim.create_account("20000"), sim.create_account("20000")]
        connectors = [make_connector(sim, key, secret, pairs=tuple(PAIRS)) for key, secret in accounts]
        logs = [event_log(c, list(MarketEvent) + list(AccountEvent)) for c in connectors]
        stop_rates = asyncio.Event()
        rates = asyncio.ensure_future(vary_funding_rates(sim, seed, stop_rates))
        for connector in connectors:
            await connector.start_network()
        try:
            for connector in connectors:
                await connector.wait_ready(30)
            assert await connectors[1].set_position_mode(PositionMode.HEDGE) is True
            faults = FaultDriver(sim, VENUE, seed)
            min_notional = {p: sim.engine.specs[s].min_notional for p, s in PAIRS.items()}
            strategies = [PerpStrategy(c, seed + 1 + i, min_notional) for i, c in enumerate(connectors)]
            await drive(seconds, faults, strategies)
            stop_rates.set()
            await rates
            sim.traders.pause()                     # a quiet market, a still mark price
            for symbol in PAIRS.values():
                sim.set_funding_rate(symbol, "0")   # funding still falls due, and pays nothing: a still account
            figures: dict = {}
            funding_total = [0]

            def audit() -> list:
                problems: list = []
                figures.clear()
                funding_total[0] = 0
                for (key, _), connector, log, strategy in zip(accounts, connectors, logs, strategies):
                    events = log.event_log
                    found, counts = audit_orders(strategy.placed, exchange_orders(sim, key, strategy.placed),
                                                 events, connector, positions=strategy.actions)
                    funding, paid = funding_discrepancies(sim, key, events)
                    funding_total[0] += paid
                    for name, n in counts.items():
                        figures[name] = figures.get(name, 0) + n
                    mode = connector.position_mode.name
                    found += fee_class_discrepancies(events, strategy.actions)
                    problems += [f"[{mode}] {p}" for p in found + account_discrepancies(sim, key, connector) + funding]
                figures["orders"] = sum(len(s.placed) for s in strategies)
                return problems + book_discrepancies(connectors[0], sim, PAIRS) + \
                    book_discrepancies(connectors[1], sim, PAIRS)

            discrepancies, took = await reconcile(connectors, audit)
            extra = (f"funding_payments={funding_total[0]} leverage_changes="
                     f"{sum(s.leverage_changes for s in strategies)} reconcile={took:.1f}s ")
            line = summary("perpetual", seconds, seed, figures, faults, discrepancies, extra)
            print("\n" + line)
            for problem in discrepancies[:40]:
                print("  " + problem)
            assert not faults.missing_kinds(), f"fault kinds never injected: {faults.missing_kinds()}"
            assert funding_total[0] > 0, "no funding payment fell due during the soak"
            assert not discrepancies, line + "\n" + "\n".join(discrepancies[:40])
        finally:
            stop_rates.set()
            await asyncio.gather(rates, return_exceptions=True)
            for connector in connectors:
                await connector.stop_network()
