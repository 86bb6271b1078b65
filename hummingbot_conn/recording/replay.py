"""Replay a recording through the unchanged connector on virtual time, and digest its end state.

    result = replay_file("session.hbrec.zst")
    print(result.digest)          # 64 hex: the same file always gives the same digest

What happens (docs/recording.md, "Replay"): the recorded venue's connector is
built on the recorded URLs with the recording as its transport
(``ReplayTransport``), its clocks are virtual (``VirtualTimeLoop``), it is
started as the recorded one was, and the strategy's order calls recorded in
the file are made again at their recorded times with their recorded client
order ids.  The replay runs to the last recorded activity, then the end state
is digested (``digest.py``) and the connector stopped.  A request the
recording does not hold stops the replay with one sentence (``miss``); a
truncated file is replayed as far as it goes (``truncated`` says where it ended).
"""
import asyncio
import collections
import contextlib
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Deque, Dict, List, Optional, Tuple

from hummingbot_conn.common import OrderType
from hummingbot_conn.recording.digest import end_state, state_digest
from hummingbot_conn.recording.file_format import Header, RecordingError, RecordingReader
from hummingbot_conn.recording.recorder import ORDER_EVENTS, event_fields
from hummingbot_conn.recording.replay_transport import ReplayTransport
from hummingbot_conn.recording.venues import REPLAY_VENUES, OrderCall, ReplayVenue
from hummingbot_conn.recording.virtual_time import VirtualTimeLoop, virtualise_clocks
from hummingbot_conn.web.connections import transport_tap

__all__ = ["ReplayResult", "LoadedRecording", "load_recording", "replay_file", "replay_loaded"]

Event = Tuple[str, Dict[str, Any]]
_SEED = 19      # the jitter of reconnect back-offs, the same in every replay


@dataclass
class LoadedRecording:
    """A recording read into memory: its header, its transport, the strategy's calls and the recorded events."""

    path: str
    header: Header
    venue: ReplayVenue
    transport: ReplayTransport
    calls: List[Tuple[float, OrderCall]]
    events: List[Event]
    records: int
    gaps: int               # records the recorder lost (its queue was full)
    complete: bool
    truncated: str          # one sentence when the file ended early, else ""


@dataclass
class ReplayResult:
    """What a replay found (see the module doc)."""

    digest: str
    state: Dict[str, Any]
    reached_end: bool                   # replayed to the last recorded activity, no miss
    miss: Optional[str]
    truncated: str
    records: int
    frames: int
    requests: int
    unused_requests: int
    events: List[Event]
    recorded_events: List[Event]
    virtual_seconds: float
    wall_seconds: float
    health: Dict[str, Dict[str, int]] = field(default_factory=dict)
    gaps: int = 0

    @property
    def events_match(self) -> Optional[bool]:
        """Whether the replay's order events equal the recorded ones (None: none were recorded): the
        same events, each order's in the same order.  How the events of two different orders
        interleave may differ: the live run took some microseconds to handle each answer and frame,
        the virtual clock none, so two events that close can trade places without any order's story
        changing."""
        if not self.recorded_events:
            return None
        return _by_order(self.events) == _by_order(self.recorded_events)

    def first_event_difference(self) -> str:
        """One sentence on the first order whose events differ from the recording ("" when none does)."""
        ours, theirs = _by_order(self.events), _by_order(self.recorded_events)
        for order_id in sorted(set(ours) | set(theirs)):
            mine, recorded = ours.get(order_id, []), theirs.get(order_id, [])
            if mine != recorded:
                for i, (a, b) in enumerate(zip(mine, recorded)):
                    if a != b:
                        return f"order {order_id}, event {i + 1}: replayed {a[0]} {a[1]}, recorded {b[0]} {b[1]}"
                return (f"order {order_id}: {len(mine)} events replayed ({', '.join(e[0] for e in mine)}), "
                        f"{len(recorded)} recorded ({', '.join(e[0] for e in recorded)})")
        return ""


