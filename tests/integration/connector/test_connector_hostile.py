"""Hostile input to BinanceExchange, over real sockets against the simulator.

What a demanding user or an attacker would try: amounts and prices that are
NaN, infinite, negative, huge, of the wrong type or hostile objects (a Decimal
or str subclass whose methods raise or call back into the connector), a
lowered decimal precision, orders after ``stop_network()``, listeners that
raise or re-enter, garbage saved states.  Each test checks Contract 2
(docs/contracts.md): every id ``buy()`` / ``sell()`` returns gets exactly one
outcome event, a locally refused order sends no request, nothing reaches the
event loop's exception handler.
"""
import asyncio
import decimal
from decimal import Decimal

import pytest
from support import until

from hummingbot_conn.common import OrderType
from hummingbot_conn.core.in_flight_order import OrderState
from hummingbot_conn.events import MarketEvent, MarketOrderFailureEvent
from hummingbot_conn.exchanges.binance import binance_constants as CONSTANTS

PAIR = "BTC-USDT"
CANCEL_ENDPOINT = ("DELETE", "/api/v3/order")
GOOD_AMOUNT, GOOD_PRICE = Decimal("0.001"), Decimal("50000")


@pytest.fixture
async def loop_errors():
    """Every context that reaches the running loop's exception handler (must stay empty)."""
    errors = []
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    yield errors
    loop.set_exception_handler(previous)


class Trap:
    """Records calls to the methods a hostile number or string overrides; each call raises."""
    calls: list = []


class HostileDecimal(Decimal):
    def __str__(self):
        Trap.calls.append("__str__")
        raise RuntimeError("hostile __str__")

    def __repr__(self):
        Trap.calls.append("__repr__")
        raise RuntimeError("hostile __repr__")

    def __format__(self, spec):
        Trap.calls.append("__format__")
        raise RuntimeError("hostile __format__")

    def __floordiv__(self, other):
        Trap.calls.append("__floordiv__")
        return Decimal("1000000")

    def __le__(self, other):
        Trap.calls.append("__le__")
        return False

    def is_finite(self):
        Trap.calls.append("is_finite")
        return True


class HostileStr(str):
    def __str__(self):
        Trap.calls.append("str.__str__")
        raise RuntimeError("hostile __str__")

    def __hash__(self):
        Trap.calls.append("__hash__")
        raise RuntimeError("hostile __hash__")

    def strip(self, *args):
        Trap.calls.append("strip")
        return "1000000"

    def partition(self, sep):
        Trap.calls.append("partition")
        raise RuntimeError("hostile partition")


class HostileFloat(float):
    def __repr__(self):
        Trap.calls.append("float.__repr__")
        return "1000000"


BAD_NUMBERS = [
    Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-Infinity"), Decimal("-0.001"), Decimal("0"),
    Decimal("-0"), float("nan"), float("inf"), -1, 0, "abc", "", " ", "1_000", "NaN", "0x10", True, False, None,
    [1], object(), 10 ** 400, "1e400", Decimal("1e999999999"), Decimal("-1e999999999"), Decimal("1e-999999999"),
    "9" * 5000, HostileDecimal("0"), HostileDecimal("-5"), HostileDecimal("NaN"), HostileStr("abc"),
]


async def _outcomes(session, ids, timeout=5.0):
    await until(lambda: all(session.kinds(i) for i in ids), timeout)
    await asyncio.sleep(0.05)           # anything after the first event would show now
    return {i: session.kinds(i) for i in ids}


@pytest.mark.parametrize("field", ["amount", "price"])
async def test_every_bad_number_fails_locally_once_and_sends_nothing(session, harness, loop_errors, field):
    ex = session.connector
    orders = harness.RequestCounter(session.sim)
    Trap.calls = []
    ids = []
    for value in BAD_NUMBERS:
        args = {"amount": GOOD_AMOUNT, "price": GOOD_PRICE, field: value}
        ids.append(ex.buy(PAIR, args["amount"], OrderType.LIMIT, args["price"]))
        ids.append(ex.sell(PAIR, args["amount"], OrderType.LIMIT, args["price"]))
    outcomes = await _outcomes(session, ids)
    assert set(map(tuple, outcomes.values())) == {("MarketOrderFailureEvent",)}, outcomes
    assert orders.count == 0
    assert ex.in_flight_orders == {}
    assert Trap.calls == []
    assert loop_errors == []
    for event in session.events():
        assert isinstance(event, MarketOrderFailureEvent) and event.error_message


