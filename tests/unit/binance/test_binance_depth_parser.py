"""exchanges/binance/_binance_depth: the C parser of Binance depthUpdate frames agrees with a JSON decoder
or steps aside."""
import json

import numpy as np
import orjson
import pytest
from hypothesis import given, strategies as st

from hummingbot_conn.core.order_book import DiffResult, OrderBook
from hummingbot_conn.exchanges.binance._binance_depth import DepthRows, parse_depth_update

FRAME = ('{"e":"depthUpdate","E":1672515782136,"s":"BNBBTC","U":157,"u":160,'
         '"b":[["0.0024","10"]],"a":[["0.0026","100"],["0.0027","0.00000000"]]}')


def test_the_documented_example_parses():
    symbol, first, last, bids, asks = parse_depth_update(FRAME)
    assert (symbol, first, last) == ("BNBBTC", 157, 160)
    assert bids.tolist() == [[0.0024, 10.0]] and asks.tolist() == [[0.0026, 100.0], [0.0027, 0.0]]
    assert parse_depth_update(FRAME.encode())[0] == "BNBBTC"
    assert len(asks) == 2 and asks[1] == (0.0027, 0.0) and asks[-1] == (0.0027, 0.0)
    with pytest.raises(IndexError):
        asks[2]
    view = np.asarray(asks)
    assert view.shape == (2, 2) and view.dtype == np.float64 and not view.flags.writeable
    assert "DepthRows" in repr(bids)


@pytest.mark.parametrize("frame", [
    '{"e":"trade","E":1,"s":"BNBBTC","t":1,"p":"1","q":"1","T":1,"m":true,"M":true}',
    '{"stream":"bnbbtc@depth","data":' + FRAME + '}',          # combined wrapper: decoded the slow way
    FRAME.replace('"BNBBTC"', '"BNB\\u0042TC"'),               # escape in a string
    FRAME.replace('"BNBBTC"', '""'),                            # empty symbol
    FRAME.replace('"BNBBTC"', '"BNBBTÇ"'),                      # non-ASCII symbol
    FRAME.replace('["0.0024","10"]', '[0.0024,10]'),            # numbers as rows
    FRAME.replace('["0.0024","10"]', '["0.0024","10","x"]'),    # a third row item
    FRAME.replace('["0.0024","10"]', '["0.0024","ten"]'),       # not a decimal
    FRAME.replace('["0.0024","10"]', '["nan","10"]'),
    FRAME.replace('"U":157', '"U":157.0'),                      # ids must be integers
    FRAME.replace('"U":157', '"U":-157'),
    FRAME.replace('"U":157', '"U":"157"'),
    FRAME.replace('"U":157', '"U":99999999999999999999'),       # beyond int64
    FRAME.replace('"U":157,', ''),                              # missing fields
    FRAME.replace('"u":160,', ''),
    FRAME.replace('"s":"BNBBTC",', ''),
    FRAME.replace(',"a":[["0.0026","100"],["0.0027","0.00000000"]]', ''),
    FRAME.replace('"E":1672515782136', '"E":{"x":1}'),          # a nested value under another key
    FRAME.replace('"e":"depthUpdate"', '"event":"depthUpdate"'),
    FRAME[:-1],                                                 # truncated
    FRAME + "x",                                                # trailing garbage
    "", "[]", "null", "depthUpdate",
])
def test_anything_else_steps_aside(frame):
    assert parse_depth_update(frame) is None


def test_non_text_steps_aside():
    assert parse_depth_update(None) is None and parse_depth_update({"e": "depthUpdate"}) is None
    assert parse_depth_update(bytearray(FRAME.encode())) is None


def test_whitespace_key_order_and_extra_scalars_are_fine():
    frame = ('{ "a" : [ [ "2.5" , "1" ] ] ,\n "b":[], "u": 9, "X": null, "Y": true, "Z": -1.5e3, "W": "x",'
             ' "U" : 7, "s":"ABC", "e" : "depthUpdate", "pu": 3 }')
    symbol, first, last, bids, asks = parse_depth_update(frame)
    assert (symbol, first, last, bids.tolist(), asks.tolist()) == ("ABC", 7, 9, [], [[2.5, 1.0]])


decimals = st.decimals(min_value=0, max_value=10**7, places=8, allow_nan=False, allow_infinity=False)
rows = st.lists(st.tuples(decimals.map(lambda d: f"{d:f}"), decimals.map(lambda d: f"{d:f}")), max_size=30)


@given(bids=rows, asks=rows, first=st.integers(0, 2**62), span=st.integers(0, 1000),
       symbol=st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=20),
       indent=st.sampled_from([None, 1]))
def test_agrees_with_a_json_decoder(bids, asks, first, span, symbol, indent):
    doc = {"e": "depthUpdate", "E": 1, "s": symbol, "U": first, "u": first + span,
           "b": [list(r) for r in bids], "a": [list(r) for r in asks]}
    text = json.dumps(doc, indent=indent)
    parsed = parse_depth_update(text)
    assert parsed is not None
    decoded = orjson.loads(text)
    assert parsed[:3] == (symbol, first, first + span)
    assert parsed[3].tolist() == [[float(p), float(q)] for p, q in decoded["b"]]
    assert parsed[4].tolist() == [[float(p), float(q)] for p, q in decoded["a"]]


def test_the_book_takes_parsed_rows_and_validates_them():
    book = OrderBook()
    book.apply_snapshot([["0.0023", "1"]], [["0.0030", "1"]], 156)
    _, first, last, bids, asks = parse_depth_update(FRAME)
    assert book.apply_diffs(bids, asks, last, first) is DiffResult.APPLIED
    assert [(r.price, r.amount) for r in book.bid_entries()] == [(0.0024, 10.0), (0.0023, 1.0)]
    assert [(r.price, r.amount) for r in book.ask_entries()] == [(0.0026, 100.0), (0.003, 1.0)]
    _, _, _, bad, empty = parse_depth_update(FRAME.replace('"10"', '"-10"').replace("160", "161")
                                             .replace('["0.0026","100"],["0.0027","0.00000000"]', ''))
    with pytest.raises(ValueError, match="amount"):
        book.apply_diffs(bad, empty, 161, 161)
    assert book.last_diff_uid == 160 and len(empty) == 0 and isinstance(empty, DepthRows)
