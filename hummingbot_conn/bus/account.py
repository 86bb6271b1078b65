"""Account events that must not be lost (order updates, fills, balances) over JetStream (docs/bus.md,
"Account events").

Core NATS, which carries the books, delivers at most once: a lost book
message is repaired from a snapshot.  An account event has no snapshot to
repair it from, so a connector that shares its events with other processes
sends them through JetStream, the server's persistent, acknowledged layer:

* ``AccountEventPublisher(nats_url, connector, account)`` listens to the
  connector's events (``add_listener``, hummingbot's ``MarketEvent`` and
  ``AccountEvent`` tags) and stores each in the stream ``HBCONN_ACCOUNT`` on
  ``<prefix>.account.<account>.<kind>``.  Each event carries a key
  (``Nats-Msg-Id``): a fill's is its order and trade id, an order update's the
  order id and kind, a balance's the asset and figures.  The server drops a
  second copy of a key within its duplicate window, so a publish retried
  after a lost acknowledgement, or an event a connector reports twice, is
  stored once.  Events wait in an in-memory outbox until the server
  acknowledged them, retried with back-off while the server is away.
* ``AccountEventConsumer(nats_url, account, durable)`` reads them with a
  durable consumer (the server remembers what it acknowledged), hands each
  event to the strategy and acknowledges it only after the handler returned
  (double acknowledgement: the server confirmed it).  A strategy restarted
  mid-session resumes after the last event it acknowledged.  A key already
  handled is acknowledged and skipped (``duplicates``), and with
  ``state_path`` the handled keys are kept in a file, so an event handled
  just before a crash, whose acknowledgement was lost with the process, is
  not handled again: exactly once by key.

An event is a dict: ``kind`` (``fill``, ``created``, ``completed``, ``cancelled``,
``expired``, ``failure``, ``balance``), ``key``, and the record's fields with
amounts as plain decimal text and enums by name.
"""
from __future__ import annotations

import asyncio
import collections
import inspect
import logging
import os
from decimal import Decimal
from enum import Enum
from typing import Any, Callable, Deque, Dict, List, Optional, Set, Tuple

import orjson

from hummingbot_conn.bus import wire
from hummingbot_conn.bus._nats import connect
from hummingbot_conn.events import AccountEvent, MarketEvent
from hummingbot_conn.web.backoff import ExponentialBackoff

__all__ = ["ACCOUNT_STREAM", "AccountEventConsumer", "AccountEventPublisher", "event_record"]

_log = logging.getLogger(__name__)

ACCOUNT_STREAM = "HBCONN_ACCOUNT"
DUPLICATE_WINDOW = 24 * 3600.0      # seconds the server remembers keys: a trading session

#: the connector's event tags shared, and the kind each becomes
SHARED_EVENTS = {
    MarketEvent.OrderFilled: "fill",
    MarketEvent.BuyOrderCreated: "created", MarketEvent.SellOrderCreated: "created",
    MarketEvent.BuyOrderCompleted: "completed", MarketEvent.SellOrderCompleted: "completed",
    MarketEvent.OrderCancelled: "cancelled", MarketEvent.OrderExpired: "expired",
    MarketEvent.OrderFailure: "failure", AccountEvent.BalanceEvent: "balance",
}


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")       # plain decimal text, never an exponent
    if isinstance(value, Enum):
        return value.name
    to_json = getattr(value, "to_json", None)
    if callable(to_json):
        return _plain(to_json())
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


def event_record(kind: str, event: Any) -> Dict[str, Any]:
    """The shared form of a connector event (module docstring) with its key."""
    fields = event._asdict() if hasattr(event, "_asdict") else dict(vars(event))
    record = {name: _plain(value) for name, value in fields.items()}
    if kind == "fill":
        trade_id = record.get("exchange_trade_id") or f"{record.get('timestamp')}:{record.get('amount')}"
        key = f"fill:{record.get('order_id')}:{trade_id}"
    elif kind == "balance":
        key = (f"balance:{record.get('asset_name')}:{record.get('timestamp')}:{record.get('total_balance')}:"
               f"{record.get('available_balance')}")
    else:
        key = f"{kind}:{record.get('order_id')}"
    record["kind"] = kind
    record["key"] = key
    return record