async def test_hostile_number_with_a_valid_value_is_read_without_calling_it(session, harness, loop_errors):
    """A Decimal / float / str subclass is read as its base value: none of its methods run,
    and the order carries plain Decimals."""
    ex = session.connector
    Trap.calls = []
    ids = [ex.buy(PAIR, HostileDecimal("0.001"), OrderType.LIMIT, HostileDecimal("50000")),
           ex.buy(PAIR, HostileFloat(0.001), OrderType.LIMIT, HostileFloat(50000.0)),
           ex.buy(PAIR, HostileStr(" 0.001 "), OrderType.LIMIT, HostileStr("50000"))]
    for order_id in ids:
        order = ex.in_flight_orders[order_id]
        assert type(order.amount) is Decimal and type(order.price) is Decimal
        assert (order.amount, order.price) == (GOOD_AMOUNT, GOOD_PRICE)
    outcomes = await _outcomes(session, ids)
    assert set(map(tuple, outcomes.values())) == {("BuyOrderCreatedEvent",)}
    assert Trap.calls == []
    assert loop_errors == []


async def test_hostile_trading_pair_and_order_id(session, harness, loop_errors):
    ex = session.connector
    orders = harness.RequestCounter(session.sim)
    cancels = harness.RequestCounter(session.sim, CANCEL_ENDPOINT)
    Trap.calls = []
    for pair in (None, 5, b"BTC-USDT", ("BTC", "USDT")):
        with pytest.raises(TypeError, match="trading_pair"):
            ex.buy(pair, GOOD_AMOUNT, OrderType.LIMIT, GOOD_PRICE)
        with pytest.raises(TypeError, match="trading_pair"):
            ex.cancel(pair, "x")
    with pytest.raises(TypeError, match="client_order_id"):
        ex.cancel(PAIR, None)
    # a str subclass is used as its plain value: the order goes through, none of its methods run
    order_id = ex.buy(HostileStr(PAIR), GOOD_AMOUNT, OrderType.LIMIT, GOOD_PRICE)
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent"])
    assert ex.cancel(PAIR, HostileStr(order_id)) == order_id
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderCancelledEvent"])
    ids = [ex.buy(p, GOOD_AMOUNT, OrderType.LIMIT, GOOD_PRICE) for p in ("NOPE-USDT", "", "BTCUSDT", "-")]
    outcomes = await _outcomes(session, ids)
    assert set(map(tuple, outcomes.values())) == {("MarketOrderFailureEvent",)}
    assert (orders.count, cancels.count) == (1, 1)
    assert Trap.calls == []
    assert loop_errors == []


async def test_bad_order_types_fail_locally(session, harness, loop_errors):
    ex = session.connector
    orders = harness.RequestCounter(session.sim)
    ids = [ex.buy(PAIR, GOOD_AMOUNT, order_type, GOOD_PRICE)
           for order_type in ("LIMIT", 1, None, OrderType.LIMIT.value, HostileDecimal(2))]
    ids.append(ex.sell(PAIR, GOOD_AMOUNT, OrderType.MARKET))        # the book is empty
    outcomes = await _outcomes(session, ids)
    assert set(map(tuple, outcomes.values())) == {("MarketOrderFailureEvent",)}
    assert orders.count == 0
    assert loop_errors == []


async def test_caller_decimal_precision_does_not_change_the_checks(session, harness, loop_errors):
    """A strategy that lowered the decimal precision still gets exact checks and orders."""
    ex = session.connector
    with decimal.localcontext(decimal.Context(prec=3, rounding=decimal.ROUND_UP)):
        order_id = ex.buy(PAIR, Decimal("0.00123"), OrderType.LIMIT, Decimal("50000.01"))
        too_small = ex.buy(PAIR, Decimal("0.0001"), OrderType.LIMIT, Decimal("49999.99"))  # notional 4.999999 < 5
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent"])
    await session.wait_kinds(too_small, ["MarketOrderFailureEvent"])
    created = session.events(order_id)[0]
    assert (created.amount, created.price) == (Decimal("0.00123"), Decimal("50000.01"))
    assert loop_errors == []


