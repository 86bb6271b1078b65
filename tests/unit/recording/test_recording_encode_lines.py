"""The writer's compiled batch encoder (``_frame_tap.encode_lines``): its C buffer grows as a batch needs,
is bounds-checked against what its Python callbacks return, and encodes the batch it was given even when
those callbacks change the list meanwhile (they are Python code: anything can run there)."""
import math

import orjson
import pytest

from hummingbot_conn.recording._frame_tap import encode_lines
from hummingbot_conn.recording.writer import frame_line


def _fallback(item):
    if isinstance(item, tuple):
        return frame_line(*item)
    return orjson.dumps(item).decode()


def _lines(data):
    assert data.endswith(b"\n")
    return [orjson.loads(line) for line in data.split(b"\n")[:-1]]


def _expected(items):
    return [orjson.loads(_fallback(item)) for item in items]


def test_a_batch_far_larger_than_the_first_allocation_is_encoded_whole():
    # the buffer starts at ~700 bytes a record: frames of 100 kB and more make it grow many times
    items = [(1.5 + i, i, '{"e":"depthUpdate","b":[' + ",".join(['["1.0","2.0"]'] * (4000 * (i + 1))) + "]}")
             for i in range(5)]
    data = encode_lines(items, _fallback, orjson.dumps)
    assert len(data) > 5 * 50_000
    assert _lines(data) == _expected(items)


def test_public_frames_and_other_records_keep_their_order_and_content():
    # the C path writes what frame_line writes, byte for byte; every other record goes through the fallback
    items = [(0.1, 1, '{"a":1}'), {"k": "gap", "n": 3}, (0.2, 2, '{"b":"x\\ny"}'), (0.3, 1, "x\ny"),
             (0.4, 7, b"\x00bin"), (0.5, 1, '{"c":[]}', True), (math.inf, 1, '{"d":1}'), (1e-300, 12, "{}"),
             (2.0, 3, ""), (0.1 + 0.2, 1, "[]")]
    data = encode_lines(items, _fallback, orjson.dumps)
    assert data == b"".join(_fallback(item).encode() + b"\n" for item in items)
    assert data.split(b"\n")[0] == b'{"k":"in","t":0.1,"c":1,"j":{"a":1}}'


def test_connection_ids_of_any_size_are_written_in_decimal():
    items = [(1.0, 0, "{}"), (1.0, 2 ** 63 - 1, "{}"), (1.0, 2 ** 64 + 5, "{}"), (1.0, -4, "{}")]
    lines = encode_lines(items, _fallback, orjson.dumps).split(b"\n")[:-1]
    assert [orjson.loads(line)["c"] for line in lines[:2]] == [0, 2 ** 63 - 1]
    assert lines[2] == b'{"k":"in","t":1.0,"c":%d,"j":{}}' % (2 ** 64 + 5)
    assert lines[3] == b'{"k":"in","t":1.0,"c":-4,"j":{}}'


def test_a_fallback_that_empties_the_list_does_not_cut_the_batch():
    items = [(0.1, 1, '{"a":1}'), {"k": "gap"}, (0.2, 1, '{"b":2}'), (0.3, 1, '{"c":3}')]
    given = list(items)

    def clearing(item):
        items.clear()
        return _fallback(item)

    assert _lines(encode_lines(items, clearing, orjson.dumps)) == _expected(given)


def test_a_fallback_that_adds_frames_to_the_list_does_not_put_them_in_this_batch():
    # frames added during the call have no time in the formatted list: reading one for them would run
    # past its end
    items = [{"k": "gap"}, (0.2, 1, '{"b":2}')]
    given = list(items)

    def growing(item):
        items.extend((9.0 + i, 1, '{"late":1}') for i in range(50))
        return _fallback(item)

    assert _lines(encode_lines(items, growing, orjson.dumps)) == _expected(given)


@pytest.mark.parametrize("answer", [b"[]", b"[1.0]", b"", b"[", b"1"])
def test_times_formatted_short_of_the_frames_are_an_error_not_a_read_past_them(answer):
    items = [(0.1, 1, '{"a":1}'), (0.2, 1, '{"b":2}')]
    with pytest.raises(ValueError, match="dumps gave"):
        encode_lines(items, _fallback, lambda times: answer)


def test_a_fallback_giving_no_text_is_a_type_error():
    with pytest.raises(TypeError):
        encode_lines([{"k": "gap"}], lambda item: b"bytes", orjson.dumps)


def test_an_error_of_the_fallback_reaches_the_caller_and_the_next_batch_is_whole():
    def failing(item):
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        encode_lines([(0.1, 1, "{}"), {"k": "gap"}], failing, orjson.dumps)
    items = [(0.1, 1, '{"a":1}'), (0.2, 1, '{"b":2}')]
    assert _lines(encode_lines(items, _fallback, orjson.dumps)) == _expected(items)