class AccountEventPublisher:
    """Stores ``connector``'s account events in JetStream (module docstring).

    ``connector``: anything with hummingbot's ``add_listener(tag, listener)`` / ``remove_listener``
    (``ExchangePyBase``); ``account``: the subject token naming this account.  ``await start()``
    connects and creates the stream if needed; ``await stop()`` waits up to ``drain_timeout``
    seconds for the outbox to be acknowledged.  ``stats``: ``stored``, ``duplicates`` (keys the
    server already had), ``retries``; ``pending``: events not yet acknowledged."""

    def __init__(self, nats_url: str, connector: Any, account: str, *, prefix: str = "hbconn",
                 stream: str = ACCOUNT_STREAM, drain_timeout: float = 10.0) -> None:
        for token in prefix.split("."):
            wire.check_token("prefix", token)
        self.subject_prefix = f"{prefix}.account.{wire.check_token('account', account)}"
        self._stream_subjects = f"{prefix}.account.>"
        self._nats_url = nats_url
        self._connector = connector
        self._stream = stream
        self._drain_timeout = drain_timeout
        self._outbox: Deque[Tuple[str, bytes, str]] = collections.deque()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._listeners: List[Tuple[Any, Callable[[Any], None]]] = []
        self._nc: Any = None
        self._js: Any = None
        self._task: Optional[asyncio.Task] = None
        self.stats: collections.Counter = collections.Counter()

    @property
    def pending(self) -> int:
        return len(self._outbox)

    async def start(self) -> None:
        self._nc = await connect(self._nats_url, name=f"hbconn-account-{self.subject_prefix}")
        self._js = self._nc.jetstream()
        await ensure_stream(self._js, self._stream, self._stream_subjects)
        for tag, kind in SHARED_EVENTS.items():
            def listener(event: Any, kind: str = kind) -> None:
                self.publish(kind, event)
            self._connector.add_listener(tag, listener)
            self._listeners.append((tag, listener))
        self._task = asyncio.ensure_future(self._send_loop())

    def publish(self, kind: str, event: Any) -> None:
        """Queue one event (what the listeners call); it is stored once the server acknowledges it."""
        record = event_record(kind, event)
        self._outbox.append((f"{self.subject_prefix}.{kind}", orjson.dumps(record), record["key"]))
        self._idle.clear()
        self._wake.set()

    async def stop(self) -> None:
        for tag, listener in self._listeners:
            self._connector.remove_listener(tag, listener)
        self._listeners.clear()
        if self._outbox:
            try:
                async with asyncio.timeout(self._drain_timeout):
                    await self._idle.wait()
            except TimeoutError:
                _log.error("account events: %d event(s) not acknowledged by the server at stop, lost to the bus: %s",
                           len(self._outbox), ", ".join(key for _, _, key in self._outbox))
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._nc is not None and not self._nc.is_closed:
            await self._nc.close()

    async def _send_loop(self) -> None:
        backoff = ExponentialBackoff(initial=0.05, maximum=2.0)
        attempt = 0
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._outbox:
                subject, payload, key = self._outbox[0]
                try:
                    ack = await self._js.publish(subject, payload, timeout=2.0, headers={"Nats-Msg-Id": key})
                except asyncio.CancelledError:
                    raise
                except Exception as exc:        # noqa: BLE001 - server away or slow: the same event again
                    self.stats["retries"] += 1
                    _log.warning("account events: %s not stored yet (%s: %s); retrying", key, type(exc).__name__, exc)
                    await asyncio.sleep(backoff.delay(attempt))
                    attempt += 1
                    continue
                attempt = 0
                self._outbox.popleft()
                self.stats["duplicates" if ack.duplicate else "stored"] += 1
            self._idle.set()


