"""Binance user stream frames, one at a time: what is queued, what is dropped, what forces a reconnect.

Payloads are the ones of docs/binance_spot.md sections 7 and 10.5.  A real
``asyncio.Queue`` receives the events; nothing is mocked.
"""
import asyncio
import logging

import pytest
from support.payloads import load

from hummingbot_conn.exchanges.binance import (
    BinanceAPIUserStreamDataSource,
    BinanceAuth,
    BinanceEndpoints,
    binance_web_utils as web_utils,
)
from hummingbot_conn.tracking import UserStreamOverflowError, UserStreamTrackerDataSource

EXECUTION_REPORT = load("binance_spot", "execution_report_documented")
POSITION = load("binance_spot", "outbound_account_position_documented")
BALANCE = load("binance_spot", "balance_update_documented")


@pytest.fixture
async def source():
    auth = BinanceAuth("k" * 64, "s" * 64, lambda: 1.0)
    factory = web_utils.build_api_factory(auth=auth)
    src = BinanceAPIUserStreamDataSource(auth, ["ETH-BTC"], api_factory=factory,
                                         domain=BinanceEndpoints.local("127.0.0.1:1"), overflow_grace=0.01)
    yield src
    await factory.close()


async def feed(source, frames, maxsize=0):
    queue = asyncio.Queue(maxsize=maxsize)
    for frame in frames:
        await source._process_event_message(frame, queue)
    return [queue.get_nowait() for _ in range(queue.qsize())]


async def test_wrapped_events_are_unwrapped_in_order(source):
    frames = [{"subscriptionId": 0, "event": ev} for ev in (EXECUTION_REPORT, POSITION, BALANCE)]
    assert await feed(source, frames) == [EXECUTION_REPORT, POSITION, BALANCE]


async def test_bare_events_of_the_legacy_stream_pass_as_they_are(source):
    assert await feed(source, [BALANCE, POSITION]) == [BALANCE, POSITION]


async def test_api_answers_are_not_events(source, caplog):
    ok = {"id": "d3df8a22", "status": 200, "result": {"subscriptionId": 0}, "rateLimits": []}
    refused = {"id": 7, "status": 400, "error": {"code": -2035, "msg": "User Data Stream subscription already active."}}
    with caplog.at_level(logging.WARNING):
        assert await feed(source, [ok, refused]) == []
    assert ["-2035" in r.getMessage() for r in caplog.records] == [True]


@pytest.mark.parametrize("frame", [
    "not json", b"\x00\x01", 42, None, [], [EXECUTION_REPORT], {},
    {"subscriptionId": 0, "event": "executionReport"}, {"subscriptionId": 0, "event": None},
    {"subscriptionId": 0, "event": {"E": 1}}, {"subscriptionId": 0, "event": {"e": 5}},
    {"foo": "bar"},
])
async def test_malformed_frames_are_logged_and_dropped(source, caplog, frame):
    with caplog.at_level(logging.WARNING):
        assert await feed(source, [frame, BALANCE]) == [BALANCE]
    assert len(caplog.records) == 1 and caplog.records[0].levelno == logging.WARNING


@pytest.mark.parametrize("frame", [
    {"subscriptionId": 0, "event": {"e": "eventStreamTerminated", "E": 1728973001334}},
    {"event": {"e": "serverShutdown", "E": 1770123456789}},
])
async def test_end_of_stream_events_force_a_reconnect(source, frame):
    queue = asyncio.Queue()
    with pytest.raises(ConnectionError, match=frame["event"]["e"]):
        await source._process_event_message(frame, queue)
    assert queue.empty()


async def test_a_full_queue_past_the_grace_is_an_overflow_not_a_silent_drop(source):
    queue = asyncio.Queue(maxsize=2)
    await source._process_event_message(BALANCE, queue)
    await source._process_event_message(POSITION, queue)
    with pytest.raises(UserStreamOverflowError, match="full"):
        await source._process_event_message(EXECUTION_REPORT, queue)
    assert [queue.get_nowait(), queue.get_nowait()] == [BALANCE, POSITION]


async def test_a_full_queue_that_drains_within_the_grace_loses_nothing(source):
    queue = asyncio.Queue(maxsize=1)
    source._overflow_grace = 5.0
    await source._process_event_message(BALANCE, queue)
    put = asyncio.ensure_future(source._process_event_message(POSITION, queue))
    await asyncio.sleep(0)
    assert not put.done() and queue.get_nowait() == BALANCE
    await put
    assert queue.get_nowait() == POSITION


def test_the_base_is_abstract_with_hummingbots_hooks():
    with pytest.raises(TypeError, match="abstract"):
        UserStreamTrackerDataSource()
    for hook in ("_connected_websocket_assistant", "_subscribe_channels", "_process_websocket_messages",
                 "_process_event_message", "_on_user_stream_interruption", "_send_ping",
                 "listen_for_user_stream", "stop", "last_recv_time"):
        assert hasattr(UserStreamTrackerDataSource, hook)


def test_negative_timings_are_refused():
    auth = BinanceAuth("k" * 64, "s" * 64, lambda: 1.0)
    with pytest.raises(ValueError, match="overflow_grace"):
        BinanceAPIUserStreamDataSource(auth, [], overflow_grace=-1)