async def test_quantize_refuses_what_is_not_a_number(session):
    ex = session.connector
    for bad in ("1", None, [1], True):
        with pytest.raises(TypeError):
            ex.quantize_order_price(PAIR, bad)
        with pytest.raises(TypeError):
            ex.quantize_order_amount(PAIR, bad)
    for huge in (Decimal("1e400"), 10 ** 40):
        with pytest.raises(ValueError):
            ex.quantize_order_price(PAIR, huge)
    assert type(ex.quantize_order_price(PAIR, HostileDecimal("50000.019"))) is Decimal
    assert ex.quantize_order_price(PAIR, HostileDecimal("50000.019")) == Decimal("50000.01")
    with decimal.localcontext(decimal.Context(prec=2)):
        assert ex.quantize_order_amount(PAIR, Decimal("123.456789")) == Decimal("123.45678")
    with pytest.raises(KeyError):
        ex.quantize_order_price("NOPE-USDT", Decimal(1))


async def test_nothing_is_sent_after_stop_network(session, harness, loop_errors):
    ex = session.connector
    resting = ex.buy(PAIR, GOOD_AMOUNT, OrderType.LIMIT, GOOD_PRICE)
    await session.wait_kinds(resting, ["BuyOrderCreatedEvent"])
    await ex.stop_network()
    orders = harness.RequestCounter(session.sim)
    cancels = harness.RequestCounter(session.sim, CANCEL_ENDPOINT)
    late = ex.buy(PAIR, GOOD_AMOUNT, OrderType.LIMIT, GOOD_PRICE)
    assert ex.cancel(PAIR, resting) == resting
    results = await ex.cancel_all(1.0)
    assert [(r.order_id, r.success) for r in results] == [(resting, False)]
    await session.wait_kinds(late, ["MarketOrderFailureEvent"])
    await asyncio.sleep(0.2)
    assert (orders.count, cancels.count) == (0, 0)
    assert ex.in_flight_orders[resting].current_state is OrderState.OPEN   # still tracked, not dropped
    assert ex._order_placer._tasks == set()
    assert loop_errors == []


async def test_listeners_that_raise_or_reenter(session, harness, loop_errors):
    """A listener that raises does not stop the others nor the connector; one that
    places and cancels orders from inside an event gets normal outcomes."""
    ex = session.connector
    placed, refused = [], []

    def raising(event):
        raise RuntimeError("listener failure")

    def reentrant(event):
        if len(placed) < 3:
            placed.append(ex.buy(PAIR, GOOD_AMOUNT, OrderType.LIMIT, GOOD_PRICE))
            ex.cancel(PAIR, event.order_id)

    def on_failure(event):
        if len(refused) < 3:
            refused.append(ex.sell(PAIR, Decimal("NaN"), OrderType.LIMIT, GOOD_PRICE))

    ex.add_listener(MarketEvent.BuyOrderCreated, raising)
    ex.add_listener(MarketEvent.BuyOrderCreated, reentrant)
    ex.add_listener(MarketEvent.OrderFailure, raising)
    ex.add_listener(MarketEvent.OrderFailure, on_failure)
    first = ex.buy(PAIR, GOOD_AMOUNT, OrderType.LIMIT, GOOD_PRICE)
    failing = ex.sell(PAIR, Decimal("-1"), OrderType.LIMIT, GOOD_PRICE)
    await until(lambda: len(placed) == 3 and all(
        session.kinds(i) == ["BuyOrderCreatedEvent", "OrderCancelledEvent"] for i in [first] + placed[:2]))
    await session.wait_kinds(placed[2], ["BuyOrderCreatedEvent"])
    await until(lambda: len(refused) == 3 and all(session.kinds(i) for i in refused))
    for order_id in [failing] + refused:
        assert session.kinds(order_id) == ["MarketOrderFailureEvent"]
    assert list(ex.in_flight_orders) == [placed[2]]
    assert loop_errors == []