async def ensure_stream(js: Any, stream: str, subjects: str) -> None:
    """Create the account stream (file storage, a day's duplicate window) unless it exists."""
    from nats.js import api
    from nats.js.errors import NotFoundError

    try:
        await js.stream_info(stream)
        return
    except NotFoundError:
        pass
    await js.add_stream(api.StreamConfig(name=stream, subjects=[subjects], storage=api.StorageType.FILE,
                                         duplicate_window=DUPLICATE_WINDOW))


class AccountEventConsumer:
    """Reads an account's events from JetStream, each handled once (module docstring).

    ``durable``: the consumer's name on the server (one per strategy: it remembers what the strategy
    acknowledged across restarts); ``state_path``: a file keeping the handled keys (None: in memory
    only).  ``await run(handler)`` hands events to ``handler(event_dict)`` (a coroutine function or
    a plain one) until ``stop()``; ``handled`` and ``duplicates`` count."""

    def __init__(self, nats_url: str, account: str, durable: str, *, prefix: str = "hbconn",
                 stream: str = ACCOUNT_STREAM, state_path: Optional[str] = None, batch: int = 64) -> None:
        for token in prefix.split("."):
            wire.check_token("prefix", token)
        self._subject = f"{prefix}.account.{wire.check_token('account', account)}.>"
        self._stream_subjects = f"{prefix}.account.>"
        self._durable = wire.check_token("durable", durable)
        self._nats_url = nats_url
        self._stream = stream
        self._state_path = state_path
        self._batch = batch
        self._seen: Set[str] = set()
        if state_path is not None and os.path.exists(state_path):
            with open(state_path, encoding="utf-8") as handle:
                self._seen.update(line.rstrip("\n") for line in handle if line.strip())
        self._stopping = asyncio.Event()
        self._nc: Any = None
        self.handled = 0
        self.duplicates = 0

    async def run(self, handler: Callable[[Dict[str, Any]], Any]) -> None:
        from nats.errors import TimeoutError as NatsTimeout
        from nats.js import api

        self._nc = await connect(self._nats_url, name=f"hbconn-account-consumer-{self._durable}")
        js = self._nc.jetstream()
        await ensure_stream(js, self._stream, self._stream_subjects)
        config = api.ConsumerConfig(durable_name=self._durable, ack_policy=api.AckPolicy.EXPLICIT,
                                    deliver_policy=api.DeliverPolicy.ALL, ack_wait=30.0)
        sub = await js.pull_subscribe(self._subject, durable=self._durable, stream=self._stream, config=config)
        state = open(self._state_path, "a", encoding="utf-8") if self._state_path is not None else None
        try:
            while not self._stopping.is_set():
                try:
                    messages = await sub.fetch(self._batch, timeout=0.5)
                except NatsTimeout:
                    continue
                except asyncio.CancelledError:
                    raise
                except Exception as exc:        # noqa: BLE001 - the server away: fetch again
                    _log.warning("account events: fetch failed (%s: %s); retrying", type(exc).__name__, exc)
                    await asyncio.sleep(0.2)
                    continue
                for msg in messages:
                    await self._handle(msg, handler, state)
        finally:
            if state is not None:
                state.close()
            await self._nc.close()

    async def _handle(self, msg: Any, handler: Callable[[Dict[str, Any]], Any], state: Any) -> None:
        try:
            event = orjson.loads(msg.data)
            key = event["key"]
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            _log.error("account events: unreadable event acknowledged and skipped (%s): %.200r", exc, msg.data)
            await msg.ack()
            return
        if key in self._seen:
            self.duplicates += 1
        else:
            result = handler(event)
            if inspect.isawaitable(result):
                await result
            self._seen.add(key)
            self.handled += 1
            if state is not None:
                state.write(key + "\n")
                state.flush()
                os.fsync(state.fileno())
        try:
            await msg.ack_sync()
        except asyncio.CancelledError:
            raise
        except Exception as exc:        # noqa: BLE001 - redelivered later, and then skipped as handled
            _log.warning("account events: acknowledgement of %s not confirmed (%s: %s)", key, type(exc).__name__, exc)

    def stop(self) -> None:
        self._stopping.set()
