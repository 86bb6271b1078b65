"""The Binance user stream against the simulator: real sockets on 127.0.0.1, the sim's faults, no mocks.

What is checked: the WebSocket API subscription, unwrapped events in exchange
order and exactly once, reconnects after every kind of interruption (socket
dropped, stream terminated, server shutdown, consumer overflow) with the
connection listeners told ``2, 3, ...``, a back-off that never becomes a
tight loop, and refused subscriptions reported clearly and retried.
"""
import asyncio
import logging
from decimal import Decimal

import pytest
from support import until

from hummingbot_conn.exchanges.binance import (
    BinanceAPIUserStreamDataSource,
    BinanceAuth,
    BinanceEndpoints,
    binance_constants as CONSTANTS,
    binance_web_utils as web_utils,
)
from hummingbot_conn.sim import SimError, SimulatedExchange
from hummingbot_conn.tracking import UserStreamTracker
from hummingbot_conn.web import ExchangeError, ExponentialBackoff, TimeSynchronizer, WSJSONRequest

FAST = dict(initial=0.01, maximum=0.08, rng=lambda: 0.0)


@pytest.fixture
async def sim():
    async with SimulatedExchange(seed=5, auto_flush=False) as exchange:
        yield exchange


class Recorder:
    """A sleep that records the back-off pauses (and really sleeps them: they are tiny)."""

    def __init__(self):
        self.delays = []

    async def __call__(self, delay):
        self.delays.append(delay)
        await asyncio.sleep(delay)


def make_source(sim, key, secret, *, sleep=None, cls=BinanceAPIUserStreamDataSource, own_factory=False,
                **kwargs):
    endpoints = BinanceEndpoints.local(f"{sim.host}:{sim.port}")
    sync = TimeSynchronizer()
    auth = BinanceAuth(key, secret, sync)
    factory = None
    if not own_factory:
        factory = web_utils.build_api_factory(time_synchronizer=sync, domain=endpoints, auth=auth,
                                              ws_backoff=ExponentialBackoff(**FAST))
    return cls(auth, ["BTC-USDT"], api_factory=factory, domain=endpoints,
               backoff=ExponentialBackoff(**FAST), sleep=sleep or Recorder(), **kwargs)


async def take(queue, n, timeout=5.0):
    return [await asyncio.wait_for(queue.get(), timeout) for _ in range(n)]


def shape(events):
    return [(e["e"], e.get("x"), e.get("c") or e.get("a")) for e in events]


@pytest.fixture
async def stream(sim):
    """A running tracker for a funded account: (tracker, connection numbers seen, account)."""
    key, secret = sim.create_account({"USDT": "10000", "BTC": "1"})
    tracker = UserStreamTracker(make_source(sim, key, secret))
    numbers = []
    tracker.add_connection_listener(numbers.append)
    await tracker.start()
    await until(lambda: numbers == [1])
    yield tracker, numbers, sim.account(key)
    await tracker.stop()
    await tracker.data_source._api_factory.close()     # the test's factory (the source does not own it)


def place(sim, account, client_id, price="50000", qty="0.01", side="BUY"):
    order, _ = sim.engine.place_order(account, "BTCUSDT", side, "LIMIT", quantity=Decimal(qty),
                                      price=Decimal(price), time_in_force="GTC", client_order_id=client_id)
    return order


async def test_events_arrive_unwrapped_once_and_in_exchange_order(sim, stream):
    tracker, numbers, account = stream
    assert tracker.connected and tracker.data_source.subscription_id == 0
    place(sim, account, "buy-1")
    sim.engine.cancel_order(account, "BTCUSDT", orig_client_id="buy-1", new_client_id="cxl-1")
    sim.engine.deposit(account, "ETH", Decimal("2"))
    events = await take(tracker.user_stream, 6)
    assert shape(events) == [
        ("executionReport", "NEW", "buy-1"), ("outboundAccountPosition", None, None),
        ("executionReport", "CANCELED", "cxl-1"), ("outboundAccountPosition", None, None),
        ("balanceUpdate", None, "ETH"), ("outboundAccountPosition", None, None)]
    assert events[2]["C"] == "buy-1" and events[4]["d"] == "2.00000000"
    assert all("subscriptionId" not in e and "event" not in e for e in events)
    await asyncio.sleep(0.05)
    assert tracker.user_stream.empty() and numbers == [1]