async def test_cancel_of_unknown_twice_and_while_pending_create(session, harness, loop_errors):
    ex = session.connector
    cancels = harness.RequestCounter(session.sim, CANCEL_ENDPOINT)
    assert ex.cancel(PAIR, "unknown-id") == "unknown-id"
    order_id = ex.buy(PAIR, GOOD_AMOUNT, OrderType.LIMIT, GOOD_PRICE)
    assert ex.in_flight_orders[order_id].current_state is OrderState.PENDING_CREATE
    ex.cancel(PAIR, order_id)               # waits for the placement answer, then cancels
    ex.cancel(PAIR, order_id)
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderCancelledEvent"])
    ex.cancel(PAIR, order_id)               # a finished order: nothing to send
    await asyncio.sleep(0.3)
    assert session.kinds(order_id) == ["BuyOrderCreatedEvent", "OrderCancelledEvent"]
    assert cancels.count <= 2
    assert session.sim.engine.open_orders(session.sim.account(session.api_key)) == []
    assert loop_errors == []


async def test_restore_tracking_states_with_garbage(session, loop_errors):
    ex = session.connector
    for bad in (None, 5, "x", [1, 2], b"{}"):
        with pytest.raises(TypeError, match="mapping"):
            ex.restore_tracking_states(bad)
    ex.restore_tracking_states({"a": 5, "b": {"client_order_id": 1}, 1: None, "c": {}, "d": "{}"})
    assert ex.in_flight_orders == {}
    assert loop_errors == []


async def test_balances_of_unknown_or_hostile_assets(session):
    ex = session.connector
    for asset in ("NOPE", "", "usdt"):
        assert ex.get_balance(asset) == Decimal(0) and ex.get_available_balance(asset) == Decimal(0)


async def test_caller_decimal_context_does_not_reach_fills_or_totals(sim, harness, loop_errors):
    """A low precision set by the caller of start_network() and buy() does not round
    fills, totals or balances (the connector's tasks use the standard decimal context)."""
    key, secret = sim.create_account({"USDT": "100000", "BTC": "2"})
    ex = harness.make_connector(sim, key, secret)
    session = harness.Session(sim, ex, key)
    cp = harness.Counterparty(sim)
    cp.limit("SELL", "0.001", "60000")
    cp.limit("SELL", "0.002", "60001.23")
    try:
        low = decimal.Context(prec=3, rounding=decimal.ROUND_UP)
        with decimal.localcontext(low):
            await ex.start_network()
            await ex.wait_ready(10)
            await harness.until(lambda: ex.get_price(PAIR, True) == Decimal("60000"))
            market = ex.buy(PAIR, Decimal("0.003"), OrderType.MARKET)
            resting = ex.buy(PAIR, Decimal("0.00123"), OrderType.LIMIT, Decimal("50000.01"))
            await session.wait_kinds(market, ["BuyOrderCreatedEvent", "OrderFilledEvent", "OrderFilledEvent",
                                              "BuyOrderCompletedEvent"])
            await session.wait_kinds(resting, ["BuyOrderCreatedEvent"])
        cp.limit("SELL", "0.00123", "50000.01")     # (the simulator's engine runs here, outside the low context)
        with decimal.localcontext(low):
            await session.wait_kinds(resting, ["BuyOrderCreatedEvent", "OrderFilledEvent",
                                               "BuyOrderCompletedEvent"])
        assert session.events(market)[-1].quote_asset_amount == Decimal("180.00246")
        assert session.events(resting)[-1].quote_asset_amount == Decimal("61.5000123")
        await harness.until(lambda: session.our_balances() == session.sim_balances())
        assert ex.get_balance("USDT") == Decimal("100000") - Decimal("180.00246") - Decimal("61.5000123")
    finally:
        await ex.stop_network()
    assert loop_errors == []


async def test_order_held_back_by_the_rate_limiter_fails_at_once(session, harness, loop_errors):
    """An order that waited its whole timeout for rate-limit capacity was never sent:
    it fails at once with that reason, and the exchange is not asked about it (a
    throttler timeout was taken for an unknown outcome: the order was then queried
    four times while the limit was exhausted and failed as "not found")."""
    ex = session.connector
    async with asyncio.timeout(5):
        for _ in range(100):                        # the ORDERS pool (100 per 10 s) is used up
            async with ex.throttler.execute_task(CONSTANTS.ORDER_PATH_URL):
                pass
    ex._web_assistants_factory._timeout = 0.5
    orders = harness.RequestCounter(session.sim)
    status = harness.RequestCounter(session.sim, ("GET", "/api/v3/order"))
    held = ex.buy(PAIR, GOOD_AMOUNT, OrderType.LIMIT, GOOD_PRICE)
    await session.wait_kinds(held, ["MarketOrderFailureEvent"], timeout=3)
    assert session.events(held)[0].error_type == "ThrottleTimeoutError"
    await asyncio.sleep(0.3)
    assert (orders.count, status.count) == (0, 0)
    assert ex.in_flight_orders == {}
    assert loop_errors == []


