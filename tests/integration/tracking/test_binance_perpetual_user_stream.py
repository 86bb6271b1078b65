"""The USDⓈ-M listenKey user stream against the simulated venue: keys, keepalive, expiry, reconnects."""
import asyncio
from decimal import Decimal

import pytest
from support import until

from hummingbot_conn.exchanges.binance_perpetual import binance_perpetual_web_utils as web_utils
from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_auth import BinancePerpetualAuth
from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_constants import BinancePerpetualEndpoints
from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_user_stream_data_source import (
    BinancePerpetualUserStreamDataSource,
)
from hummingbot_conn.sim import ManualClock
from hummingbot_conn.sim.futures import SimulatedFuturesExchange
from hummingbot_conn.web import ExponentialBackoff, TimeSynchronizer

FAST = {"initial": 0.01, "maximum": 0.08, "rng": lambda: 0.0}


@pytest.fixture
async def fsim():
    async with SimulatedFuturesExchange(clock=ManualClock(), auto_flush=False) as exchange:
        yield exchange


def make_source(sim, key, secret, **kwargs):
    endpoints = BinancePerpetualEndpoints.local(f"{sim.host}:{sim.port}")
    sync = TimeSynchronizer()
    auth = BinancePerpetualAuth(key, secret, sync)
    factory = web_utils.build_api_factory(time_synchronizer=sync, domain=endpoints, auth=auth,
                                          ws_backoff=ExponentialBackoff(**FAST))
    source = BinancePerpetualUserStreamDataSource(auth, api_factory=factory, domain=endpoints,
                                                  backoff=ExponentialBackoff(**FAST), **kwargs)
    return source, factory


async def test_events_then_expiry_and_refused_keepalive_each_reconnect_with_a_new_key(fsim):
    key, secret = fsim.create_account("1000")
    account = fsim.account(key)
    source, factory = make_source(fsim, key, secret, keepalive_interval=0.05)
    connections = []
    source.add_connection_listener(connections.append)
    queue: asyncio.Queue = asyncio.Queue()
    task = asyncio.ensure_future(source.listen_for_user_stream(queue))
    try:
        await until(lambda: connections == [1])
        first_key = source.listen_key
        assert fsim.listen_keys.account_of(first_key) == account.account_id
        fsim.place_liquidity("BTCUSDT", "SELL", "60000", "0.01")
        fsim.engine.place_order(account, "BTCUSDT", "BUY", "MARKET", quantity=Decimal("0.01"))
        events = [await asyncio.wait_for(queue.get(), 5) for _ in range(3)]
        assert [e["e"] for e in events] == ["ORDER_TRADE_UPDATE", "ORDER_TRADE_UPDATE", "ACCOUNT_UPDATE"]
        assert events[1]["o"]["X"] == "FILLED"

        # the key lapses (60 minutes without keepalive on the venue's clock): listenKeyExpired -> new key
        fsim.clock.advance(3_600_000)
        fsim.listen_keys.expire()
        await until(lambda: connections == [1, 2])
        second_key = source.listen_key
        assert second_key is not None and second_key != first_key

        # the venue forgets the key without telling the socket: the keepalive's -1125 forces a new one
        del fsim.listen_keys.keys[second_key]
        await until(lambda: connections == [1, 2, 3])
        assert source.listen_key not in (None, second_key)
        assert queue.empty()                          # the control events never reach the consumer
    finally:
        await source.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await factory.close()


async def test_malformed_frames_are_dropped_not_fatal(fsim, caplog):
    key, secret = fsim.create_account("1000")
    source, factory = make_source(fsim, key, secret)
    queue: asyncio.Queue = asyncio.Queue()
    for frame in ([1, 2], {"no": "type"}, "text"):
        await source._process_event_message(frame, queue)
    await source._process_event_message({"e": "ACCOUNT_UPDATE", "a": {}}, queue)
    assert queue.qsize() == 1 and "without an event type" in caplog.text
    with pytest.raises(ConnectionError):
        await source._process_event_message({"e": "listenKeyExpired", "E": 1, "listenKey": "k"}, queue)
    with pytest.raises(TypeError):
        BinancePerpetualUserStreamDataSource("not an auth")
    await factory.close()