async def test_dropped_socket_reconnects_notifies_2_and_loses_no_event_after_it(sim, stream):
    tracker, numbers, account = stream
    place(sim, account, "before")
    before = await take(tracker.user_stream, 2)
    recv_time = tracker.last_recv_time
    assert recv_time > 0
    sim.faults.add("close_user_sockets")
    await until(lambda: numbers == [1, 2])
    assert tracker.last_recv_time >= recv_time > 0        # never fell to 0 on the way (W-18)
    assert tracker.connected
    place(sim, account, "after")
    after = await take(tracker.user_stream, 2)
    assert shape(before + after) == [("executionReport", "NEW", "before"), ("outboundAccountPosition", None, None),
                                     ("executionReport", "NEW", "after"), ("outboundAccountPosition", None, None)]
    await asyncio.sleep(0.05)
    assert tracker.user_stream.empty()
    assert len(sim.user_streams.api_connections) == 1    # the old connection is gone, one subscription


async def test_readiness_does_not_flap_while_reconnecting(sim, stream):
    tracker, numbers, _ = stream
    samples = []

    async def watch():
        while True:
            samples.append(tracker.last_recv_time)
            await asyncio.sleep(0)

    watcher = asyncio.ensure_future(watch())
    sim.faults.add("close_user_sockets")
    await until(lambda: numbers == [1, 2])
    watcher.cancel()
    assert samples and min(samples) > 0 and samples == sorted(samples)


async def test_event_stream_terminated_forces_a_resubscription(sim, stream):
    tracker, numbers, account = stream
    ws = tracker.data_source._ws_assistant
    await ws.send(WSJSONRequest({"id": "bye", "method": CONSTANTS.WS_USER_STREAM_UNSUBSCRIBE_METHOD}))
    await until(lambda: numbers == [1, 2])
    sim.engine.deposit(account, "BTC", Decimal("1"))
    events = await take(tracker.user_stream, 2)
    assert shape(events) == [("balanceUpdate", None, "BTC"), ("outboundAccountPosition", None, None)]
    assert tracker.data_source.last_error is None


async def test_server_shutdown_reconnects(sim, stream):
    tracker, numbers, account = stream
    sim.user_streams.shutdown()
    await until(lambda: numbers == [1, 2])
    sim.engine.deposit(account, "USDT", Decimal("5"))
    assert shape(await take(tracker.user_stream, 2))[0] == ("balanceUpdate", None, "USDT")


@pytest.mark.parametrize("which, code", [("secret", -1022), ("key", -2015), ("malformed key", -2014)])
async def test_a_refused_key_is_a_clear_permanent_error_retried_slowly_and_logged_once(sim, caplog, which, code):
    key, secret = sim.create_account({"USDT": "1"})
    if which == "secret":
        secret = "0" * 64
    elif which == "key":
        key = "K" * 64
    else:
        key = "not-a-key"
    sleep = Recorder()
    tracker = UserStreamTracker(make_source(sim, key, secret, sleep=sleep, own_factory=True,
                                            permanent_retry_delay=0.03))
    numbers = []
    tracker.add_connection_listener(numbers.append)
    with caplog.at_level(logging.ERROR):
        await tracker.start()
        await until(lambda: len(sleep.delays) >= 5)
        await tracker.stop()
    source = tracker.data_source
    error = source.last_error
    assert isinstance(error, ExchangeError) and error.code == code and source.permanent_error is error
    assert CONSTANTS.WS_USER_STREAM_SUBSCRIBE_METHOD in str(error) and error.msg in str(error)
    assert secret not in str(error) and (which == "secret" or key not in str(error))
    refused = [r.getMessage() for r in caplog.records if "subscription refused" in r.getMessage()]
    # written once when it happened, then once with the count (at stop), never once per attempt
    assert len(refused) == 2 and str(code) in refused[0] and "[repeated " in refused[1], refused
    assert numbers == [] and not tracker.connected
    assert sleep.delays[:5] == [0.03] * 5        # the permanent cadence, not the back-off's
    assert len(sim.user_streams.api_connections) == 0


