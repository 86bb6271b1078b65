"""exchanges/binance/_binance_depth against hostile frames: it never raises, never reads past the frame, and
whatever it accepts a JSON decoder accepts too, with the same fields and the same effect on a book.

The oracle is the data source's JSON path (orjson, then ``OrderBook.apply_diffs`` on the decoded
string rows).  Frames are generated valid, then mutated byte by byte (JSON punctuation, digits,
escapes, NUL, non-ASCII, lone surrogates), truncated at every offset, and sent as ``str`` and as
``bytes`` (also invalid UTF-8).  Brief in CI (``HBCONN_FUZZ_EXAMPLES``, default 150 cases);
longer with e.g. ``HBCONN_FUZZ_EXAMPLES=20000``.
"""
import json
import os

import orjson
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from hummingbot_conn.core.order_book import OrderBook
from hummingbot_conn.exchanges.binance._binance_depth import parse_depth_update

EXAMPLES = int(os.environ.get("HBCONN_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

FRAME = ('{"e":"depthUpdate","E":1672515782136,"s":"BNBBTC","U":157,"u":160,'
         '"b":[["0.0024","10"]],"a":[["0.0026","100"],["0.0027","0.00000000"]]}')


def _book_after(bids, asks, update_id, first_update_id):
    book = OrderBook()
    book.apply_snapshot([["0.0001", "1"]], [["100", "1"]], 100)
    try:
        outcome = book.apply_diffs(bids, asks, update_id, first_update_id)
    except (ValueError, TypeError, OverflowError) as exc:
        outcome = type(exc).__name__
    book.check_integrity()
    return (outcome, [(r.price, r.amount) for r in book.bid_entries()],
            [(r.price, r.amount) for r in book.ask_entries()], book.last_diff_uid, book.is_synced)


def assert_agrees_with_json(frame):
    """The property: None (step aside), or exactly what the JSON path makes of the frame."""
    parsed = parse_depth_update(frame)      # must not raise, whatever the frame
    if parsed is None:
        return
    decoded = orjson.loads(frame)           # a frame the fast path takes is valid JSON
    symbol, first, last, bids, asks = parsed
    assert type(decoded) is dict and decoded["e"] == "depthUpdate"
    assert type(decoded["s"]) is str and decoded["s"] == symbol
    assert type(decoded["U"]) is int and type(decoded["u"]) is int
    assert (decoded["U"], decoded["u"]) == (first, last)
    for side in ("b", "a"):
        rows = decoded[side]
        assert type(rows) is list
        assert all(type(r) is list and len(r) == 2 and all(type(x) is str for x in r) for r in rows)
    assert _book_after(bids, asks, last, first) == _book_after(decoded["b"], decoded["a"], last, first)


@pytest.mark.parametrize("frame", [
    FRAME.replace('"BNBBTC"', '"BNB\ud800BTC"'),                    # a lone surrogate: cannot be UTF-8
    FRAME.replace('1672515782136', '1672515782136, "x": "\ud800"'),
    FRAME.replace('"U":157', '"U":0157'),                           # JSON forbids leading zeros
    FRAME.replace('"u":160', '"u":00'),
    FRAME.replace('1672515782136', '01672515782136'),
    FRAME.replace('1672515782136', '16725+15782136'),               # malformed numbers elsewhere
    FRAME.replace('1672515782136', '1672-515782136'),
    FRAME.replace('1672515782136', '1.2.3'),
    FRAME.replace('1672515782136', '1.'),
    FRAME.replace('1672515782136', '.5'),
    FRAME.replace('1672515782136', '-'),
    FRAME.replace('1672515782136', '1e'),
    FRAME.replace('1672515782136', '1e+'),
    FRAME.replace('1672515782136', '+1'),
    FRAME.replace('1672515782136', '1672515782136E999'),            # infinite as a double: orjson refuses
    FRAME.replace('1672515782136', '9' * 400),
    FRAME.replace('1672515782136', '1, "x": "caf\u00e9"'),           # non-ASCII text steps aside
])
def test_what_a_json_decoder_refuses_or_needs_unicode_steps_aside(frame):
    assert parse_depth_update(frame) is None


@pytest.mark.parametrize("raw", [
    FRAME.encode().replace(b'1672515782136', b'1, "x": "\xff\xfe"'),      # invalid UTF-8 in a string
    FRAME.encode().replace(b'1672515782136', b'1, "\xed\xa0\x80": 1'),    # an encoded surrogate in a key
    FRAME.encode().replace(b'"BNBBTC"', b'"BNB\xc3BTC"'),
])
def test_bytes_that_are_not_utf8_step_aside(raw):
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(raw)
    assert parse_depth_update(raw) is None


def test_numbers_json_allows_are_still_fast():
    for number in ("0", "-0", "-0.5e-3", "1E+2", "1.5e308", "12345678901234567890123", "1e-400"):
        frame = FRAME.replace("1672515782136", number)
        assert parse_depth_update(frame) is not None, number
        assert_agrees_with_json(frame)


def test_every_truncation_and_every_single_byte_deletion():
    for i in range(len(FRAME) + 1):
        for frame in (FRAME[:i], FRAME[i:], FRAME[:i] + FRAME[i + 1:]):
            assert_agrees_with_json(frame)
            assert_agrees_with_json(frame.encode())


def test_many_levels_and_long_numbers():
    many = '{"e":"depthUpdate","s":"X","U":101,"u":102,"b":[' + ",".join(['["1.5","2"]'] * 50_000) + '],"a":[]}'
    assert len(parse_depth_update(many)[3]) == 50_000
    assert_agrees_with_json(many)
    long = ('{"e":"depthUpdate","s":"X","U":101,"u":102,"E":1' + "0" * 300 + ',"b":[["1' + "0" * 100_000
            + '.5","2"],["0.' + "0" * 100_000 + '1","3"]],"a":[]}')
    assert parse_depth_update(long) is not None
    assert_agrees_with_json(long)
    deep = '{"e":"depthUpdate","s":"X","U":101,"u":102,"b":[],"a":[],"E":' + "[" * 50_000 + "]" * 50_000 + "}"
    assert parse_depth_update(deep) is None


_NUMBERS = st.one_of(
    st.decimals(min_value=0, max_value=10**6, places=6, allow_nan=False).map(lambda d: f"{d:f}"),
    st.sampled_from(["1e5", "1E-3", "-1", "+1", "0", "-0", "1.", ".5", "00012", "1e400", "1e-400", "inf",
                     "nan", "1_0", " 1", "1e", "-", ".", "9" * 30, "0." + "0" * 30 + "1"]))
_IDS = st.sampled_from([0, 1, 99, 100, 101, 102, 150, 2**62, 2**63 - 1, 2**63, 2**64, -1])
_ROWS = st.lists(st.lists(_NUMBERS, min_size=2, max_size=2), max_size=4)
_MUTATION_BYTES = list('{}[]",:.-+eE0123456789 \n\t\\u/abstrufnl') + ["\x00", "\x1f", "\u00e9", "\u2028",
                                                                        "\uff11", "\ud800"]


@st.composite
def frames(draw):
    doc = {"e": draw(st.sampled_from(["depthUpdate", "trade", "depthUpdat"])), "E": draw(st.integers(0, 2**53)),
           "s": draw(st.sampled_from(["BNBBTC", "X", "a b", ""])), "U": draw(_IDS), "u": draw(_IDS),
           "b": draw(_ROWS), "a": draw(_ROWS)}
    items = draw(st.permutations(list(doc.items())))
    items += draw(st.lists(st.sampled_from(items), max_size=2))            # duplicate keys
    text = "{" + ",".join(json.dumps(k) + draw(st.sampled_from([":", " : "])) + json.dumps(v) for k, v in items) + "}"
    chars = list(text)
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["insert", "delete", "replace"]))
        at = draw(st.integers(0, len(chars)))
        if op == "insert":
            chars.insert(at, draw(st.sampled_from(_MUTATION_BYTES)))
        elif chars:
            at = min(at, len(chars) - 1)
            if op == "delete":
                del chars[at]
            else:
                chars[at] = draw(st.sampled_from(_MUTATION_BYTES))
    return "".join(chars)


@FUZZ
@given(frame=frames(), as_bytes=st.booleans())
def test_fuzzed_frames_agree_with_the_json_path(frame, as_bytes):
    if as_bytes:
        frame = frame.encode("utf-8", "surrogatepass")      # a lone surrogate becomes invalid UTF-8
    assert_agrees_with_json(frame)