def _by_order(events: List[Event]) -> Dict[str, List[Event]]:
    out: Dict[str, List[Event]] = {}
    for name, fields in events:
        out.setdefault(str(fields.get("order_id")), []).append((name, fields))
    return out


def load_recording(path: str, progress: Optional[Callable[[int], None]] = None) -> LoadedRecording:
    """Read ``path`` into memory.  ``progress(records read)`` is called every 10,000 records.

    :raises RecordingError: not a recording, a damaged header, or a venue this version cannot replay
    """
    with RecordingReader(path) as reader:
        header = reader.header
        venue = REPLAY_VENUES.get(header.venue)
        if venue is None:
            raise RecordingError(f"{path} records the venue {header.venue!r}, which this version cannot replay "
                                 f"(it replays {', '.join(REPLAY_VENUES)}).")
        transport = ReplayTransport()
        calls: List[Tuple[float, OrderCall]] = []
        events: List[Event] = []
        gaps = 0
        for rec in reader.records():
            kind = rec["k"]
            try:
                if kind == "event":
                    if not isinstance(rec["e"], str) or not isinstance(rec["f"], dict):
                        raise TypeError("an event is a tag and its fields")
                    events.append((rec["e"], rec["f"]))
                    continue
                if kind == "gap":
                    gaps += int(rec.get("n", 0))
                    continue
                transport.add(rec)
                if kind == "req":
                    call = venue.order_call(rec)
                    if call is not None:
                        calls.append((float(rec["t"]), call))
            # a record of the wrong shape (a field missing, of the wrong type, an amount that is no
            # number) ends the readable part of the file, like a cut one: what came before is replayed
            except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError):
                reader.problem = f"record {reader.count} is damaged (fields missing or wrong)"
                break
            if progress is not None and reader.count % 10_000 == 0:
                progress(reader.count)
        return LoadedRecording(path, header, venue, transport, calls, events, reader.count, gaps,
                               reader.complete and reader.problem is None, reader.where_it_ended()
                               if not (reader.complete and reader.problem is None) else "")


def replay_file(path: str, progress: Optional[Callable[[float], None]] = None) -> ReplayResult:
    """Load and replay ``path`` on a fresh virtual-time loop.  It runs that loop itself: from async
    code call it in a thread (``await asyncio.to_thread(replay_file, path)``).

    ``progress(fraction of the session's time replayed)`` is called as the replay goes.
    :raises RecordingError: see :func:`load_recording`
    """
    return replay_loaded(load_recording(path), progress)


def replay_loaded(rec: LoadedRecording, progress: Optional[Callable[[float], None]] = None) -> ReplayResult:
    """Replay a loaded recording (once: its transport is consumed)."""
    loop = VirtualTimeLoop(rec.header.mono_start, rec.header.wall_start)
    state = random.getstate()
    random.seed(_SEED)
    started = time.perf_counter()
    try:
        result = loop.run_until_complete(_replay(rec, loop, progress))
    finally:
        random.setstate(state)
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
    result.wall_seconds = time.perf_counter() - started
    return result


