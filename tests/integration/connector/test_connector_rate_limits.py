"""Rate limits end to end: BinanceExchange against the simulator over real sockets.

The simulator counts request weight per calendar window like Binance (docs/binance_spot.md
section 1.4); its window is scaled down from a minute to a few seconds, and the connector's
own REQUEST_WEIGHT declaration is scaled to match (same model, smaller numbers), so each
scenario takes a few windows.  Checked:

* after a 429 late in a window (another client on the IP used the weight), a cancel asked
  while the strategy keeps polling and placing reaches the venue in the first moments of the
  next window, not one whole interval after the 429;
* when the strategy wants more weight than a window holds, a cancel goes before the polls
  and placements queued ahead of it;
* a 429 for too many orders holds placements only: a cancel goes at once;
* a cancel refused by a 429 is sent again when the venue allows it; one that cannot be sent
  before its deadline leaves the order tracked as open and says so.
"""
import asyncio
import copy
import logging
import time
from decimal import Decimal

import aiohttp

from hummingbot_conn.common import OrderType
from hummingbot_conn.exchanges.binance import binance_constants as CONSTANTS
from hummingbot_conn.sim import SimulatedExchange

PAIR, SYMBOL = "BTC-USDT", "BTCUSDT"
CREATED, CANCELLED = "BuyOrderCreatedEvent", "OrderCancelledEvent"
CANCEL_ENDPOINT = ("DELETE", "/api/v3/order")
LIMIT = 1200                     # weight per scaled window, on the simulator and in the connector


def scale_request_weight(connector, limit: int, seconds: float) -> None:
    """The connector's own REQUEST_WEIGHT declaration, its numbers scaled to the simulator's."""
    limits = []
    for rate_limit in connector.throttler.rate_limits:
        if rate_limit.limit_id == CONSTANTS.REQUEST_WEIGHT:
            rate_limit = copy.copy(rate_limit)
            rate_limit.limit, rate_limit.time_interval = limit, float(seconds)
        limits.append(rate_limit)
    connector.throttler.set_rate_limits(limits)


class Handled:
    """Server times (ms) at which the simulator's handler ran for one endpoint (requests it accepted)."""

    def __init__(self, sim: SimulatedExchange, endpoint) -> None:
        self.times = []
        handler, weight, security = sim.rest.endpoints[endpoint]

        def recording(*args):
            self.times.append(sim.clock.now_ms())
            return handler(*args)
        sim.rest.endpoints[endpoint] = (recording, weight, security)


class Strategy:
    """Keeps polling and quoting: ``pollers`` loops each sending one weighted GET after the other
    (``pause`` s apart), and a loop placing a far-away buy every ``place_every`` s."""

    def __init__(self, connector, *, pollers: int, pause: float, poll_path: str, poll_params: dict,
                 poll_limit_id: str, is_auth_required: bool, place_every: float) -> None:
        self.connector = connector
        self.errors = 0
        self._request = dict(path_url=poll_path, params=poll_params, limit_id=poll_limit_id,
                             is_auth_required=is_auth_required)
        self._tasks = [asyncio.ensure_future(self._poll(pause)) for _ in range(pollers)]
        self._tasks.append(asyncio.ensure_future(self._place(place_every)))

    async def _poll(self, pause: float) -> None:
        while True:
            try:
                await self.connector._api_get(**self._request)
            except asyncio.CancelledError:
                raise
            except Exception:
                self.errors += 1
            await asyncio.sleep(pause)

    async def _place(self, every: float) -> None:
        price = 40000
        while True:
            price += 1
            self.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal(price))
            await asyncio.sleep(every)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def wait_for_window_offset(sim: SimulatedExchange, window_ms: int, low: float, high: float) -> int:
    """Wait until the simulator's clock is between ``low`` and ``high`` (fractions) into a weight window;
    returns that window's index."""
    while True:
        now = sim.clock.now_ms()
        if low <= (now % window_ms) / window_ms < high:
            return now // window_ms
        await asyncio.sleep(0.005)


