"""Kraken Spot: a WS v2 ``book`` update frame parsed, applied and checksum-verified, against the peers.

Frames (``benchmarks/kraken_frames.py``, seeded): a venue book of 40 levels a
side changes a few levels per update; the client subscribed at depth 10 gets
Kraken's messages (JSON numbers, a CRC-32 of the top 10 + 10 in each, no
delete for a level pushed out of the depth), every checksum right.  Two
workloads: ``a few levels`` (1-4 venue changes per update, about 2.6 rows per
frame, the common case) and ``10+10 rows`` (every level in view resized in
every update as well).

Sides of each group (interleaved, ``benchmarks/interleave.py``):

* ``hbconn``: our tracker's path for the frame: ``WSResponse`` (the
  connection hands text frames over undecoded), the Kraken data source's
  ``_process_frame`` and, for the synced pair, its one compiled call
  ``_kraken_book.apply_book_update``: the C scanner (the frame's bytes
  straight into row buffers, symbol -> pair), then what
  ``OrderBookPairSync.on_diff`` does (arrival numbering, the compiled book's
  ``apply_diffs``, truncation to depth 10, the counters and latency sample)
  and the C checksum of the top 10 + 10 compared with the frame's;
* ``hbconn_orjson``: the same path with the frame decoded by ``orjson``
  first (the general path, which any frame the scanner does not recognise
  takes; the whole path before the scanner);
* ``hbconn_core``: the floor under ``hbconn``: the scanner, the compiled
  book (depth-limited) and ``BookChecksum.matches``, no tracker;
* ``hbconn_decode``: ``orjson.loads`` of the frame alone (the decode's share);
* ``python_kraken_sdk``: python-kraken-sdk's ``SpotOrderBookClient`` (the
  test extra's version): ``json.loads`` (its connection) and its
  ``on_message`` (per-row re-sort of its dict book to the depth, its CRC-32
  over the formatted top 10 + 10), driven to completion without a socket;
  its asset-pair lookup (a REST call made once per pair) answers from memory;
* ``hummingbot``: its Kraken connector's path from the sdist peer build.  It
  subscribes to the legacy WS v1 feed, so it gets the same updates as v1
  messages (decimal strings with a timestamp per row; ``kraken_frames``):
  ``json.loads`` (aiohttp's ``msg.json()``), its data source's
  ``_channel_originating_message`` and ``_parse_order_book_diff_message``
  (pair-name conversion, update id from the row timestamps,
  ``KrakenOrderBook.diff_message_from_exchange``), then its tracker's diff
  step: ``apply_diffs(message.bids, message.asks, message.update_id)`` and
  the past-diffs window.  It verifies no checksum and truncates nothing (it
  subscribes at depth 1000); its asyncio queue hops are not timed, which
  flatters it.

Each round starts from the stream snapshot (untimed ``setup``): our tracker
takes it as its sync point, the SDK's book is dropped by the subscription's
acknowledgement and rebuilt from it, hummingbot's book is reset to it.
Checks: every update applied, no checksum mismatch anywhere, each book's top
10 + 10 (hummingbot's: every level, as it keeps all) equal to the venue's.

A third group times the checksum alone on a 10 + 10 book: ours
(``BookChecksum.matches``, in C) against the SDK's validation and a
pure-Python rendering with ``zlib.crc32``.
"""
from __future__ import annotations

import asyncio
import importlib.util
import json
import statistics
import sys
import time
import zlib
from collections import deque
from pathlib import Path
from types import SimpleNamespace

import orjson
import pytest

from hummingbot_conn.cli.event_loop import new_event_loop
from hummingbot_conn.core.book_checksum import BookChecksum, ChecksumStyle
from hummingbot_conn.core.order_book import DiffResult, OrderBook
from hummingbot_conn.exchanges.kraken import KrakenAPIOrderBookDataSource, KrakenEndpoints
from hummingbot_conn.exchanges.kraken._kraken_book import parse_book_update
from hummingbot_conn.exchanges.kraken.pairs import KrakenPairs
from hummingbot_conn.tracking import OrderBookTracker
from hummingbot_conn.web.data_types import WSResponse


