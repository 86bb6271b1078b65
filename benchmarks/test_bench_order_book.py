"""Order book benchmarks: hbconn's compiled OrderBook beside its peers, in one run.

Workload (deterministic, seed 20261121): a 1000 + 1000 level book around
30000.00 with tick 0.01; diffs land mostly near the top (offset from the
touch ~ exponential, mean ~7 ticks), a quarter of them delete a level.  Every
diff carries a strictly increasing update id, so no row ever measures the
cheap "stale diff" path by accident.  Bids stay below 30000.00 and asks at or
above it, so no diff crosses the book and the state after any number of
passes over the diff list is the same: each side checks it.

Peers: hummingbot's OrderBook (built from its sdist into benchmarks/.peers),
``order-book`` from PyPI (the C book cryptofeed uses), and a sortedcontainers
book written the obvious way.  Cheap operations are timed in batches of
``OPS`` and reported per operation.  Each group is one test whose
implementations are timed interleaved (benchmarks/interleave.py): every round
runs a batch of each, in a shuffled order, so a ratio compares the two sides
under the same load.

Fairness: every implementation starts from the same input, the decoded
message as it comes off the wire (rows of [price, amount]), and does what
its own API needs with it, in the way its documentation shows: hbconn takes
the rows as they are; hummingbot needs OrderBookRow objects (exactly what
its OrderBookMessage.bids / .asks build); order-book and sortedcontainers
loop over the rows and set or delete keys.  Nothing an API requires is
prebuilt outside the timed region.
"""
import itertools
import math
import random

import orjson
import pytest
from sortedcontainers import SortedDict

from hummingbot_conn.core.order_book import DiffResult, OrderBook

SEED = 20261121
MID = 30000.00
TICK = 0.01
DEPTH = 1000
OPS = 1000


def _rng():
    return random.Random(SEED)


def _amount(rng):
    return f"{rng.uniform(0.001, 5):.{rng.choice((3, 5, 8))}f}"


def _snapshot_strings():
    rng = _rng()
    bids = [[f"{MID - TICK * (i + 1):.2f}", _amount(rng)] for i in range(DEPTH)]
    asks = [[f"{MID + TICK * i:.2f}", _amount(rng)] for i in range(DEPTH)]
    return bids, asks


def _floats(rows):
    return [(float(p), float(a)) for p, a in rows]


def _near_top_price(rng, is_bid):
    offset = min(int(rng.expovariate(1 / 7)), DEPTH + 50)
    return f"{MID - TICK * (offset + 1):.2f}" if is_bid else f"{MID + TICK * offset:.2f}"


def _single_diffs():
    """OPS single-level diffs: (is_bid, price str, amount str)."""
    rng = random.Random(SEED + 1)
    out = []
    for _ in range(OPS):
        is_bid = rng.random() < 0.5
        amount = "0.00000000" if rng.random() < 0.25 else _amount(rng)
        out.append((is_bid, _near_top_price(rng, is_bid), amount))
    return out


def _depth_messages(n_messages=100):
    """Binance-style depthUpdate payloads with 10 bid and 10 ask rows, JSON-decoded."""
    rng = random.Random(SEED + 2)
    out = []
    for _ in range(n_messages):
        msg = {"e": "depthUpdate", "b": [], "a": []}
        for key, is_bid in (("b", True), ("a", False)):
            for _ in range(10):
                amount = "0.00000000" if rng.random() < 0.25 else _amount(rng)
                msg[key].append([_near_top_price(rng, is_bid), amount])
        out.append(orjson.loads(orjson.dumps(msg)))
    return out


SNAP_BIDS, SNAP_ASKS = _snapshot_strings()
SINGLE = _single_diffs()
MESSAGES = _depth_messages()


# ---------------------------------------------------------------- expected state