async def exhaust_weight(sim: SimulatedExchange, after_429: int) -> None:
    """Another client on the same IP uses the window's weight up (depth of 5000 weighs 250), and
    sends ``after_429`` more after its first 429 (refused requests count too: the IP's figure
    ends far above the limit)."""
    async with aiohttp.ClientSession() as client:
        refused = 0
        for _ in range(40 + after_429):
            async with client.get(f"{sim.rest_url}/api/v3/depth", params={"symbol": SYMBOL, "limit": "5000"}) as r:
                await r.read()
                refused += r.status == 429
                if refused > after_429:
                    return
    raise AssertionError("the simulator never answered 429")


async def start(harness, sim: SimulatedExchange, window_s=None):
    key, secret = sim.create_account({"USDT": "1000000", "BTC": "2"})
    connector = harness.make_connector(sim, key, secret)
    if window_s is not None:
        scale_request_weight(connector, LIMIT, window_s)
    session = harness.Session(sim, connector, key)
    await connector.start_network()
    return session


async def place_resting_buy(session, price="50000") -> str:
    order_id = session.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal(price))
    await session.wait_kinds(order_id, [CREATED])
    return order_id


def sim_order(session, client_id):
    return session.sim.engine.find_order(session.sim.account(session.api_key), SYMBOL, None, client_id)


async def test_after_a_429_late_in_a_window_a_cancel_reaches_the_venue_as_soon_as_the_window_resets(harness):
    """The issue's scenario, scaled from a minute to 6 s: a 429 with Retry-After of ~2 s at 0.7 of
    the window; the cancel asked right after must reach the venue early in the next window
    (before: the 429's used-weight figure was held for a whole sliding interval, 6 s)."""
    window_s = 6
    window_ms = window_s * 1000
    async with SimulatedExchange(seed=5, weight_limit=LIMIT, weight_window_ms=window_ms, ban_after=10_000) as sim:
        session = await start(harness, sim, window_s)
        connector = session.connector
        strategy = None
        try:
            await connector.wait_ready(10)
            order_id = await place_resting_buy(session)
            cancels = Handled(sim, CANCEL_ENDPOINT)
            # about 480 weight per window: well inside the limit until the other client comes
            strategy = Strategy(connector, pollers=1, pause=0.25, poll_path=CONSTANTS.ACCOUNTS_PATH_URL,
                                poll_params={}, poll_limit_id=CONSTANTS.ACCOUNTS_PATH_URL, is_auth_required=True,
                                place_every=0.5)
            window = await wait_for_window_offset(sim, window_ms, 0.7, 0.75)
            await exhaust_weight(sim, after_429=8)
            # the strategy's next request gets the 429 (Retry-After, used weight above the limit)
            await harness.until(lambda: connector.throttler.paused_until(CONSTANTS.REQUEST_WEIGHT)
                                > time.monotonic(), 5)
            assert sim.clock.now_ms() // window_ms == window
            connector.cancel(PAIR, order_id)
            await session.wait_kinds(order_id, [CREATED, CANCELLED], timeout=4 * window_s)
            [cancelled_at] = cancels.times
            boundary = (window + 1) * window_ms
            # the venue allowed it from the boundary on (Retry-After rounds up to whole seconds)
            assert boundary <= cancelled_at < boundary + window_ms / 2, (cancelled_at - boundary)
            assert sim_order(session, order_id).status == "CANCELED"
        finally:
            if strategy is not None:
                await strategy.stop()
            await connector.stop_network()


