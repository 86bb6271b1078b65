"""exchanges/kraken/_kraken_book: the C scanner of WS v2 book updates agrees with orjson or steps aside.

Differential: seeded frames in every shape Kraken's JSON may take (key order,
whitespace, exponents, trailing zeros, integers, more decimals than the
pair's precision) and hostile variants give, scanned and decoded, the same
rows, the same book after ``apply_diffs`` (truncated to depth 10), the same
checksum verdict; through the data source, a text frame reaches the
tracker's sink exactly as the decoded frame does (or raises the same error).
"""
import random
import zlib

import orjson
import pytest

from hummingbot_conn.core.book_checksum import BookChecksum, ChecksumStyle
from hummingbot_conn.core.order_book import OrderBook
from hummingbot_conn.exchanges.kraken import KrakenAPIOrderBookDataSource, KrakenEndpoints
from hummingbot_conn.exchanges.kraken._kraken_book import parse_book_update
from hummingbot_conn.exchanges.kraken.pairs import KrakenPairs

ASSET_PAIRS = {"XXBTZUSD": {"altname": "XBTUSD", "wsname": "BTC/USD", "base": "XXBT", "quote": "ZUSD",
                            "pair_decimals": 1, "lot_decimals": 8, "ordermin": "0.0001", "costmin": "0.5",
                            "tick_size": "0.1", "status": "online"}}
UPDATE = ('{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":45283.5,"qty":0.1}],'
          '"asks":[{"price":45285.2,"qty":0.0},{"price":45286.4,"qty":1.54571953}],"checksum":3310070434,'
          '"timestamp":"2023-10-06T17:35:55.440295Z"}]}')


def _decoded_rows(levels):
    return [(float(level["price"]), float(level["qty"])) for level in levels]


def _scanned_rows(rows):
    return [tuple(row) for row in (rows.tolist() if hasattr(rows, "tolist") else rows)]


# ------------------------------------------------------------ seeded frames