class ReferenceBook:
    """The sortedcontainers peer: float price -> amount, written the obvious way."""

    def __init__(self, bids, asks):
        self.bids = SortedDict({p: a for p, a in bids if a})
        self.asks = SortedDict({p: a for p, a in asks if a})

    def set(self, is_bid, price, amount):
        side = self.bids if is_bid else self.asks
        if amount:
            side[price] = amount
        else:
            side.pop(price, None)

    def best(self):
        return self.bids.peekitem(-1)[0], self.asks.peekitem(0)[0]

    def levels(self):
        return list(reversed(self.bids.items())), list(self.asks.items())


def _expected_after(diff_rows):
    ref = ReferenceBook(_floats(SNAP_BIDS), _floats(SNAP_ASKS))
    for is_bid, price, amount in diff_rows:
        ref.set(is_bid, float(price), float(amount))
    return ref.levels()


EXPECTED_SINGLE = _expected_after(SINGLE)
EXPECTED_MESSAGES = _expected_after([(True, p, a) for m in MESSAGES for p, a in m["b"]]
                                    + [(False, p, a) for m in MESSAGES for p, a in m["a"]])


def _hbconn_levels(book):
    return ([(r.price, r.amount) for r in book.bid_entries()], [(r.price, r.amount) for r in book.ask_entries()])


def _hbconn_book():
    book = OrderBook()
    book.apply_snapshot(SNAP_BIDS, SNAP_ASKS, 1)
    return book


def _ids(start=2):
    """Strictly increasing update ids across every call of a side."""
    counter = itertools.count(start, OPS)
    return lambda: range(next(counter), 10**15)


# ---------------------------------------------------------------- peers and the groups' test shape
#
# One test per group: its sides (ours, the peers, the pure-Python baselines)
# are timed interleaved by the ``interleave`` fixture (benchmarks/interleave.py).
# ``peers`` is None when peers are off (the default smoke pass): the peer
# sides are then left out and ours and the baselines still run once.

def _peer_books(peers):
    """(hummingbot's OrderBook, its OrderBookRow, the order-book C book) or None when peers are off."""
    if peers is None:
        return None
    return (peers("hummingbot.core.data_type.order_book").OrderBook,
            peers("hummingbot.core.data_type.order_book_row").OrderBookRow,
            peers("order_book").OrderBook)


def _hb_book(HbOrderBook, Row):
    book = HbOrderBook()
    book.apply_snapshot([Row(p, a, 1) for p, a in _floats(SNAP_BIDS)], [Row(p, a, 1) for p, a in _floats(SNAP_ASKS)], 1)
    return book


def _hb_levels(book):
    return ([(r.price, r.amount) for r in book.bid_entries()], [(r.price, r.amount) for r in book.ask_entries()])


def _ob_book(PypiOrderBook):
    book = PypiOrderBook()
    for p, a in _floats(SNAP_BIDS):
        book.bids[p] = a
    for p, a in _floats(SNAP_ASKS):
        book.asks[p] = a
    return book


def _ob_levels(book):
    return ([(p, book.bids[p]) for p in book.bids], [(p, book.asks[p]) for p in book.asks])


def _run_group(interleave, group, ours, baselines, peer_sides, rounds=150, **targets):
    sides = [ours, *baselines, *(peer_sides or ())]
    interleave.run(f"order book: {group}", sides, rounds=rounds, targets=targets)


# ---------------------------------------------------------------- 1. single-level diff
#
# Every implementation starts from the same input: the decoded diff message
# (bid rows, ask rows) with one [price, amount] row of floats, as a JSON
# decoder hands it over for a venue that sends numbers.  Each then does what
# its own API needs: hbconn takes the rows as they are, hummingbot needs
# OrderBookRow objects (what its OrderBookMessage.bids / .asks build), the
# dict-like books loop over the rows and set or delete.

def _float_messages():
    return [(([[float(p), float(a)]], []) if is_bid else ([], [[float(p), float(a)]])) for is_bid, p, a in SINGLE]