async def test_when_weight_is_scarce_a_cancel_goes_before_the_polls_and_placements_queued_ahead(harness):
    """The strategy wants more weight than a window holds (60 pollers of weight 50 against 1200
    per window): the queue is always longer than a window.  A cancel asked then reaches the
    venue in the next window, not after the whole queue ahead of it (FIFO: two windows on)."""
    window_s = 4
    window_ms = window_s * 1000
    async with SimulatedExchange(seed=5, weight_limit=LIMIT, weight_window_ms=window_ms, ban_after=10_000) as sim:
        session = await start(harness, sim, window_s)
        connector = session.connector
        strategy = None
        try:
            await connector.wait_ready(10)
            order_id = await place_resting_buy(session)
            cancels = Handled(sim, CANCEL_ENDPOINT)
            strategy = Strategy(connector, pollers=60, pause=0.0, poll_path=CONSTANTS.SNAPSHOT_PATH_URL,
                                poll_params={"symbol": SYMBOL, "limit": 1000},
                                poll_limit_id=CONSTANTS.snapshot_limit_id(1000), is_auth_required=False,
                                place_every=0.3)
            # more than a window's worth (24 x 50 = 1200) waits ahead of anything new
            await harness.until(lambda: connector.throttler.waiting(CONSTANTS.REQUEST_WEIGHT) >= 30, 3 * window_s)
            asked_in = sim.clock.now_ms() // window_ms
            connector.cancel(PAIR, order_id)
            await session.wait_kinds(order_id, [CREATED, CANCELLED], timeout=4 * window_s)
            [cancelled_at] = cancels.times
            assert cancelled_at // window_ms <= asked_in + 1, (cancelled_at // window_ms - asked_in)
            assert sim_order(session, order_id).status == "CANCELED"
        finally:
            if strategy is not None:
                await strategy.stop()
            await connector.stop_network()


async def test_a_too_many_orders_429_never_holds_a_cancel_back(harness):
    """The account's order count (10 s calendar windows) is used up and a placement gets 429 -1015
    with a Retry-After of several seconds: placements wait for it, a cancel goes at once."""
    async with SimulatedExchange(seed=5, orders_per_10s=2, ban_after=10_000) as sim:
        session = await start(harness, sim)
        connector = session.connector
        try:
            await connector.wait_ready(10)
            cancels = Handled(sim, CANCEL_ENDPOINT)
            window = await wait_for_window_offset(sim, 10_000, 0.0, 0.2)
            first = await place_resting_buy(session, "50000")
            await place_resting_buy(session, "50001")
            refused = connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("50002"))
            await session.wait_kinds(refused, ["MarketOrderFailureEvent"])
            assert connector.throttler.paused_until(CONSTANTS.ORDERS) > time.monotonic() + 5
            connector.cancel(PAIR, first)
            await session.wait_kinds(first, [CREATED, CANCELLED])
            [cancelled_at] = cancels.times
            assert cancelled_at // 10_000 == window       # before the venue's order count even reset
        finally:
            await connector.stop_network()


async def test_a_cancel_refused_by_a_429_is_sent_again_when_the_venue_allows_it(session, harness):
    connector, sim = session.connector, session.sim
    order_id = await place_resting_buy(session)
    cancels = Handled(sim, CANCEL_ENDPOINT)
    sim.faults.add("http_429", endpoint="DELETE /api/v3/order", count=1)      # Retry-After: 1
    assert await connector._execute_cancel(PAIR, order_id) is True
    await session.wait_kinds(order_id, [CREATED, CANCELLED])
    assert len(cancels.times) == 1             # the refused one never reached the matching engine
    assert sim_order(session, order_id).status == "CANCELED"


async def test_a_cancel_that_cannot_be_sent_before_its_deadline_leaves_the_order_open_and_says_so(
        session, harness, caplog):
    connector, sim = session.connector, session.sim
    order_id = await place_resting_buy(session)
    sim.faults.add("http_429", endpoint="DELETE /api/v3/order", count=None)   # refused until cleared
    connector._order_placer.cancel_send_deadline = 1.5
    with caplog.at_level(logging.WARNING, logger="hummingbot_conn.connector.order_placer"):
        assert await connector._execute_cancel(PAIR, order_id) is False
    resent = [r for r in caplog.records if r.levelno == logging.WARNING and order_id in r.getMessage()]
    final = [r for r in caplog.records if r.levelno == logging.ERROR and order_id in r.getMessage()]
    assert resent and len(final) == 1 and "still open" in final[0].getMessage()
    assert connector.in_flight_orders[order_id].is_open and sim_order(session, order_id).is_open
    assert session.kinds(order_id) == [CREATED]
    sim.faults.clear()
    assert await connector._execute_cancel(PAIR, order_id) is True
    await session.wait_kinds(order_id, [CREATED, CANCELLED])