def _load_frames():
    name = "_hbconn_bench_kraken_frames"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("kraken_frames.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


kf = _load_frames()

SEED = 20261207
FRAMES = 200            # updates per round
ROUNDS = 200
WORKLOADS = {
    "few": ("kraken: v2 book update frame, a few levels of a 10+10 book (parse, apply, checksum)",
            kf.kraken_frames(SEED, FRAMES)),
    "full": ("kraken: v2 book update frame, 10+10 rows (parse, apply, checksum)",
             kf.kraken_frames(SEED + 1, FRAMES, resize_all=True)),
}
PAIR, SYMBOL = kf.PAIR, kf.SYMBOL


def _levels(entries):
    return [(row.price, row.amount) for row in entries]


def _drive(coroutine):
    """Run a coroutine that never suspends to its end, without an event loop (the peers' parse and
    book-update steps are ``async def`` but await nothing on this path)."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise AssertionError("the coroutine suspended: it is not the synchronous path this benchmark times")


# ---------------------------------------------------------------- ours

class _IdleSocket:
    """Stands in for the market socket: frames are handed to ``_process_frame`` by the benchmark."""

    reconnect_count = 0
    on_reconnected = None

    async def receive(self):
        await asyncio.Event().wait()

    async def disconnect(self):
        return None


class _OfflineKrakenSource(KrakenAPIOrderBookDataSource):
    """The real Kraken source with its network edges replaced: an idle socket, subscriptions that
    need no acknowledgement; ``AssetPairs`` comes from memory through ``pairs_source``."""

    async def _connected_websocket_assistant(self):
        return _IdleSocket()

    async def _subscribe_channels(self, ws, trading_pairs):
        return None


async def _pairs():
    return KrakenPairs(kf.ASSET_PAIRS)


def synced_kraken_tracker():
    """(source, tracker) synced on the stream snapshot, on an event loop of its own (a generator:
    the code after its yield stops them)."""
    loop = new_event_loop()
    source = _OfflineKrakenSource([PAIR], domain=KrakenEndpoints.local("127.0.0.1:1"), pairs_source=_pairs)
    tracker = OrderBookTracker(source, [PAIR], snapshot_interval=None)
    snapshot = WORKLOADS["few"][1].snapshot_text

    async def up():
        tracker.start()
        for _ in range(500):        # the sync point is the stream's snapshot: hand it over once subscribed
            await asyncio.sleep(0.01)
            source._process_frame(orjson.loads(snapshot), time.monotonic(), None)
            book = tracker.order_books.get(PAIR)
            if book is not None and book.is_synced:
                break
        await tracker.wait_ready(timeout=5)
    loop.run_until_complete(up())
    yield source, tracker
    loop.run_until_complete(tracker.stop())
    loop.close()


@pytest.fixture
def kraken_tracker():
    yield from synced_kraken_tracker()


@pytest.fixture
def kraken_tracker_decoded():
    """A second tracker for the ``hbconn_orjson`` side (each side checks its own counters)."""
    yield from synced_kraken_tracker()


def _tracker_side(interleave, frames, source, tracker, decode=False):
    book = tracker.order_books[PAIR]
    metrics = tracker.metrics.pairs[PAIR]
    clock, process = time.monotonic, source._process_frame
    snapshot, updates = frames.snapshot_text, frames.update_texts
    before = (metrics.diffs_applied, metrics.snapshots_applied)
    fed = []

    def setup():
        # untimed: the stream snapshot resets the book (the sync point, its checksum verified)
        process(orjson.loads(snapshot), clock(), None)
        return (updates,)

    def run(texts):
        for text in texts:
            response = WSResponse(text, clock())
            process(response.data, response.received_at, None)
        fed.append(len(texts))

    def run_decoded(texts):
        loads = orjson.loads
        for text in texts:
            response = WSResponse(loads(text), clock())
            process(response.data, response.received_at, None)
        fed.append(len(texts))

    def check():
        assert metrics.diffs_applied - before[0] == sum(fed) > 0
        assert metrics.checksum_mismatches == 0 and metrics.checksums_unverified == 0
        assert metrics.diffs_refused == 0 and book.is_synced
        assert (_levels(book.bid_entries()), _levels(book.ask_entries())) == frames.final_levels

    if decode:
        return interleave.Side("hbconn_orjson", run_decoded, ops=len(updates), setup=setup, check=check)
    return interleave.Side("hbconn", run, ops=len(updates), setup=setup, check=check)


def _core_side(interleave, frames):
    book = OrderBook(depth_limit=kf.DEPTH)
    checksum = BookChecksum(ChecksumStyle.KRAKEN, kf.PRICE_DECIMALS, kf.QTY_DECIMALS)
    snap_bids, snap_asks = frames.snapshot_levels
    results, ids = [], [1]

    def setup():
        ids[0] += 1
        book.apply_snapshot(snap_bids, snap_asks, ids[0], True)
        return (frames.update_texts,)

    def run(texts):
        uid = ids[0]
        for text in texts:
            _, bids, asks, expected = parse_book_update(text)
            uid += 1
            result = book.apply_diffs(bids, asks, uid, uid)
            results.append(result is DiffResult.APPLIED and checksum.matches(book, expected))
        ids[0] = uid

    def check():
        assert results and all(results)
        assert (_levels(book.bid_entries()), _levels(book.ask_entries())) == frames.final_levels

    return interleave.Side("hbconn_core", run, ops=len(frames.update_texts), setup=setup, check=check)


def _decode_side(interleave, frames):
    """``orjson.loads`` of the frames alone: the share of our path the JSON decode takes."""
    decoded = []

    def run(texts):
        loads = orjson.loads
        for text in texts:
            decoded.append(loads(text)["data"][0]["checksum"])

    def check():
        assert decoded[-len(frames.checksums):] == frames.checksums

    return interleave.Side("hbconn_decode", run, ops=len(frames.update_texts),
                           setup=lambda: (frames.update_texts,), check=check)


# ---------------------------------------------------------------- python-kraken-sdk

class _AssetPairsFromMemory:
    """The SDK's ``Market`` for its one call on this path: the pair's decimals (it asks once per pair)."""

    @staticmethod
    def get_asset_pairs(pair):
        info = kf.ASSET_PAIRS["XXBTZUSD"]
        return {pair: {"pair_decimals": info["pair_decimals"], "lot_decimals": info["lot_decimals"]}}


def _sdk_client(loop):
    """python-kraken-sdk's book client (its constructor opens an aiohttp session: needs a loop)."""
    from kraken.spot import SpotOrderBookClient

    errors = []

    def on_update(pair, message):
        if "error" in message:
            # raised before the SDK would resubscribe (over a socket this benchmark does not have)
            errors.append(message["error"])
            raise AssertionError(f"python-kraken-sdk on {pair}: {message['error']}")

    async def make():
        return SpotOrderBookClient(depth=kf.DEPTH, callback=on_update)
    client = loop.run_until_complete(make())
    client._SpotOrderBookClient__market = _AssetPairsFromMemory()
    return client, errors


#: python-kraken-sdk is in the test extra; without it its sides are left out and ours still run
HAVE_SDK = importlib.util.find_spec("kraken") is not None


@pytest.fixture
def sdk_loop():
    loop = new_event_loop()
    clients = []
    yield loop, clients
    for client in clients:
        loop.run_until_complete(client.close())
    loop.close()


_SDK_ACK = {"method": "subscribe", "success": True, "result": {"channel": "book", "symbol": SYMBOL, "depth": kf.DEPTH,
                                                              "snapshot": True}}


def _sdk_book_levels(book):
    return ([(float(p), float(v)) for p, (v, _) in book["bid"].items()],
            [(float(p), float(v)) for p, (v, _) in book["ask"].items()])


def _sdk_side(interleave, frames, sdk_loop):
    loop, clients = sdk_loop
    client, errors = _sdk_client(loop)
    clients.append(client)
    on_message, loads = client.on_message, json.loads
    snapshot = frames.snapshot_text
    fed = []

    def setup():
        # untimed: the subscription's acknowledgement drops its book, the snapshot rebuilds it
        _drive(on_message(dict(_SDK_ACK)))
        _drive(on_message(loads(snapshot)))
        return (frames.update_texts,)

    def run(texts):
        for text in texts:
            _drive(on_message(loads(text)))
        fed.append(len(texts))

    def check():
        book = client.get(SYMBOL)
        assert sum(fed) > 0 and not errors and book["valid"]
        assert _sdk_book_levels(book) == frames.final_levels

    return interleave.Side("python_kraken_sdk", run, ops=len(frames.update_texts), setup=setup, check=check)


# ---------------------------------------------------------------- hummingbot

class _MessageQueue(deque):
    """hummingbot's asyncio.Queue between its parser and its tracker's loop, as a deque: the hop
    through the event loop is not timed (it flatters hummingbot)."""

    put_nowait = deque.append


def _hummingbot_side(Side, frames, peers):
    module = peers("hummingbot.connector.exchange.kraken.kraken_api_order_book_data_source")
    HbOrderBook = peers("hummingbot.core.data_type.order_book").OrderBook
    Row = peers("hummingbot.core.data_type.order_book_row").OrderBookRow
    DIFF = peers("hummingbot.core.data_type.order_book_message").OrderBookMessageType.DIFF
    # its data source keeps the connector only for REST calls and name lookups, none on this path
    source = module.KrakenAPIOrderBookDataSource([PAIR], connector=None, api_factory=None)
    diff_key = source._diff_messages_queue_key
    book = HbOrderBook()
    past_diffs = deque(maxlen=32)       # its PAST_DIFF_WINDOW_SIZE
    queue = _MessageQueue()
    snap_bids, snap_asks = frames.snapshot_levels
    applied = []

    def setup():
        book.apply_snapshot([Row(p, q, 1) for p, q in snap_bids], [Row(p, q, 1) for p, q in snap_asks], 1)
        return (frames.v1_update_texts,)

    def run(texts):
        parse, channel_of = source._parse_order_book_diff_message, source._channel_originating_message
        for text in texts:
            raw = json.loads(text)
            if channel_of(raw) == diff_key:
                _drive(parse(raw, queue))
            message = queue.popleft()
            if message.type is DIFF:
                book.apply_diffs(message.bids, message.asks, message.update_id)
                past_diffs.append(message)
                applied.append(1)

    def check():
        assert len(applied) > 0 and not queue
        assert (_levels(book.bid_entries()), _levels(book.ask_entries())) == frames.final_untruncated

    return Side("hummingbot", run, ops=len(frames.v1_update_texts), setup=setup, check=check)


# ---------------------------------------------------------------- the groups

def _figures(frames):
    return {"workload": f"{len(frames.update_texts)} updates per batch, {frames.rows_per_update:.1f} rows per "
                        f"update on average, a book of depth {kf.DEPTH} (venue book {kf.VENUE_LEVELS} levels a side), "
                        f"every checksum verified by hbconn, hbconn_core and python_kraken_sdk, none by hummingbot"}


@pytest.mark.parametrize("workload", sorted(WORKLOADS))
def test_kraken_book_frame(benchmark, interleave, peers, kraken_tracker, kraken_tracker_decoded, sdk_loop,
                           workload):
    group, frames = WORKLOADS[workload]
    sides = [_tracker_side(interleave, frames, *kraken_tracker), _core_side(interleave, frames),
             _decode_side(interleave, frames),
             _tracker_side(interleave, frames, *kraken_tracker_decoded, decode=True)]
    if HAVE_SDK:
        sides.append(_sdk_side(interleave, frames, sdk_loop))
    if peers is not None:
        sides.append(_hummingbot_side(interleave.Side, frames, peers))
    benchmark.extra_info["figures"] = _figures(frames)
    interleave.run(group, sides, rounds=ROUNDS, targets={"hummingbot": 10.0})


def test_kraken_hummingbot_peer_path(peers):
    """hummingbot's Kraken path (a peer) once on both workloads, with its check: skipped with a
    reason when peers are off (the groups then run ours and python-kraken-sdk only)."""
    if peers is None:
        pytest.skip("peers off (timing disabled and HBCONN_BENCH_PEERS unset): hummingbot's Kraken path "
                    "comes from the peer build; the groups ran hbconn and python_kraken_sdk only")
    for _, frames in WORKLOADS.values():
        side = _hummingbot_side(_side_tuple, frames, peers)
        side.run(*side.setup())
        side.check()


def _side_tuple(impl, run, ops=1, setup=None, check=None):
    """An ``interleave.Side`` stand-in for a peer path run outside a group."""
    return SimpleNamespace(impl=impl, run=run, ops=ops, setup=setup, check=check)


# ---------------------------------------------------------------- the checksum alone

CHECKSUM_GROUP = "kraken: checksum of a 10+10 book"
CHECKS = 1000


def _pure_python_checksum(asks, bids):
    # Kraken's rule rendered from floats with str.format, as a Python client does it
    text = "".join(f"{p:.1f}".replace(".", "").lstrip("0") + f"{q:.8f}".replace(".", "").lstrip("0") for p, q in asks)
    text += "".join(f"{p:.1f}".replace(".", "").lstrip("0") + f"{q:.8f}".replace(".", "").lstrip("0") for p, q in bids)
    return zlib.crc32(text.encode())


def test_kraken_checksum(benchmark, interleave, sdk_loop):
    frames = WORKLOADS["few"][1]
    bids, asks = frames.snapshot_levels
    expected = orjson.loads(frames.snapshot_text)["data"][0]["checksum"]
    book = OrderBook(depth_limit=kf.DEPTH)
    book.apply_snapshot(bids, asks, 1)
    ours = BookChecksum(ChecksumStyle.KRAKEN, kf.PRICE_DECIMALS, kf.QTY_DECIMALS)
    seen = {}

    def run_ours():
        matches = ours.matches
        ok = True
        for _ in range(CHECKS):
            ok = matches(book, expected) and ok
        seen["hbconn"] = ok

    def run_python():
        ok = True
        for _ in range(CHECKS):
            ok = _pure_python_checksum(asks, bids) == expected and ok
        seen["pure_python"] = ok

    def check(impl):
        def assert_ok():
            assert seen.get(impl) is True
        return assert_ok

    Side = interleave.Side
    sides = [Side("hbconn", run_ours, ops=CHECKS, check=check("hbconn")),
             Side("pure_python", run_python, ops=CHECKS, check=check("pure_python"))]
    if HAVE_SDK:
        loop, clients = sdk_loop
        client, _ = _sdk_client(loop)
        clients.append(client)
        _drive(client.on_message(json.loads(frames.snapshot_text)))
        validate, sdk_book = client._SpotOrderBookClient__validate_checksum, client.get(SYMBOL)

        def run_sdk():
            ok = True
            for _ in range(CHECKS // 10):
                validate(pair=SYMBOL, checksum=expected)
                ok = sdk_book["valid"] and ok
            seen["python_kraken_sdk"] = ok
        sides.append(Side("python_kraken_sdk", run_sdk, ops=CHECKS // 10, check=check("python_kraken_sdk")))
    timings = interleave.run(CHECKSUM_GROUP, sides, rounds=ROUNDS)
    per_call = CHECKS * timings.repeat["hbconn"] / 1e9
    median_ns = statistics.median(timings.times["hbconn"]) / per_call
    min_ns = min(timings.times["hbconn"]) / per_call
    benchmark.extra_info["figures"] = {
        "checksum per message (hbconn)": f"median {median_ns:.0f} ns, fastest round {min_ns:.0f} ns for 10 + 10 "
                                         f"levels (target < 1000 ns on the median: "
                                         f"{'met' if median_ns < 1000 else 'NOT MET'})"}