def _dict_apply(bids_side, asks_side, bids, asks):
    for price, amount in bids:
        if amount:
            bids_side[price] = amount
        elif price in bids_side:
            del bids_side[price]
    for price, amount in asks:
        if amount:
            asks_side[price] = amount
        elif price in asks_side:
            del asks_side[price]


def _single_hbconn(Side):
    book = _hbconn_book()
    messages = _float_messages()
    ids = _ids()

    def run():
        for (bids, asks), uid in zip(messages, ids()):
            book.apply_diffs(bids, asks, uid)

    def check():
        assert book.last_diff_uid % OPS == 1 and book.is_synced
        assert _hbconn_levels(book) == EXPECTED_SINGLE

    return Side("hbconn", run, ops=OPS, check=check)


def _single_hummingbot(Side, HbOrderBook, Row):
    book = _hb_book(HbOrderBook, Row)
    messages = _float_messages()
    ids = _ids()

    def run():
        for (bids, asks), uid in zip(messages, ids()):
            book.apply_diffs([Row(p, a, uid) for p, a in bids], [Row(p, a, uid) for p, a in asks], uid)

    return Side("hummingbot", run, ops=OPS, check=lambda: _check(_hb_levels(book), EXPECTED_SINGLE))


def _single_dict(Side, impl, book, levels):
    messages = _float_messages()

    def run():
        for bids, asks in messages:
            _dict_apply(book.bids, book.asks, bids, asks)

    return Side(impl, run, ops=OPS, check=lambda: _check(levels(), EXPECTED_SINGLE))


def _check(got, expected):
    assert got == expected


def test_single_diff(interleave, peers):
    Side = interleave.Side
    ref = ReferenceBook(_floats(SNAP_BIDS), _floats(SNAP_ASKS))
    peer_sides = None
    if (books := _peer_books(peers)) is not None:
        HbOrderBook, Row, PypiOrderBook = books
        ob = _ob_book(PypiOrderBook)
        peer_sides = [_single_hummingbot(Side, HbOrderBook, Row),
                      _single_dict(Side, "order_book", ob, lambda: _ob_levels(ob))]
    _run_group(interleave, "single-level diff", _single_hbconn(Side),
               [_single_dict(Side, "sortedcontainers", ref, ref.levels)], peer_sides, hummingbot=8.0, order_book=1.5)


# ---------------------------------------------------------------- 2. diff then best bid/ask

BEST_AFTER_SINGLE = (EXPECTED_SINGLE[0][0][0], EXPECTED_SINGLE[1][0][0])


def _diff_then_best_hbconn(Side):
    book = _hbconn_book()
    messages = _float_messages()
    ids = _ids()
    seen = []

    def run():
        for (bids, asks), uid in zip(messages, ids()):
            book.apply_diffs(bids, asks, uid)
            bid = book.best_bid
            ask = book.best_ask
        seen.append((bid, ask))

    return Side("hbconn", run, ops=OPS, check=lambda: _check(seen[-1], BEST_AFTER_SINGLE))


def _diff_then_best_hummingbot(Side, HbOrderBook, Row):
    book = _hb_book(HbOrderBook, Row)
    messages = _float_messages()
    ids = _ids()
    seen = []

    def run():
        for (bids, asks), uid in zip(messages, ids()):
            book.apply_diffs([Row(p, a, uid) for p, a in bids], [Row(p, a, uid) for p, a in asks], uid)
            bid = book.get_price(False)
            ask = book.get_price(True)
        seen.append((bid, ask))

    return Side("hummingbot", run, ops=OPS, check=lambda: _check(seen[-1], BEST_AFTER_SINGLE))


def _diff_then_best_order_book(Side, PypiOrderBook):
    book = _ob_book(PypiOrderBook)
    messages = _float_messages()
    seen = []

    def run():
        for bids, asks in messages:
            _dict_apply(book.bids, book.asks, bids, asks)
            bid = book.bids.index(0)
            ask = book.asks.index(0)
        seen.append((bid[0], ask[0]))

    return Side("order_book", run, ops=OPS, check=lambda: _check(seen[-1], BEST_AFTER_SINGLE))