async def test_status_queries_and_cancels_leave_the_order_count_pool_alone(session, harness, loop_errors):
    """Only a placement counts towards Binance's unfilled order count (docs/binance_spot.md
    section 3).  Status queries and cancels shared the placement's limit id, so polling
    100 open orders stalled the next placement for up to 10 s."""
    ex = session.connector
    resting = ex.buy(PAIR, GOOD_AMOUNT, OrderType.LIMIT, GOOD_PRICE)
    await session.wait_kinds(resting, ["BuyOrderCreatedEvent"])
    order = ex.in_flight_orders[resting]
    used = ex.throttler.used_weight(CONSTANTS.ORDERS)
    async with asyncio.timeout(5):
        for _ in range(10):
            await asyncio.gather(*(ex._request_order_status(order) for _ in range(10)))
    assert ex.throttler.used_weight(CONSTANTS.ORDERS) == used
    ex._web_assistants_factory._timeout = 2.0
    placed = ex.buy(PAIR, GOOD_AMOUNT, OrderType.LIMIT, GOOD_PRICE)
    await session.wait_kinds(placed, ["BuyOrderCreatedEvent"], timeout=3)
    ex.cancel(PAIR, resting)
    await session.wait_kinds(resting, ["BuyOrderCreatedEvent", "OrderCancelledEvent"], timeout=3)
    assert ex.throttler.used_weight(CONSTANTS.ORDERS) == used + 1       # the one placement
    assert loop_errors == []


def _corrupt_order_answers(sim, corrupt):
    """The simulator takes each order, then answers 200 with ``corrupt(answer)``."""
    key = ("POST", "/api/v3/order")
    handler, weight, security = sim.rest.endpoints[key]
    sim.rest.endpoints[key] = (lambda *args: corrupt(handler(*args)), weight, security)


@pytest.mark.parametrize("corrupt", [
    lambda a: {k: v for k, v in a.items() if k != "transactTime"},
    lambda a: {**a, "transactTime": "soon"},
    lambda a: {k: v for k, v in a.items() if k != "orderId"},
    lambda a: {**a, "orderId": None, "transactTime": None},
    lambda a: [a],
    lambda a: {},
], ids=["no-time", "bad-time", "no-id", "null-id", "list", "empty"])
async def test_accepted_order_with_an_unreadable_answer_is_resolved_not_failed(session, harness, loop_errors,
                                                                              corrupt):
    """A 200 answer to an order POST means the exchange took the order; if its body
    cannot be read the outcome is unknown, resolved by client id (the web layer's rule,
    tests/integration/web/test_web_hostile_answers.py), never a failure that drops a live order."""
    ex = session.connector
    orders = harness.RequestCounter(session.sim)
    _corrupt_order_answers(session.sim, corrupt)
    order_id = ex.buy(PAIR, GOOD_AMOUNT, OrderType.LIMIT, GOOD_PRICE)
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent"], timeout=5)
    assert ex.in_flight_orders[order_id].current_state is OrderState.OPEN
    assert ex.in_flight_orders[order_id].exchange_order_id is not None
    assert orders.count == 1
    assert len(session.sim.engine.open_orders(session.sim.account(session.api_key))) == 1
    assert loop_errors == []


async def test_tick_refuses_what_is_not_a_finite_time(session, loop_errors):
    ex = session.connector
    ex.tick(1000.0)
    for bad, error in ((float("nan"), ValueError), (float("inf"), ValueError), ("1", TypeError),
                       (None, TypeError), (True, TypeError), (Decimal("NaN"), TypeError)):
        with pytest.raises(error):
            ex.tick(bad)
    assert ex._last_tick_timestamp == 1000.0
    ex.tick(2000)
    assert ex._last_tick_timestamp == 2000.0
    assert loop_errors == []