def _number(rng, units, decimals, extra):
    """A JSON number for ``units / 10**decimals`` in one of the ways a JSON writer may put it."""
    value = units / 10 ** decimals
    style = rng.randrange(6)
    if style == 0:
        return repr(value)
    if style == 1:
        return f"{value:.{decimals}f}"                      # trailing zeros
    if style == 2:
        return f"{value:.{decimals + 6}e}"                  # an exponent
    if style == 3 and units % 10 ** decimals == 0:
        return str(units // 10 ** decimals)                 # a plain integer
    if style == 4 and extra:
        return f"{value:.{decimals}f}{rng.randint(1, 99)}"   # more decimals than the pair's precision
    return repr(value)


def _ws(rng):
    return rng.choice(("", "", "", " ", "\n ", "\t"))


def _object(rng, members):
    if rng.random() < 0.3:
        members = members[:]
        rng.shuffle(members)
    body = ",".join(f'{_ws(rng)}"{key}"{_ws(rng)}:{_ws(rng)}{value}{_ws(rng)}' for key, value in members)
    return "{" + body + "}"


def _side(rng, levels, extra):
    return "[" + ",".join(_object(rng, [("price", _number(rng, p, 1, extra)), ("qty", _number(rng, q, 8, extra))])
                          for p, q in levels) + "]"


def seeded_frames(seed, count, extra=True):
    """(text, fast) pairs: ``fast`` frames must be scanned (the others may step aside)."""
    rng = random.Random(seed)
    frames = []
    for _ in range(count):
        bids = [(rng.randint(452_700, 452_830), rng.choice((0, rng.randint(1, 500_000_000)))) for _ in range(
            rng.randint(0, 12))]
        asks = [(rng.randint(452_831, 452_960), rng.choice((0, rng.randint(1, 500_000_000)))) for _ in range(
            rng.randint(0, 12))]
        checksum = rng.choice((0, rng.randint(0, 2 ** 32 - 1)))
        entry = [("symbol", '"BTC/USD"'), ("checksum", str(checksum))]
        if bids or rng.random() < 0.5:
            entry.append(("bids", _side(rng, bids, extra)))
        if asks or rng.random() < 0.5:
            entry.append(("asks", _side(rng, asks, extra)))
        if rng.random() < 0.7:
            entry.append(("timestamp", '"2026-12-07T04:00:00.000000Z"'))
        text = _ws(rng) + _object(rng, [("channel", '"book"'), ("type", '"update"'),
                                        ("data", "[" + _ws(rng) + _object(rng, entry) + _ws(rng) + "]")]) + _ws(rng)
        frames.append(text)
    return frames


def hostile_frames():
    base = UPDATE
    big = ('{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":['
           + ",".join(f'{{"price":{40000 + i / 10},"qty":1.5}}' for i in range(5000))
           + '],"asks":[],"checksum":1}]}')
    return [
        base.replace("45283.5", "NaN"), base.replace("45283.5", "Infinity"), base.replace("45283.5", "-Infinity"),
        base.replace("45283.5", "1e400"), base.replace("0.1}", "1e-400}"), base.replace("45283.5", "-45283.5"),
        base.replace("45283.5", "45283.54321"), base.replace("0.1}", "0.123456789012}"),
        base.replace("45283.5", "1234567890123456"), base.replace("45283.5", "123456789012345"),
        base.replace("45283.5", "045283.5"), base.replace("45283.5", "45283."), base.replace("45283.5", ".5"),
        base.replace("45283.5", '"45283.5"'), base.replace("45283.5", "null"), base.replace("45283.5", "true"),
        base.replace("45283.5", "[45283.5]"), base.replace('"qty":0.1', '"qty":0.1,"x":1'),
        base.replace('"qty":0.1', '"qty":0.1,"qty":0.2'), base.replace('{"price":45283.5,"qty":0.1}', '{}'),
        base.replace('{"price":45283.5,"qty":0.1}', '{"price":45283.5}'),
        base.replace("3310070434", "3310070434.0"), base.replace("3310070434", '"3310070434"'),
        base.replace("3310070434", "-1"), base.replace("3310070434", str(2 ** 64)),
        base.replace("3310070434", str(2 ** 63)), base.replace("3310070434", "null"),
        base.replace("3310070434", "0"), base.replace('"checksum":3310070434,', ""),
        base.replace('"symbol":"BTC/USD",', ""), base.replace('"BTC/USD"', '""'),
        base.replace('"BTC/USD"', '"ETH/USD"'), base.replace('"BTC/USD"', '"BTC\\/USD"'),
        base.replace('"BTC/USD"', '"BTC/USDÇ"'), base.replace('"BTC/USD"', "7"),
        base.replace('"type":"update"', '"type":"snapshot"'), base.replace('"type":"update"', '"type":"other"'),
        base.replace('"channel":"book"', '"channel":"trade"'), base.replace('"channel":"book",', ""),
        base.replace('"type":"update",', ""), base.replace('"data":[{', '"data":{').replace("}]}", "}}"),
        base.replace("}]}", "},{\"symbol\":\"BTC/USD\",\"checksum\":1}]}"), base.replace('"channel":"book"',
                                                                                     '"channel":"book","x":1'),
        base.replace('"timestamp":"2023-10-06T17:35:55.440295Z"', '"timestamp":{"t":1}'),
        base.replace('"checksum":3310070434', '"checksum":1,"checksum":3310070434'),
        base.replace('"bids":[', '"bids":[],"bids":['), base.replace('"bids":[', '"bids":7,"x":['),
        base[:-1], base + "x", base + "}", "", "{}", "[]", "null", "book", '{"channel":"book"',
        '{"method":"subscribe","success":true,"result":{"channel":"book","symbol":"BTC/USD"}}',
        '{"channel":"heartbeat"}', big,
    ]


def test_the_documented_shape_scans_to_the_decoded_rows():
    symbol, bids, asks, checksum = parse_book_update(UPDATE)
    assert (symbol, checksum) == ("BTC/USD", 3310070434)
    assert _scanned_rows(bids) == [(45283.5, 0.1)] and _scanned_rows(asks) == [(45285.2, 0.0), (45286.4, 1.54571953)]
    assert parse_book_update(UPDATE.encode())[0] == "BTC/USD"
    assert parse_book_update(None) is None and parse_book_update(bytearray(UPDATE.encode())) is None


@pytest.mark.parametrize("seed", range(8))
def test_seeded_frames_scan_to_the_same_rows_book_and_checksum_verdict(seed):
    frames = seeded_frames(seed, 150)
    scanned_book, decoded_book = OrderBook(depth_limit=10), OrderBook(depth_limit=10)
    snapshot = ([(45283.0 - i / 10, 1.0) for i in range(10)], [(45284.0 + i / 10, 1.0) for i in range(10)])
    scanned_book.apply_snapshot(*snapshot, 1)
    decoded_book.apply_snapshot(*snapshot, 1)
    checksum = BookChecksum(ChecksumStyle.KRAKEN, 1, 8)
    for uid, text in enumerate(frames, start=2):
        entry = orjson.loads(text)["data"][0]
        parsed = parse_book_update(text)
        assert parsed is not None, text
        symbol, bids, asks, expected = parsed
        assert (symbol, expected) == (entry["symbol"], entry["checksum"])
        assert _scanned_rows(bids) == _decoded_rows(entry.get("bids", ())), text
        assert _scanned_rows(asks) == _decoded_rows(entry.get("asks", ())), text
        outcomes = []
        for book, rows in ((scanned_book, (bids, asks)),
                           (decoded_book, ([(x["price"], x["qty"]) for x in entry.get("bids", ())],
                                           [(x["price"], x["qty"]) for x in entry.get("asks", ())]))):
            try:
                result = book.apply_diffs(*rows, uid, uid)
                verdict = checksum.matches(book, expected)
            except (ValueError, TypeError, OverflowError) as exc:
                result, verdict = type(exc), None
            outcomes.append((result, verdict, book.bid_entries(), book.ask_entries()))
        assert outcomes[0][:2] == outcomes[1][:2], text
        assert [(r.price, r.amount) for r in outcomes[0][2]] == [(r.price, r.amount) for r in outcomes[1][2]]
        assert [(r.price, r.amount) for r in outcomes[0][3]] == [(r.price, r.amount) for r in outcomes[1][3]]


@pytest.mark.parametrize("text", hostile_frames()[:-1])
def test_hostile_frames_are_scanned_exactly_or_step_aside(text):
    parsed = parse_book_update(text)
    if parsed is None:
        return          # the general path (orjson) serves it: the source tests below compare that
    entry = orjson.loads(text)["data"][0]
    assert _scanned_rows(parsed[1]) == _decoded_rows(entry.get("bids", ()))
    assert _scanned_rows(parsed[2]) == _decoded_rows(entry.get("asks", ()))
    assert parsed[3] == entry["checksum"] and type(entry["checksum"]) is int


@pytest.mark.parametrize("text", ["NaN", "Infinity", "1e400", '"45283.5"', "null", "1234567890123456"])
def test_numbers_a_decoder_would_refuse_or_type_differently_step_aside(text):
    assert parse_book_update(UPDATE.replace("45283.5", text)) is None


# ------------------------------------------------------------ through the data source

class Sink:
    def __init__(self):
        self.calls = []

    def on_snapshot(self, pair, bids, asks, update_id, received_at, checksum=None):
        self.calls.append(("snapshot", pair, _plain(bids), _plain(asks), update_id, received_at, checksum))

    def on_diff(self, pair, bids, asks, update_id, first_update_id, received_at, prev_update_id=-1, checksum=None):
        self.calls.append(("diff", pair, _plain(bids), _plain(asks), update_id, first_update_id, received_at,
                           prev_update_id, checksum, type(checksum)))

    def on_trade(self, trade):
        self.calls.append(("trade", trade))

    def on_subscribed(self, pairs):
        self.calls.append(("subscribed", list(pairs)))


def _plain(rows):
    return [(float(p), float(q)) for p, q in (rows.tolist() if hasattr(rows, "tolist") else rows)]


def _source():
    src = KrakenAPIOrderBookDataSource(["BTC-USD"], domain=KrakenEndpoints.local("127.0.0.1:1"))
    src._pairs = KrakenPairs(ASSET_PAIRS)
    sink = Sink()
    src.attach(sink)
    return src, sink


def _outcome(src, sink, data):
    try:
        src._process_frame(data, 7.0, None)
    except Exception as exc:    # noqa: BLE001 - the kind of error is what is compared
        return "raised", type(exc)
    return "calls", sink.calls[:]


@pytest.mark.parametrize("frames", [seeded_frames(100, 100), hostile_frames()], ids=["seeded", "hostile"])
def test_a_text_frame_reaches_the_sink_as_the_decoded_frame_does(frames):
    for text in frames:
        text_source, text_sink = _source()
        dict_source, dict_sink = _source()
        try:
            decoded = orjson.loads(text)
        except orjson.JSONDecodeError:
            decoded = text      # what the connection handed over when it decoded: the raw text
        got = _outcome(text_source, text_sink, text)
        want = _outcome(dict_source, dict_sink, decoded)
        assert got == want, text
        if isinstance(decoded, dict) and decoded.get("channel") == "book":
            assert text_sink.calls or got[0] == "raised", text     # never dropped silently


def test_a_recognised_update_skips_the_decoder(monkeypatch):
    src, sink = _source()
    import hummingbot_conn.exchanges.kraken.order_book_data_source as module

    def no_decoder(_):
        raise AssertionError("the scanner's frame was decoded")
    monkeypatch.setattr(module.orjson, "loads", no_decoder)
    src._process_frame(UPDATE, 1.0, None)
    assert sink.calls == [("diff", "BTC-USD", [(45283.5, 0.1)], [(45285.2, 0.0), (45286.4, 1.54571953)], 0, -1,
                           1.0, -1, 3310070434, int)]


# ------------------------------------------------------------ the checksum's level cache

def _reference(book, levels=10):
    def text(price, qty):
        return (str(round(price * 10)) if price else "") + (str(round(qty * 1e8)) if qty else "")
    asks = [(r.price, r.amount) for r in book.ask_entries()][:levels]
    bids = [(r.price, r.amount) for r in book.bid_entries()][:levels]
    return zlib.crc32("".join(text(p, q) for p, q in asks + bids).encode())


@pytest.mark.parametrize("seed", range(3))
def test_the_checksum_stays_exact_as_levels_come_go_and_collide_in_its_cache(seed):
    rng = random.Random(seed)
    book = OrderBook(depth_limit=10)
    checksum = BookChecksum(ChecksumStyle.KRAKEN, 1, 8)
    book.apply_snapshot([(45283.0 - i / 10, 1.0) for i in range(10)], [(45284.0 + i / 10, 1.0) for i in range(10)], 1)
    for uid in range(2, 2000):
        # a narrow band of prices and sizes: the same (price, size) levels come back (cache hits),
        # and thousands of distinct ones overwrite each other's slots
        bids = [(rng.randint(452_700, 452_830) / 10, rng.choice((0, rng.randint(1, 40)) if uid % 2 else
                                                                (0, rng.randint(1, 10 ** 9))) / 1e8)
                for _ in range(rng.randint(0, 3))]
        asks = [(rng.randint(452_840, 452_970) / 10, rng.choice((0, rng.randint(1, 40))) / 1e8)
                for _ in range(rng.randint(0, 3))]
        book.apply_diffs(bids, asks, uid)
        assert checksum.compute(book) == _reference(book)
        assert checksum.matches(book, _reference(book)) and not checksum.matches(book, _reference(book) ^ 1)


# a string is read eight bytes at a time (core/_json_scan.pxd): the byte that ends it may sit at any
# place of a word, and the frame may end inside one
_SPECIALS = ['"', "\\", "\x01", "\x1f", "\x7f", "\u00e9"]


@pytest.mark.parametrize("special", _SPECIALS, ids=repr)
@pytest.mark.parametrize("as_bytes", [False, True], ids=["str", "bytes"])
def test_a_special_byte_at_any_place_of_a_string_is_seen(special, as_bytes):
    stamp = "2023-10-06T17:35:55.440295Z"
    for at in range(len(stamp) + 1):
        changed = stamp[:at] + special + stamp[at:]
        if special in '"\\':
            changed = stamp[:at] + "\\" + special + stamp[at:]     # escaped: valid JSON, a decoder reads it
        text = UPDATE.replace(stamp, changed)
        frame = text.encode() if as_bytes else text
        parsed = parse_book_update(frame)
        if special in '"\\' or special == "\u00e9":
            assert parsed is None, (special, at)    # escapes and non-ASCII step aside, never misread
            orjson.loads(frame)                     # and the decoder reads them
        elif special == "\x7f":
            assert parsed is not None and parsed[3] == 3310070434   # DEL is a plain JSON character
        else:
            assert parsed is None, (special, at)    # a control byte: invalid JSON, the decoder refuses it
            with pytest.raises(orjson.JSONDecodeError):
                orjson.loads(frame)


@pytest.mark.parametrize("as_bytes", [False, True], ids=["str", "bytes"])
def test_a_frame_cut_anywhere_steps_aside(as_bytes):
    for end in range(len(UPDATE)):
        frame = UPDATE[:end].encode() if as_bytes else UPDATE[:end]
        assert parse_book_update(frame) is None, end
