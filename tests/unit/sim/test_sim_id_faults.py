"""The simulators' update-id faults (``sim/kernel/faults.py``): ``future_diff_id``, ``future_snapshot``,
``restart_ids``, in process on both venues (what the depth events and snapshots carry).

The tracker's answer to them over real sockets: tests/integration/tracking/test_order_book_behind.py.
"""
import orjson
import pytest

from hummingbot_conn.sim import ManualClock, SimulatedExchange
from hummingbot_conn.sim.binance.params import Params
from hummingbot_conn.sim.futures import SimulatedFuturesExchange
from hummingbot_conn.sim.kernel.faults import FAR_AHEAD, FaultInjector


class _Collect:
    """A subscriber socket that keeps the depth events sent to it."""

    def __init__(self):
        self.streams, self.symbols, self.events = [], set(), []
        self.route = "public"

    def send(self, stream, payload):
        self.events.append(orjson.loads(payload))


def test_spot_far_future_ids_and_a_restart():
    sim = SimulatedExchange(seed=1, traders={"rate": 5}, clock=ManualClock(), auto_flush=False)
    conn = _Collect()
    sim.streams.subscribe(conn, "btcusdt@depth@100ms")

    def event():
        sim.traders.step("BTCUSDT")
        sim.streams.flush("100ms")
        return conn.events[-1]

    first = event()
    sim.faults.add("future_diff_id", symbol="BTCUSDT")
    far = event()
    true_last = sim.engine.books["BTCUSDT"].update_id
    assert far["U"] == first["u"] + 1 and far["u"] == true_last + FAR_AHEAD
    after = event()
    assert after["U"] == true_last + 1 and after["u"] == sim.engine.books["BTCUSDT"].update_id
    params = Params({"symbol": "BTCUSDT", "limit": "100"})
    sim.faults.add("future_snapshot", symbol="BTCUSDT")
    assert sim.rest.depth(params, None, {})["lastUpdateId"] == after["u"] + FAR_AHEAD
    assert sim.rest.depth(params, None, {})["lastUpdateId"] == after["u"]      # one firing
    sim.traders.step("BTCUSDT")                     # pending when the venue restarts: sent with the old ids
    sent = len(conn.events)
    sim.faults.add("restart_ids", symbol="BTCUSDT")
    assert len(conn.events) == sent + 1 and conn.events[-1]["u"] > after["u"]
    assert sim.depth_snapshot("BTCUSDT")["lastUpdateId"] == 0 and sim.engine.books["ETHUSDT"].update_id > 0
    restarted = event()
    assert restarted["U"] == 1 and restarted["u"] == sim.engine.books["BTCUSDT"].update_id < after["u"]


def test_futures_far_future_ids_and_a_restart():
    sim = SimulatedFuturesExchange(clock=ManualClock(), auto_flush=False)
    conn = _Collect()
    sim.streams.subscribe(conn, "btcusdt@depth@100ms")
    price = iter(range(50000, 40000, -1))

    def event():
        sim.place_liquidity("BTCUSDT", "BUY", str(next(price)), "0.1")
        sim.streams.flush("100ms")
        return conn.events[-1]

    first = event()
    sim.faults.add("future_diff_id", symbol="BTCUSDT")
    far = event()
    true_last = sim.streams.update_id("BTCUSDT")
    assert far["pu"] == first["u"] and far["u"] == true_last + FAR_AHEAD
    after = event()
    assert after["pu"] == true_last                 # the venue chains on its true id
    params = Params({"symbol": "BTCUSDT", "limit": "100"})
    sim.faults.add("future_snapshot", symbol="BTCUSDT")
    assert sim.rest.depth(params, None, {})["lastUpdateId"] == after["u"] + FAR_AHEAD
    assert sim.rest.depth(params, None, {})["lastUpdateId"] == after["u"]
    sim.faults.add("restart_ids", symbol="BTCUSDT")
    assert sim.depth_snapshot("BTCUSDT")["lastUpdateId"] == 0
    restarted = event()
    assert restarted["pu"] == 0 and 0 < restarted["U"] <= restarted["u"] < after["u"]


def test_restart_ids_is_an_action_and_the_new_rules_are_known():
    faults = FaultInjector()
    called = []
    faults.actions["restart_ids"] = lambda symbol=None: called.append(symbol)
    assert faults.add("restart_ids", symbol="BTCUSDT") is None and called == ["BTCUSDT"]
    assert faults.add("future_diff_id", symbol="BTCUSDT").kind == "future_diff_id"
    assert faults.add("future_snapshot", count=None).count is None
    with pytest.raises(ValueError, match="unknown fault kind"):
        faults.add("future_ids")
