"""Random interleavings of orders, counterparty trades, cancels, stream drops and REST faults
against the simulator never break the connector's contract (docs/contracts.md, Contracts 2 and 4):

* per order: at most one Created, and first; each trade id reported once; exactly one terminal
  event once the exchange has finished with the order (none while it is open), matching the
  exchange's final status; the reported fills add up to what the exchange executed, and a
  Completed event carries exactly those amounts;
* balances end equal to the simulator's;
* after everything settled, a further full REST poll reports nothing new.

Actions: our LIMIT and MARKET orders, the counterparty's limit and market orders, cancels and
``cancel_all``, faults (socket drops, lost / delayed / refused REST answers), pauses, and a stop
and start of the connector (requests in flight are cut off).

Each example runs a fresh simulator and ``BinanceExchange`` over real sockets, so examples are
expensive: CI runs a few (``HBCONN_CONNECTOR_EXAMPLES``, default 6); set it higher to search
harder locally.
"""
import asyncio
import contextlib
import logging
import os
from decimal import Decimal

from hypothesis import HealthCheck, given, settings, strategies as st
from support import until
from support.spot import Counterparty, make_connector

from hummingbot_conn.common import OrderType
from hummingbot_conn.event_logger import EventLogger
from hummingbot_conn.events import MarketEvent
from hummingbot_conn.sim import SimulatedExchange

PAIR, SYMBOL = "BTC-USDT", "BTCUSDT"
EXAMPLES = int(os.environ.get("HBCONN_CONNECTOR_EXAMPLES", "6"))

TERMINAL = {"BuyOrderCompletedEvent": "FILLED", "SellOrderCompletedEvent": "FILLED",
            "OrderCancelledEvent": "CANCELED", "OrderExpiredEvent": "EXPIRED",
            "MarketOrderFailureEvent": None}
CREATED = ("BuyOrderCreatedEvent", "SellOrderCreatedEvent")
FAULTS = [
    dict(kind="close_user_sockets"),
    dict(kind="close_market_sockets"),
    dict(kind="lose_response", endpoint="POST /api/v3/order"),
    dict(kind="lose_response", endpoint="DELETE /api/v3/order"),
    dict(kind="http_error", endpoint="POST /api/v3/order", status=503),
    dict(kind="http_error", endpoint="DELETE /api/v3/order", status=503),
    dict(kind="http_error", endpoint="GET /api/v3/order", status=503),
    dict(kind="http_429", endpoint="DELETE /api/v3/order"),
    dict(kind="delay_response", endpoint="POST /api/v3/order", delay=0.2),
    dict(kind="delay_response", endpoint="DELETE /api/v3/order", delay=0.2),
    dict(kind="http_429", endpoint="POST /api/v3/order"),
    dict(kind="http_error", endpoint="GET /api/v3/myTrades", status=503),
    dict(kind="lose_response", endpoint="GET /api/v3/order"),
    # the exchange's clock jumps ahead (a backwards jump is a simulator artefact: see test_connector_faults)
    dict(kind="skew_clock", ms=15_000),
]
QTY = st.sampled_from(["0.001", "0.002", "0.003"])
ORDER = st.one_of(
    st.tuples(st.just("buy"), st.sampled_from(["54000", "54500", "55000"]), QTY),
    st.tuples(st.just("sell"), st.sampled_from(["56000", "56500", "57000"]), QTY),
    st.tuples(st.just("market"), st.booleans(), QTY))
COUNTERPARTY = st.one_of(
    st.tuples(st.just("cp_sell"), st.sampled_from(["54500", "55000", "56000"]), QTY),
    st.tuples(st.just("cp_buy"), st.sampled_from(["55000", "56000", "56500"]), QTY),
    st.tuples(st.just("cp_market"), st.booleans(), st.sampled_from(["0.002", "0.005"])))
# orders, counterparty trades and cancels weigh more than faults and pauses
actions = st.one_of(ORDER, ORDER, COUNTERPARTY, COUNTERPARTY,
                    st.tuples(st.just("cancel"), st.integers(0, 7)), st.tuples(st.just("cancel"), st.integers(0, 7)),
                    st.tuples(st.just("cancel_all")), st.tuples(st.just("restart")),
                    st.tuples(st.just("fault"), st.sampled_from(range(len(FAULTS)))),
                    st.tuples(st.just("pause"), st.sampled_from([0.0, 0.02, 0.1])))


@contextlib.contextmanager
def quiet():
    # faults make the connector log warnings by design; thousands of lines would dominate the run
    root = logging.getLogger("hummingbot_conn")
    level = root.level
    root.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        root.setLevel(level)