async def test_a_refusal_retrying_may_cure_keeps_the_growing_pauses(sim):
    key, secret = sim.create_account({"USDT": "1"})
    dispatch = sim.user_streams._dispatch

    def busy(conn, method, params):
        if method == CONSTANTS.WS_USER_STREAM_SUBSCRIBE_METHOD:
            raise SimError(-1000, "An unknown error occurred while processing the request.")
        return dispatch(conn, method, params)
    sim.user_streams._dispatch = busy
    sleep = Recorder()
    tracker = UserStreamTracker(make_source(sim, key, secret, sleep=sleep))
    await tracker.start()
    await until(lambda: len(sleep.delays) >= 5)
    await tracker.stop()
    assert tracker.data_source.last_error.code == -1000 and tracker.data_source.permanent_error is None
    assert sleep.delays[:5] == [0.01, 0.02, 0.04, 0.08, 0.08]      # doubling, capped


async def test_accept_then_drop_never_resets_the_back_off(sim):
    key, secret = sim.create_account({"USDT": "1"})
    sleep = Recorder()
    tracker = UserStreamTracker(make_source(sim, key, secret, sleep=sleep))
    numbers = []

    def drop_at_once(n):
        numbers.append(n)
        if n < 5:
            sim.faults.add("close_user_sockets")

    tracker.add_connection_listener(drop_at_once)
    await tracker.start()
    await until(lambda: numbers == [1, 2, 3, 4, 5])
    await tracker.stop()
    await tracker.data_source._api_factory.close()
    assert sleep.delays == [0.01, 0.02, 0.04, 0.08]


async def test_clock_skew_is_resynced_and_the_subscription_retried(sim, caplog):
    sim.faults.add("skew_clock", ms=-120_000)       # the exchange's clock is 2 minutes behind ours
    key, secret = sim.create_account({"USDT": "1"})
    sleep = Recorder()
    tracker = UserStreamTracker(make_source(sim, key, secret, sleep=sleep))
    numbers = []
    tracker.add_connection_listener(numbers.append)
    with caplog.at_level(logging.WARNING):
        await tracker.start()
        await until(lambda: numbers == [1])
    # one -1021 answer, then the resynced clock signs an accepted request on the same connection
    assert [r.getMessage() for r in caplog.records if "resyncing" in r.getMessage()] == [
        "User stream subscription: Timestamp for this request was 1000ms ahead of the server's time.; "
        "resyncing the clock and retrying once"]
    assert tracker.data_source.last_error is None and sleep.delays == []
    assert tracker.data_source._auth.time_provider.is_initialized
    await tracker.stop()
    await tracker.data_source._api_factory.close()


async def test_an_overflowing_consumer_shows_up_as_a_reconnect_never_as_lost_events(sim):
    key, secret = sim.create_account({"USDT": "100"})
    tracker = UserStreamTracker(make_source(sim, key, secret, overflow_grace=0.05, own_factory=True),
                                max_queue_size=4)
    numbers = []
    tracker.add_connection_listener(numbers.append)
    await tracker.start()
    await until(lambda: numbers == [1])
    account = sim.account(key)
    for i in range(5):                                  # 10 events into a queue of 4, nobody reading
        sim.engine.deposit(account, "BTC", Decimal(i + 1))
    await until(lambda: tracker.overflow_count == 1)
    assert not tracker.connected and numbers == [1]     # no reconnect into a full queue
    queued = [tracker.user_stream.get_nowait() for _ in range(4)]
    assert [(e["e"], e.get("d")) for e in queued] == [     # the head of the stream, in order, none skipped
        ("balanceUpdate", "1.00000000"), ("outboundAccountPosition", None),
        ("balanceUpdate", "2.00000000"), ("outboundAccountPosition", None)]
    await until(lambda: numbers == [1, 2])              # drained: reconnected, the owner told to reconcile
    sim.engine.deposit(account, "ETH", Decimal("1"))
    assert shape(await take(tracker.user_stream, 2))[0] == ("balanceUpdate", None, "ETH")
    await tracker.stop()