def _diff_then_best_sortedcontainers(Side):
    ref = ReferenceBook(_floats(SNAP_BIDS), _floats(SNAP_ASKS))
    messages = _float_messages()
    seen = []

    def run():
        for bids, asks in messages:
            _dict_apply(ref.bids, ref.asks, bids, asks)
            bid = ref.bids.peekitem(-1)
            ask = ref.asks.peekitem(0)
        seen.append((bid[0], ask[0]))

    return Side("sortedcontainers", run, ops=OPS, check=lambda: _check(seen[-1], BEST_AFTER_SINGLE))


def test_diff_then_best(interleave, peers):
    Side = interleave.Side
    peer_sides = None
    if (books := _peer_books(peers)) is not None:
        HbOrderBook, Row, PypiOrderBook = books
        peer_sides = [_diff_then_best_hummingbot(Side, HbOrderBook, Row),
                      _diff_then_best_order_book(Side, PypiOrderBook)]
    _run_group(interleave, "diff then best bid/ask", _diff_then_best_hbconn(Side),
               [_diff_then_best_sortedcontainers(Side)], peer_sides, hummingbot=5.0, order_book=10.0)


# ---------------------------------------------------------------- 3. 10-level diff from JSON strings

N_MSG = len(MESSAGES)


def _json_hbconn(Side):
    book = _hbconn_book()
    counter = itertools.count(2, N_MSG)
    results = []

    def run():
        first = next(counter)
        for msg, uid in zip(MESSAGES, range(first, first + N_MSG)):
            result = book.apply_diffs(msg["b"], msg["a"], uid, uid)
        results.append(result)

    def check():
        assert results[-1] is DiffResult.APPLIED and book.is_synced
        assert _hbconn_levels(book) == EXPECTED_MESSAGES

    return Side("hbconn", run, ops=N_MSG, check=check)


def _json_hummingbot(Side, HbOrderBook, Row):
    book = _hb_book(HbOrderBook, Row)
    counter = itertools.count(2, N_MSG)

    def run():
        first = next(counter)
        for msg, uid in zip(MESSAGES, range(first, first + N_MSG)):
            # what hummingbot's OrderBookMessage.bids / .asks do
            book.apply_diffs([Row(float(p), float(a), uid) for p, a in msg["b"]],
                             [Row(float(p), float(a), uid) for p, a in msg["a"]], uid)

    return Side("hummingbot", run, ops=N_MSG, check=lambda: _check(_hb_levels(book), EXPECTED_MESSAGES))


def _json_order_book(Side, PypiOrderBook):
    book = _ob_book(PypiOrderBook)

    def run():
        for msg in MESSAGES:
            bids_side, asks_side = book.bids, book.asks
            for p, a in msg["b"]:
                price, amount = float(p), float(a)
                if amount:
                    bids_side[price] = amount
                elif price in bids_side:
                    del bids_side[price]
            for p, a in msg["a"]:
                price, amount = float(p), float(a)
                if amount:
                    asks_side[price] = amount
                elif price in asks_side:
                    del asks_side[price]

    return Side("order_book", run, ops=N_MSG, check=lambda: _check(_ob_levels(book), EXPECTED_MESSAGES))


def _json_float_only(Side):
    """The floor a Python book cannot beat: only calling float() on the 40 strings."""
    total = []

    def run():
        acc = 0.0
        for msg in MESSAGES:
            for p, a in msg["b"]:
                acc += float(p) + float(a)
            for p, a in msg["a"]:
                acc += float(p) + float(a)
        total.append(acc)

    def check():
        assert total[-1] > 0

    return Side("pure_python", run, ops=N_MSG, check=check)