class Scenario:
    def __init__(self, sim, connector, key):
        self.sim, self.connector, self.key = sim, connector, key
        self.log = EventLogger().subscribe(connector, list(MarketEvent))
        self.orders = []
        self.background = []
        self.counterparty = Counterparty(sim, SYMBOL)

    def kinds(self, order_id):
        return [type(e).__name__ for e in self.log.event_log if getattr(e, "order_id", None) == order_id]

    def sim_order(self, order_id):
        return self.sim.engine.find_order(self.sim.account(self.key), SYMBOL, None, order_id)

    def apply(self, action):
        kind, *args = action
        ex = self.connector
        if kind in ("buy", "sell"):
            price, qty = args
            place = ex.buy if kind == "buy" else ex.sell
            self.orders.append(place(PAIR, Decimal(qty), OrderType.LIMIT, Decimal(price)))
        elif kind == "market":
            is_buy, qty = args
            place = ex.buy if is_buy else ex.sell
            self.orders.append(place(PAIR, Decimal(qty), OrderType.MARKET))
        elif kind in ("cp_sell", "cp_buy"):
            price, qty = args
            self.counterparty.limit("SELL" if kind == "cp_sell" else "BUY", qty, price)
        elif kind == "cp_market":
            is_buy, qty = args
            self.counterparty.market("BUY" if is_buy else "SELL", qty)
        elif kind == "cancel_all":
            self.background.append(asyncio.ensure_future(ex.cancel_all(5)))
        elif kind == "cancel":
            if self.orders:
                ex.cancel(PAIR, self.orders[args[0] % len(self.orders)])
        elif kind == "fault":
            self.sim.faults.add(**FAULTS[args[0]])

    def quiet(self):
        """No request of ours in flight: placements, cancels (a cancel waits for its order's placement
        answer, which a delayed answer holds back) and outcome resolutions."""
        placer = self.connector._order_placer
        return not placer.placing and not self.connector._status_poller.resolving() \
            and all(task.done() for task in placer._tasks)

    def settled(self, order_id):
        kinds = self.kinds(order_id)
        terminal = [k for k in kinds if k in TERMINAL]
        order = self.sim_order(order_id)
        tracked = self.connector.in_flight_orders.get(order_id)
        if order is None:
            return bool(terminal)
        if order.is_open:
            return not terminal and tracked is not None and tracked.exchange_order_id is not None \
                and tracked.executed_amount_base == order.executed_qty
        return bool(terminal) and self.filled(order_id) == order.executed_qty

    def filled(self, order_id):
        return sum((e.amount for e in self.log.event_log
                    if type(e).__name__ == "OrderFilledEvent" and e.order_id == order_id), Decimal(0))

    def balances_match(self):
        account = self.sim.account(self.key)
        theirs = {a: (b.free + b.locked, b.free) for a, b in account.balances.items()}
        c = self.connector
        ours = {a: (c.get_balance(a), c.get_available_balance(a)) for a in c.get_all_balances()}
        return ours == theirs

    def check(self):
        events = self.log.event_log
        for order_id in self.orders:
            kinds = self.kinds(order_id)
            mine = [e for e in events if getattr(e, "order_id", None) == order_id]
            assert sum(k in CREATED for k in kinds) <= 1, kinds
            if any(k in CREATED for k in kinds):
                assert kinds[0] in CREATED, kinds
            fills = [e for e in mine if type(e).__name__ == "OrderFilledEvent"]
            assert len({f.exchange_trade_id for f in fills}) == len(fills), kinds
            terminal = [k for k in kinds if k in TERMINAL]
            order = self.sim_order(order_id)
            if order is not None and order.is_open:
                assert terminal == [], (kinds, order.status)
            else:
                assert len(terminal) == 1, (kinds, order and order.status)
                expected = TERMINAL[terminal[0]]
                if expected is not None:
                    assert order is not None and order.status == expected, (kinds, order and order.status)
                else:
                    assert order is None or order.status in ("REJECTED", "EXPIRED"), (kinds, order.status)
            executed = order.executed_qty if order is not None else Decimal(0)
            assert self.filled(order_id) == executed, (kinds, executed)
            if terminal and terminal[0].endswith("CompletedEvent"):
                completed = next(e for e in mine if type(e).__name__ == terminal[0])
                assert kinds[-1] == terminal[0], kinds
                assert completed.base_asset_amount == executed
                assert completed.quote_asset_amount == sum((f.amount * f.price for f in fills), Decimal(0))
        assert self.balances_match()


async def run(actions_):
    async with SimulatedExchange(seed=11) as sim:
        key, secret = sim.create_account({"USDT": "100000", "BTC": "2"})
        connector = make_connector(sim, key, secret, pairs=[PAIR])
        scenario = Scenario(sim, connector, key)
        # deep liquidity away from the grid, so market orders have something to take
        for side, price in (("SELL", "58000"), ("BUY", "53000")):
            scenario.counterparty.limit(side, "1", price)
        await connector.start_network()
        try:
            await connector.wait_ready(10)
            for action in actions_:
                if action[0] == "restart":          # stop and start the same connector (requests in flight cut)
                    await connector.stop_network()
                    await connector.start_network()
                    await connector.wait_ready(10)
                    continue
                scenario.apply(action)
                await asyncio.sleep(action[1] if action[0] == "pause" else 0)
            await asyncio.sleep(0.05)
            sim.faults.clear()
            await asyncio.gather(*scenario.background)
            await until(lambda: scenario.quiet() and all(scenario.settled(o) for o in scenario.orders),
                        timeout=30, interval=0.02)
            await connector._status_poller.poll_once()
            await until(scenario.balances_match, timeout=30, interval=0.02)
            before = len(scenario.log.event_log)
            await connector._status_poller.poll_once()
            await asyncio.sleep(0.1)
            assert len(scenario.log.event_log) == before, scenario.log.event_log[before:]
            scenario.check()
        finally:
            await connector.stop_network()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(st.lists(actions, min_size=4, max_size=20))
def test_random_interleavings_keep_the_event_contract_and_the_balances(actions_):
    with quiet():
        asyncio.run(run(actions_))