class IterMessagesPort(BinanceAPIUserStreamDataSource):
    """A hummingbot-style port that reads with ws.iter_messages() (the assistant heals drops itself)."""

    async def _process_websocket_messages(self, websocket_assistant, queue):
        async for response in websocket_assistant.iter_messages():
            await self._process_event_message(response.data, queue)


async def test_a_port_reading_with_iter_messages_is_resubscribed_after_the_assistant_reconnects(sim):
    key, secret = sim.create_account({"USDT": "100"})
    tracker = UserStreamTracker(make_source(sim, key, secret, cls=IterMessagesPort))
    numbers = []
    tracker.add_connection_listener(numbers.append)
    await tracker.start()
    await until(lambda: numbers == [1])
    sim.faults.add("close_user_sockets")
    await until(lambda: numbers == [1, 2])
    sim.engine.deposit(sim.account(key), "BTC", Decimal("1"))
    assert shape(await take(tracker.user_stream, 2))[0] == ("balanceUpdate", None, "BTC")
    await tracker.stop()
    await tracker.data_source._api_factory.close()


async def test_failing_and_async_listeners_never_break_the_stream(sim, caplog):
    key, secret = sim.create_account({"USDT": "100"})
    tracker = UserStreamTracker(make_source(sim, key, secret, own_factory=True))
    reconciled = []

    def broken(n):
        raise RuntimeError("plain-bug")

    async def reconcile(n):
        await asyncio.sleep(0)
        reconciled.append(n)

    async def broken_async(n):
        raise RuntimeError("async-bug")

    for listener in (broken, reconcile, broken_async):
        tracker.add_connection_listener(listener)
    with caplog.at_level(logging.ERROR):
        await tracker.start()
        await until(lambda: reconciled == [1])
        sim.faults.add("close_user_sockets")
        await until(lambda: reconciled == [1, 2])
        sim.engine.deposit(sim.account(key), "BTC", Decimal("1"))
        assert shape(await take(tracker.user_stream, 2))[0] == ("balanceUpdate", None, "BTC")
    await tracker.stop()
    messages = [r.getMessage() + str(r.exc_info) for r in caplog.records]
    assert sum("plain-bug" in m for m in messages) == 2 and sum("async-bug" in m for m in messages) == 2
    assert any("broken_async" in r.getMessage() for r in caplog.records)


async def test_stop_closes_the_socket_and_keeps_queued_events(sim, stream):
    tracker, numbers, account = stream
    sim.engine.deposit(account, "BTC", Decimal("1"))
    await until(lambda: tracker.user_stream.qsize() == 2)
    await tracker.stop()
    assert not tracker.is_running and not tracker.connected
    await until(lambda: not sim.user_streams.api_connections)
    assert tracker.user_stream.qsize() == 2 and tracker.last_recv_time > 0
    await tracker.start()                               # a restart counts on: the owner reconciles
    await until(lambda: numbers == [1, 2])


async def test_unknown_domain_and_wrong_arguments_fail_at_construction():
    auth = BinanceAuth("k" * 64, "s" * 64, lambda: 1.0)
    with pytest.raises(ValueError, match="unknown Binance domain"):
        BinanceAPIUserStreamDataSource(auth, [], domain="nowhere")
    with pytest.raises(TypeError, match="BinanceAuth"):
        BinanceAPIUserStreamDataSource(object(), [])
    source = BinanceAPIUserStreamDataSource(auth, [], api_factory=web_utils.build_api_factory(auth=auth))
    with pytest.raises(TypeError, match="callable"):
        source.add_connection_listener("not a function")
    for bad in (0, -1, True, 2.5, "10"):
        with pytest.raises(ValueError, match="max_queue_size"):
            UserStreamTracker(source, max_queue_size=bad)
    with pytest.raises(TypeError, match="UserStreamTrackerDataSource"):
        UserStreamTracker(object())