def _json_sortedcontainers(Side):
    ref = ReferenceBook(_floats(SNAP_BIDS), _floats(SNAP_ASKS))

    def run():
        for msg in MESSAGES:
            for p, a in msg["b"]:
                ref.set(True, float(p), float(a))
            for p, a in msg["a"]:
                ref.set(False, float(p), float(a))

    return Side("sortedcontainers", run, ops=N_MSG, check=lambda: _check(ref.levels(), EXPECTED_MESSAGES))


def test_json_diff(interleave, peers):
    Side = interleave.Side
    peer_sides = None
    if (books := _peer_books(peers)) is not None:
        HbOrderBook, Row, PypiOrderBook = books
        peer_sides = [_json_hummingbot(Side, HbOrderBook, Row), _json_order_book(Side, PypiOrderBook)]
    _run_group(interleave, "10-level diff from JSON strings", _json_hbconn(Side),
               [_json_float_only(Side), _json_sortedcontainers(Side)], peer_sides,
               hummingbot=15.0, order_book=4.0, pure_python=1.0)


# ---------------------------------------------------------------- 4. snapshot 1000x2
#
# hbconn starts from the REST answer's decimal strings; the peers start from
# the same levels already as floats (the "hummingbot from floats") and
# do what their API needs: OrderBookRow objects for hummingbot (what its
# OrderBookMessage.bids / .asks build), dicts for the dict-like books.

SNAP_LEVELS = ([(float(p), float(a)) for p, a in SNAP_BIDS], [(float(p), float(a)) for p, a in SNAP_ASKS])


def _snapshot_hbconn_from_strings(Side):
    book = OrderBook()
    ids = itertools.count(1)
    return Side("hbconn", lambda: book.apply_snapshot(SNAP_BIDS, SNAP_ASKS, next(ids)),
                check=lambda: _check(_hbconn_levels(book), SNAP_LEVELS))


def _snapshot_hummingbot_from_floats(Side, HbOrderBook, Row):
    book = HbOrderBook()
    bids, asks = SNAP_LEVELS
    ids = itertools.count(1)

    def run():
        uid = next(ids)
        book.apply_snapshot([Row(p, a, uid) for p, a in bids], [Row(p, a, uid) for p, a in asks], uid)

    return Side("hummingbot", run, check=lambda: _check(_hb_levels(book), SNAP_LEVELS))


def _snapshot_order_book_from_floats(Side, PypiOrderBook):
    book = PypiOrderBook()
    bids, asks = SNAP_LEVELS

    def run():
        book.bids = dict(bids)
        book.asks = dict(asks)
        # order-book sorts lazily on the first read: a snapshot is usable once read
        book.bids.index(0)
        book.asks.index(0)

    return Side("order_book", run, check=lambda: _check(_ob_levels(book), SNAP_LEVELS))


def _snapshot_sortedcontainers_from_floats(Side):
    bids, asks = SNAP_LEVELS
    out = []
    return Side("sortedcontainers", lambda: out.append(ReferenceBook(bids, asks)),
                check=lambda: _check(out[-1].levels(), SNAP_LEVELS))


def test_snapshot(interleave, peers):
    Side = interleave.Side
    peer_sides = None
    if (books := _peer_books(peers)) is not None:
        HbOrderBook, Row, PypiOrderBook = books
        peer_sides = [_snapshot_hummingbot_from_floats(Side, HbOrderBook, Row),
                      _snapshot_order_book_from_floats(Side, PypiOrderBook)]
    _run_group(interleave, "snapshot 1000x2", _snapshot_hbconn_from_strings(Side),
               [_snapshot_sortedcontainers_from_floats(Side)], peer_sides, hummingbot=10.0)


# ---------------------------------------------------------------- 5. best bid/ask

BEST_LOOPS = 100       # x 10 reads each


