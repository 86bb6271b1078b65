"""Strict parameters on the futures venue: its handlers parse numbers, timestamps and stream names as strictly as spot.

The futures REST handlers read every parameter through the spot simulator's
``Params`` (-1100 for decimals, -1102 for integers); a hostile value is
refused before it touches the engine, which stays as it was. Stream names
must match whole (``$`` alone would take ``btcusdt@depth\\n``).
"""
import re

import pytest
from hypothesis import given, settings, strategies as st

from hummingbot_conn.sim import ManualClock
from hummingbot_conn.sim.binance.errors import SimError
from hummingbot_conn.sim.binance.params import Params
from hummingbot_conn.sim.futures import SimulatedFuturesExchange

HOSTILE = ["1\n", "1 ", " 1", "1_000", "+1", "1e-5", "1E5", "١", "１", "0x10", "1.", ".5", "NaN", "Infinity",
           "1\t", "1\x00", "٣.٥", "1,5", "--1"]
INT = re.compile(r"-?[0-9]{1,19}")


def _code(call):
    try:
        call()
    except SimError as err:
        return err.code
    return None


@pytest.fixture(scope="module")
def venue():
    sim = SimulatedFuturesExchange(clock=ManualClock(1_700_000_000_000), auto_flush=False)   # never started
    key, _ = sim.create_account("100000", leverage={"BTCUSDT": 10})
    return sim, sim.account(key)


def _order(sim, account, **extra):
    values = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "price": "50000",
              "quantity": "0.01", **extra}
    return sim.rest.new_order(Params(values), account, {})


@pytest.mark.parametrize("text", HOSTILE)
def test_the_issue_cases_are_refused_by_the_futures_handlers(venue, text):
    sim, account = venue
    before, leverage = len(sim.engine.open_orders(account, "BTCUSDT")), account.leverage["BTCUSDT"]
    assert _code(lambda: _order(sim, account, quantity=text)) == -1100
    assert _code(lambda: _order(sim, account, price=text)) == -1100
    assert len(sim.engine.open_orders(account, "BTCUSDT")) == before
    assert _code(lambda: sim.rest.leverage(Params({"symbol": "BTCUSDT", "leverage": text}), account, {})) == -1102
    assert account.leverage["BTCUSDT"] == leverage
    assert _code(lambda: sim.rest.depth(Params({"symbol": "BTCUSDT", "limit": text}), None, {})) == -1102
    assert _code(lambda: sim.rest.get_order(Params({"symbol": "BTCUSDT", "orderId": text}), account, {})) == -1102
    assert _code(lambda: sim.rest.income(Params({"startTime": text}), account, {})) == -1102
    assert _code(lambda: sim.rest.user_trades(Params({"symbol": "BTCUSDT", "endTime": text}), account, {})) == -1102


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=12), st.integers(-200, 200).map(str)))
def test_leverage_accepts_exactly_ascii_digits(venue, text):
    sim, account = venue
    code = _code(lambda: sim.rest.leverage(Params({"symbol": "BTCUSDT", "leverage": text}), account, {}))
    if not text or not INT.fullmatch(text):
        assert code == -1102
    elif not 1 <= int(text) <= sim.engine.specs["BTCUSDT"].max_leverage:
        assert code is not None                               # out of range: the engine's own error
    else:
        assert code is None and account.leverage["BTCUSDT"] == int(text)


@pytest.mark.parametrize("name", ["btcusdt@depth\n", "btcusdt@depth ", "BTCUSDT@depth", "btcusdt@depth@1000ms",
                                  "btcusdt@markPrice@100ms", "xyzusdt@depth", "btcusdt@depth20\n", "btcusdt@ｄepth",
                                  "btcusdt@trade@100ms", "btcusdt@aggTrade@500ms", "btcusdt@bookTicker@100ms"])
def test_stream_names_must_match_whole(venue, name):
    sim, _ = venue
    assert sim.streams._normalise(name) is None



@pytest.mark.parametrize("name", ["btcusdt@depth", "btcusdt@depth@100ms", "btcusdt@depth20", "btcusdt@markPrice@1s",
                                  "ethusdt@aggTrade", "btcusdt@bookTicker", "btcusdt@trade", "btcusdt@depth5@100ms"])
def test_well_formed_stream_names_are_taken(venue, name):
    sim, _ = venue
    assert sim.streams._normalise(name) == name