async def _replay(rec: LoadedRecording, loop: VirtualTimeLoop,
                  progress: Optional[Callable[[float], None]]) -> ReplayResult:
    transport = rec.transport
    transport.attach()
    assert transport.stopped is not None
    ids: Deque[str] = collections.deque(c.client_order_id for _, c in rec.calls if c.action != "cancel")

    def next_client_order_id(is_buy: bool, trading_pair: str) -> str:
        if not ids:
            raise transport.fail("the connector placed more orders than the recording holds")
        return ids.popleft()

    options = rec.header.options
    with transport_tap(transport):
        try:
            connector = rec.venue.build(rec.header.pairs, options.get("endpoints") or {},
                                        bool(options.get("trading_required", False)),
                                        clock=loop.wall_time, client_order_id_generator=next_client_order_id)
        except (TypeError, ValueError) as err:
            # the header's endpoints name fields the venue's connector does not have
            raise RecordingError(f"{rec.path} has a damaged header (its endpoints do not fit the "
                                 f"{rec.header.venue} connector: {err}).") from None
    virtualise_clocks(connector, loop.time, loop.wall_time)
    # the WebSocket assistants (and their back-offs) are made as the sockets open: virtualised then too
    transport.on_connect = lambda: virtualise_clocks(connector, loop.time, loop.wall_time)
    events: List[Event] = []
    orders: Dict[str, Any] = {}
    listeners = []
    for tag in ORDER_EVENTS:
        def on_event(event: Any, *_: Any, name: str = tag.name) -> None:
            events.append((name, event_fields(event)))
            order = connector._order_tracker.all_fillable_orders.get(getattr(event, "order_id", None))
            if order is not None:
                orders[order.client_order_id] = order
        listeners.append(on_event)
        connector.add_listener(tag, on_event)

    async def issue(call: OrderCall) -> None:
        try:
            pair = await connector.trading_pair_associated_to_exchange_symbol(call.symbol)
        except KeyError:
            transport.fail(f"the recording places an order on {call.symbol}, a symbol the connector does not know")
            return
        if call.action == "cancel":
            connector.cancel(pair, call.client_order_id)
        else:
            order_type = OrderType[call.order_type] if call.order_type in OrderType.__members__ else OrderType.LIMIT
            place = connector.buy if call.action == "buy" else connector.sell
            place(pair, call.amount, order_type, call.price if call.price.is_finite() else Decimal("NaN"))

    tasks: List[asyncio.Task] = []
    def launch(call: OrderCall) -> None:
        tasks.append(loop.create_task(issue(call)))

    for at, call in rec.calls:
        loop.call_at(at, launch, call)
    # a millisecond past the last recorded activity: what arrived last is handled before the end state
    # is read (handling takes loop turns, not virtual time; the timeout at the horizon itself came first)
    horizon = (transport.horizon if transport.horizon > float("-inf") else loop.time()) + 1e-3
    if transport.first < float("inf") and transport.first > loop.time():
        # the recorded connector was started when it made its first request, not when the recorder
        # was created: its pollers' phase against the recorded frames is kept
        await asyncio.sleep(transport.first - loop.time())
    await connector.start_network()
    virtualise_clocks(connector, loop.time, loop.wall_time)
    start, span = loop.time(), max(horizon - loop.time(), 1e-9)
    reached = True
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout_at(horizon):
            while not transport.stopped.is_set():
                if progress is not None:
                    progress(min(1.0, (loop.time() - start) / span))
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(max(span / 100, 0.5)):
                        await transport.stopped.wait()
    if transport.stopped.is_set():
        reached = False
    if progress is not None:
        progress(1.0)
    state = end_state(connector, orders.values())
    digest = state_digest(state)
    health = {pair: {name: int(getattr(m, name)) for name in ("diffs_applied", "gaps", "resyncs", "trades",
                                                              "snapshots_applied", "stream_interruptions")}
              for pair, m in sorted(connector.order_book_tracker.metrics.pairs.items())}
    miss = transport.miss
    transport.miss = transport.miss or "(after the end)"       # the stop's own requests are no finding
    with contextlib.suppress(Exception):
        async with asyncio.timeout(30):
            await connector.stop_network()
    for task in tasks:
        task.cancel()
    return ReplayResult(digest=digest, state=state, reached_end=reached and miss is None, miss=miss,
                        truncated=rec.truncated, records=rec.records, frames=transport.frames,
                        requests=transport.answered, unused_requests=len(transport.unused_requests()),
                        events=events, recorded_events=rec.events, virtual_seconds=loop.time() - rec.header.mono_start,
                        wall_seconds=0.0, health=health, gaps=rec.gaps)