def _best_hbconn(Side):
    book = _hbconn_book()
    out = []

    def run():
        b = book
        for _ in range(BEST_LOOPS):
            b.best_bid; b.best_ask; b.best_bid; b.best_ask; b.best_bid
            b.best_ask; b.best_bid; b.best_ask; b.best_bid; x = b.best_ask
        out.append(x)

    return Side("hbconn", run, ops=BEST_LOOPS * 10, check=lambda: _check(out[-1], float(SNAP_ASKS[0][0])))


def _get_price_side(Side, impl, book):
    out = []

    def run():
        b = book
        for _ in range(BEST_LOOPS):
            b.get_price(False); b.get_price(True); b.get_price(False); b.get_price(True); b.get_price(False)
            b.get_price(True); b.get_price(False); b.get_price(True); b.get_price(False); x = b.get_price(True)
        out.append(x)

    return Side(impl, run, ops=BEST_LOOPS * 10, check=lambda: _check(out[-1], float(SNAP_ASKS[0][0])))


def _best_empty_call(Side):
    """The floor: a C method call that does nothing (``float.is_integer``:
    METH_NOARGS on a built-in type, returns a cached bool, allocates nothing),
    called exactly the way the rows above read the best price."""
    value = 30000.0
    out = []

    def run():
        b = value
        for _ in range(BEST_LOOPS):
            b.is_integer(); b.is_integer(); b.is_integer(); b.is_integer(); b.is_integer()
            b.is_integer(); b.is_integer(); b.is_integer(); b.is_integer(); x = b.is_integer()
        out.append(x)

    def check():
        assert out[-1] is True

    return Side("empty_call", run, ops=BEST_LOOPS * 10, check=check)


def test_best(interleave, peers):
    Side = interleave.Side
    peer_sides = None
    if (books := _peer_books(peers)) is not None:
        peer_sides = [_get_price_side(Side, "hummingbot", _hb_book(*books[:2]))]
    _run_group(interleave, "best bid/ask", _best_hbconn(Side), [_best_empty_call(Side)], peer_sides,
               empty_call=1 / 1.5)


def test_get_price(interleave, peers):
    Side = interleave.Side
    peer_sides = None
    if (books := _peer_books(peers)) is not None:
        peer_sides = [_get_price_side(Side, "hummingbot", _hb_book(*books[:2]))]
    _run_group(interleave, "get_price(is_buy)", _get_price_side(Side, "hbconn", _hbconn_book()), [], peer_sides)


# ---------------------------------------------------------------- 6./7. depth queries over 50 levels

QUERY_LOOPS = 100
ASK_LEVELS = _floats(SNAP_ASKS)
VOLUME_50 = sum(a for _, a in ASK_LEVELS[:49]) + ASK_LEVELS[49][1] / 2     # ends inside level 50
PRICE_50 = ASK_LEVELS[49][0]
VWAP_50 = (sum(p * a for p, a in ASK_LEVELS[:49]) + PRICE_50 * ASK_LEVELS[49][1] / 2) / VOLUME_50


def _query_side(Side, impl, query, check):
    out = []

    def run():
        for _ in range(QUERY_LOOPS):
            r = query(True, VOLUME_50)
        out.append(r)

    def check_last():
        assert check(out[-1])

    return Side(impl, run, ops=QUERY_LOOPS, check=check_last)


def _sorted_price_for_volume(asks, volume):
    cum = 0.0
    for price, amount in asks.items():
        cum += amount
        if cum >= volume:
            return price
    return math.nan


def _sorted_vwap(asks, volume):
    cost = filled = 0.0
    for price, amount in asks.items():
        if filled + amount >= volume:
            return (cost + (volume - filled) * price) / volume
        cost += price * amount
        filled += amount
    return math.nan


