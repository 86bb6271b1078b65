"""Recorder: the flight recorder a bot puts under its own connector (docs/recording.md, "Recording yourself").

    recorder = Recorder("session.hbrec.zst", venue="binance", pairs=["BTC-USDT"])
    with recorder.capture():            # every ConnectionsFactory created here is recorded
        connector = BinanceExchange(key, secret, trading_pairs=["BTC-USDT"])
    recorder.watch(connector)           # optional: its events, to compare a replay with
    ...
    await recorder.aclose()             # drains the queue and writes the end record

The recorder is a ``TransportTap`` (``web/connections.py``): it wraps the real
connections, so the connector's own code is unchanged and the capture sits
below every venue.
"""
import asyncio
import contextlib
import time
from decimal import Decimal
from enum import Enum
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence

from hummingbot_conn import __version__
from hummingbot_conn.events import MarketEvent
from hummingbot_conn.recording.capture import RecordingRESTConnection, RecordingWSConnection, record_header_options
from hummingbot_conn.recording.file_format import Header
from hummingbot_conn.recording.writer import DEFAULT_MAX_QUEUE, RecordingWriter
from hummingbot_conn.web.connections import RESTConnection, WSConnection, transport_tap

__all__ = ["Recorder", "ORDER_EVENTS", "event_fields"]

#: the connector events a recorder and a replay both note (the lifecycle of Contract 2)
ORDER_EVENTS = (MarketEvent.BuyOrderCreated, MarketEvent.SellOrderCreated, MarketEvent.OrderFilled,
                MarketEvent.BuyOrderCompleted, MarketEvent.SellOrderCompleted, MarketEvent.OrderCancelled,
                MarketEvent.OrderExpired, MarketEvent.OrderFailure)

# fields that hold local times or objects, not what the exchange said: left out of the comparison
_VOLATILE = frozenset(("timestamp", "creation_timestamp", "exchange_trade_id_timestamp"))


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


def event_fields(event: Any) -> Dict[str, Any]:
    """An event record's fields as plain JSON text (Decimals as plain decimal text), local times left out."""
    raw = event.__dict__ if hasattr(event, "__dict__") else {
        name: getattr(event, name) for name in getattr(event, "__slots__", ())}
    if hasattr(event, "_fields"):       # NamedTuple events
        raw = event._asdict()
    return {k: _plain(v) for k, v in raw.items() if k not in _VOLATILE and not k.startswith("_")}


class Recorder:
    """Records every connection of the factories created under :meth:`capture` into one file.

    :param path: the file to write (``.hbrec.zst`` by convention; overwritten)
    :param venue: hummingbot's connector name (``"binance"``), written in the header
    :param pairs: the trading pairs, written in the header
    :param options: the connector's options (JSON-safe; names with ``key`` or ``secret`` are left out)
    :param clock: monotonic seconds for the records' times (default ``time.monotonic``)
    :param max_queue: records the writer's queue holds before new ones are counted as lost
    :raises OSError: the file cannot be created
    """

    def __init__(self, path: str, venue: str, pairs: Sequence[str], options: Optional[Mapping[str, Any]] = None,
                 *, clock: Callable[[], float] = time.monotonic, max_queue: int = DEFAULT_MAX_QUEUE) -> None:
        self.path = path
        self.clock = clock
        self.header = Header(library=__version__, venue=venue, pairs=list(pairs),
                             options=record_header_options(options or {}), wall_start=time.time(),
                             mono_start=clock())
        self._writer = RecordingWriter(path, self.header, max_queue=max_queue)
        self.put = self._writer.put
        self.put_frame = self._writer.put_frame
        self.writer = self._writer              # the capture's per-frame tap appends to its queue directly
        self._next_id = 0
        self._closed = False
        self._watched: List[Any] = []

    # -- TransportTap ---------------------------------------------------------------------------------
    def rest_connection(self, make: Callable[[], RESTConnection]) -> RESTConnection:
        return RecordingRESTConnection(make(), self)

    def ws_connection(self, make: Callable[[], WSConnection]) -> WSConnection:
        return RecordingWSConnection(make(), self)

    @contextlib.contextmanager
    def capture(self) -> Iterator["Recorder"]:
        """Within the block, every ``ConnectionsFactory`` created (a connector's, at its construction)
        is recorded by this recorder, for the factory's whole life."""
        with transport_tap(self):
            yield self

    def next_connection_id(self) -> int:
        self._next_id += 1
        return self._next_id

    # -- events, for comparison -------------------------------------------------------------------------
    def watch(self, connector: Any) -> None:
        """Record ``connector``'s order events (``event`` records: a replay compares its own with them)."""
        for tag in ORDER_EVENTS:
            listener = _EventListener(self, tag)
            self._watched.append(listener)      # the connector may hold listeners weakly
            connector.add_listener(tag, listener)

    # -- figures and the end ----------------------------------------------------------------------------
    @property
    def stats(self) -> Dict[str, int]:
        """``records`` queued, ``written`` to disk, ``lost`` (queue full), ``full_episodes``, ``peak`` depth."""
        w = self._writer
        return {"records": w.queued, "written": w.written, "lost": w.lost, "full_episodes": w.full_episodes,
                "peak": w.peak, "connections": self._next_id}

    def close(self) -> Dict[str, int]:
        """Write what is queued and the end record, close the file; the final :attr:`stats`.
        Blocks while the queue drains: from a running loop, ``await aclose()``."""
        if not self._closed:
            self._closed = True
            w = self._writer
            self._writer.close({"k": "end", "t": self.clock(), "records": w.queued, "lost": w.lost}, counts=True)
        return self.stats

    async def aclose(self) -> Dict[str, int]:
        """:meth:`close` in a thread, so the event loop goes on while the queue drains."""
        return await asyncio.to_thread(self.close)


class _EventListener:
    __slots__ = ("_rec", "_tag")

    def __init__(self, recorder: Recorder, tag: MarketEvent) -> None:
        self._rec, self._tag = recorder, tag

    def __call__(self, event: Any, *args: Any) -> None:
        rec = self._rec
        if not rec._closed:
            rec.put({"k": "event", "t": rec.clock(), "e": self._tag.name, "f": event_fields(event)})