def _query_group(interleave, peers, group, method, sorted_query, check):
    Side = interleave.Side
    ref = ReferenceBook(_floats(SNAP_BIDS), ASK_LEVELS)
    peer_sides = None
    if (books := _peer_books(peers)) is not None:
        peer_sides = [_query_side(Side, "hummingbot", getattr(_hb_book(*books[:2]), method),
                                  lambda r: check(r.result_price))]
    _run_group(interleave, group,
               _query_side(Side, "hbconn", getattr(_hbconn_book(), method), lambda r: check(r.result_price)),
               [_query_side(Side, "sortedcontainers", lambda is_buy, volume: sorted_query(ref.asks, volume), check)],
               peer_sides, hummingbot=100.0)


def test_price_for_volume(interleave, peers):
    _query_group(interleave, peers, "price for volume (50 levels)", "get_price_for_volume",
                 _sorted_price_for_volume, lambda price: price == PRICE_50)


def test_vwap(interleave, peers):
    _query_group(interleave, peers, "VWAP (50 levels)", "get_vwap_for_volume", _sorted_vwap,
                 lambda price: price == pytest.approx(VWAP_50))


# ---------------------------------------------------------------- 9. book checksum (Kraken, 10 + 10 levels)
#
# The check a checksum venue costs per message (docs/contracts.md, Contract 1, "Depth and checksums"):
# the book's top 10 asks and 10 bids rendered in Kraken's text format at the pair's precision and
# CRC-32'd, compared with the venue's value.  The book is Kraken's published example (docs/kraken_spot.md
# section 2, checksum 3310070434).  pure_python: the same rule written the obvious way on the book's
# entries (decimal formatting, zlib).

CHECKSUM_BIDS = [["45283.5", "0.10000000"], ["45283.4", "1.54582015"], ["45282.1", "0.10000000"],
                 ["45281.0", "0.10000000"], ["45280.3", "1.54592586"], ["45279.0", "0.07990000"],
                 ["45277.6", "0.03310103"], ["45277.5", "0.30000000"], ["45277.3", "1.54602737"],
                 ["45276.6", "0.15445238"]]
CHECKSUM_ASKS = [["45285.2", "0.00100000"], ["45286.4", "1.54571953"], ["45286.6", "1.54571109"],
                 ["45289.6", "1.54560911"], ["45290.2", "0.15890660"], ["45291.8", "1.54553491"],
                 ["45294.7", "0.04454749"], ["45296.1", "0.35380000"], ["45297.5", "0.09945542"],
                 ["45299.5", "0.18772827"]]
KRAKEN_CHECKSUM = 3310070434


def _checksum_book():
    book = OrderBook(depth_limit=10)
    book.apply_snapshot(CHECKSUM_BIDS, CHECKSUM_ASKS, 1)
    return book


def _checksum_hbconn(Side):
    from hummingbot_conn.core.book_checksum import BookChecksum, ChecksumStyle
    book = _checksum_book()
    matches = BookChecksum(ChecksumStyle.KRAKEN, 1, 8).matches
    out = []

    def run():
        ok = False
        for _ in range(OPS):
            ok = matches(book, KRAKEN_CHECKSUM)
        out.append(ok)

    return Side("hbconn", run, ops=OPS, check=lambda: _check(out[-1], True))


def _checksum_pure_python(Side):
    import zlib
    book = _checksum_book()
    out = []

    def text(value, decimals):
        return f"{value:.{decimals}f}".replace(".", "").lstrip("0")

    def run():
        ok = False
        for _ in range(OPS):
            rows = book.ask_entries()[:10] + book.bid_entries()[:10]
            ok = zlib.crc32("".join(text(r.price, 1) + text(r.amount, 8) for r in rows).encode()) == KRAKEN_CHECKSUM
        out.append(ok)

    return Side("pure_python", run, ops=OPS, check=lambda: _check(out[-1], True))


def test_checksum_kraken_10_levels(interleave):
    Side = interleave.Side
    _run_group(interleave, "checksum, Kraken 10 + 10 levels", _checksum_hbconn(Side), [_checksum_pure_python(Side)],
               None, rounds=50, pure_python=10.0)
