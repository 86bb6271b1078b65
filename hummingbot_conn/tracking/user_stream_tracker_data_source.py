"""UserStreamTrackerDataSource: one account's private event stream, kept alive.

A venue subclasses it with hummingbot's hooks (same names, same roles):

* ``_connected_websocket_assistant()`` -> a connected ``WSAssistant``
* ``_subscribe_channels(ws)``: subscribe; raise if the exchange refuses
* ``_send_ping(ws)``: after subscribing (refreshes ``last_recv_time``)
* ``_process_websocket_messages(ws, queue)``: read frames until the socket ends
* ``_process_event_message(msg, queue)``: one frame -> zero or more events
* ``_on_user_stream_interruption(ws)``: clean up after any interruption

``listen_for_user_stream(output)`` runs connect -> subscribe -> ping -> read
in a loop until ``stop()``.  What differs from hummingbot, on purpose
(docs/weaknesses.md W-16, W-18):

* Every interruption (socket dropped, subscription refused, stream terminated
  by the exchange, consumer overflow, an unexpected error) is followed by a
  pause from a capped exponential back-off with jitter, never an immediate
  retry.  The back-off resets only once a connection proved healthy (it
  delivered an event, or stayed subscribed for ``stable_after`` seconds), so
  a server that accepts and then drops at once never gets a tight loop.
* A refusal that retrying cannot cure (``_is_permanent_error``: the venue
  rejected the API key or secret) is kept in ``permanent_error`` for the
  owner (the connector's ``wait_ready`` raises it at once) and retried only
  every ``permanent_retry_delay`` seconds.  Repeated identical errors are
  logged once, then counted (``hummingbot_conn.log_dedup``).
* A socket that stays open but goes silent (nothing delivered, pings
  unanswered) is noticed: after ``heartbeat_interval`` seconds without any
  frame we ping, and if nothing comes back within ``pong_timeout`` the socket
  is closed and the loop reconnects, which notifies the owner to reconcile
  (docs/contracts.md, Contract 4).  Defaults 30 + 10 s: within 40 s.
* ``last_recv_time`` keeps its last value while reconnecting (hummingbot's
  dropped to 0 and flipped ``ready`` to False on every blip); ``connected``
  says whether a subscription is live right now.
* The owner learns about every successful subscription: connection listeners
  get ``1`` for the first and ``2, 3, ...`` after each reconnect, so the
  connector reconciles by REST whatever was missed while away
  (docs/contracts.md, Contract 4).
* The output queue may be bounded.  Nothing is dropped silently: when it is
  full, the reader waits up to ``overflow_grace`` seconds for room; past
  that the connection is closed on purpose (``overflow_count`` + 1, a
  warning), the loop waits until the queue is half empty, reconnects, and the
  reconnect notification tells the owner to reconcile.  Invariant: every
  event the exchange sent is either on the queue exactly once, in order, or
  falls in a gap that is followed by a connection notification ``n >= 2``.
"""
import asyncio
import functools
import inspect
import logging
import time
from abc import abstractmethod
from typing import Any, Awaitable, Callable, List, Optional, Set, Union

from hummingbot_conn.hooks import VenueHooks
from hummingbot_conn.log_dedup import RepeatedLog
from hummingbot_conn.web.backoff import ExponentialBackoff
from hummingbot_conn.web.errors import ExchangeError, WSDisconnectedError, is_auth_rejection
from hummingbot_conn.web.ws_assistant import WSAssistant

__all__ = ["UserStreamTrackerDataSource", "UserStreamOverflowError", "ConnectionListener"]

_log = logging.getLogger(__name__)

# listener(connection_number): a plain callable, or one returning an awaitable (scheduled as a task)
ConnectionListener = Callable[[int], Union[None, Awaitable[None]]]


class UserStreamOverflowError(ConnectionError):
    """The consumer left the output queue full for longer than ``overflow_grace`` seconds.

    Raised inside the listening loop, which closes the connection on purpose;
    the next subscription notifies the connection listeners so the owner
    reconciles the gap.
    """


class UserStreamTrackerDataSource(VenueHooks):
    """Base of a venue's user stream (see the module docstring for the loop and its guarantees).

    :param backoff: pauses between connection attempts (default 0.5 s doubling to 30 s, 30 % jitter)
    :param sleep: ``async sleep(seconds)`` (injected for tests)
    :param clock: monotonic seconds, used to judge whether a connection was stable
    :param stable_after: seconds a subscription must last to reset the back-off
        without having delivered an event
    :param overflow_grace: seconds the reader waits for room in a full output queue
        before closing the connection (see the module docstring)
    :param heartbeat_interval: seconds without any frame after which we ping the server
    :param pong_timeout: seconds the ping may stay unanswered (no frame at all) before the
        socket counts as dead; a silent stream is noticed within
        ``heartbeat_interval + pong_timeout`` seconds (``silence_detection_time``)
    :param permanent_retry_delay: seconds between attempts while the venue refuses the
        credentials (``_is_permanent_error``)
    """

    DEFAULT_HEARTBEAT_INTERVAL = 30.0
    DEFAULT_PONG_TIMEOUT = 10.0
    DEFAULT_PERMANENT_RETRY_DELAY = 60.0

    def __init__(self, *, backoff: Optional[ExponentialBackoff] = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 clock: Callable[[], float] = time.monotonic,
                 stable_after: float = 30.0, overflow_grace: float = 2.0,
                 heartbeat_interval: float = DEFAULT_HEARTBEAT_INTERVAL,
                 pong_timeout: float = DEFAULT_PONG_TIMEOUT,
                 permanent_retry_delay: float = DEFAULT_PERMANENT_RETRY_DELAY) -> None:
        if stable_after < 0 or overflow_grace < 0:
            raise ValueError("stable_after and overflow_grace must be >= 0")
        if not (heartbeat_interval > 0 and pong_timeout > 0 and permanent_retry_delay >= 0):
            raise ValueError("heartbeat_interval and pong_timeout must be > 0, permanent_retry_delay >= 0")
        self.heartbeat_interval = float(heartbeat_interval)
        self.pong_timeout = float(pong_timeout)
        self.permanent_retry_delay = float(permanent_retry_delay)
        self._log = RepeatedLog(_log)
        self._ws_assistant: Optional[WSAssistant] = None
        self._backoff = backoff or ExponentialBackoff(initial=0.5, maximum=30.0)
        self._sleep = sleep
        self._clock = clock
        self._stable_after = stable_after
        self._overflow_grace = overflow_grace
        self._listeners: List[ConnectionListener] = []
        self._listener_tasks: Set[asyncio.Task] = set()
        self._last_recv_time = 0.0
        self._connection_number = 0
        self._subscribed = False
        self._subscribed_at = 0.0
        self._events_on_connection = 0
        self._stopping = False
        self.last_error: Optional[BaseException] = None
        # the last refusal retrying cannot cure (a wrong key); None once a subscription succeeds
        self.permanent_error: Optional[BaseException] = None
        self.overflow_count = 0

    # ------------------------------------------------------------------ state
    @property
    def last_recv_time(self) -> float:
        """When the last frame of any kind (data, ping, pong) arrived, in the WS connection's clock.

        The connection clock is the ``ConnectionsFactory``'s (``time.monotonic``
        by default).  0.0 until the first connection; afterwards it keeps its
        last value across reconnects (W-18) instead of dropping to 0.
        """
        self._remember_recv_time()
        return self._last_recv_time

    def _remember_recv_time(self) -> None:
        ws = self._ws_assistant
        if ws is not None and ws.connected:
            self._last_recv_time = max(self._last_recv_time, ws.last_recv_time)

    @property
    def silence_detection_time(self) -> float:
        """Seconds after its last frame within which a silent socket is closed and replaced."""
        return self.heartbeat_interval + self.pong_timeout

    @property
    def connected(self) -> bool:
        """True while a subscription is live (between a successful subscribe and the next interruption)."""
        ws = self._ws_assistant
        return self._subscribed and ws is not None and ws.connected

    @property
    def connection_number(self) -> int:
        """Successful subscriptions so far (what the last connection listener call received)."""
        return self._connection_number

    def add_connection_listener(self, listener: ConnectionListener) -> None:
        """Call ``listener(n)`` after each successful subscription: n = 1 first, 2+ after reconnects.

        A coroutine function (or any callable returning an awaitable) runs as
        its own task, so a slow reconciliation never stalls the stream; tasks
        of successive connections may overlap.  Errors are logged, never raised
        into the stream.
        """
        if not callable(listener):
            raise TypeError(f"a connection listener must be callable, not {type(listener).__name__}")
        self._listeners.append(listener)

    def remove_connection_listener(self, listener: ConnectionListener) -> None:
        self._listeners.remove(listener)

    # ------------------------------------------------------------------ loop
    async def listen_for_user_stream(self, output: asyncio.Queue) -> None:
        """Put the account's events on ``output`` until ``stop()`` (or cancellation).

        Never returns on a network or exchange error: it logs, backs off and reconnects.
        """
        self._stopping = False
        attempt = 0
        while not self._stopping:
            ws: Optional[WSAssistant] = None
            overflowed = False
            permanent = False
            try:
                ws = await self._connected_websocket_assistant()
                self._ws_assistant = ws
                if self._stopping:          # stop() ran while we were connecting
                    break
                if ws.on_reconnected is None:
                    # a port that reads with ws.iter_messages() lets the assistant heal a drop
                    # by itself: resubscribe (and notify) then too, or the new socket is mute
                    ws.on_reconnected = self._resubscribe_after_assistant_reconnect
                await self._subscribe(ws)
                await self._process_websocket_messages(websocket_assistant=ws, queue=output)
            except asyncio.CancelledError:
                raise
            except UserStreamOverflowError as exc:
                overflowed = True
                self.overflow_count += 1
                self.last_error = exc
                self._log.warning("%s; closing the user stream connection, the owner reconciles after the "
                                  "reconnect", exc)
            except asyncio.QueueFull as exc:        # a port's put_nowait() on a full bounded queue
                overflowed = True
                self.overflow_count += 1
                self.last_error = UserStreamOverflowError(f"user stream output queue full ({output.qsize()} "
                                                          "events)")
                self.last_error.__cause__ = exc
                self._log.warning("%s; closing the user stream connection", self.last_error)
            except ExchangeError as exc:
                self.last_error = exc
                permanent = self._is_permanent_error(exc)
                if permanent:
                    self.permanent_error = exc
                    self._log.error("User stream subscription refused for good (retrying every %g s): %s",
                                    self.permanent_retry_delay, exc)
                else:
                    self._log.error("User stream subscription refused: %s", exc)
            except (ConnectionError, OSError, asyncio.TimeoutError) as exc:
                self.last_error = exc
                if not self._stopping:
                    self._log.warning("The user stream connection was interrupted (%s: %s)",
                                      type(exc).__name__, exc)
            except Exception as exc:
                self.last_error = exc
                self._log.exception("Unexpected error while listening to the user stream; reconnecting after "
                                    "a pause")
            finally:
                healthy = self._subscribed and (
                    self._events_on_connection > 0 or self._clock() - self._subscribed_at >= self._stable_after)
                self._remember_recv_time()        # before the socket goes
                self._subscribed = False
                try:
                    await self._on_user_stream_interruption(websocket_assistant=ws)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    _log.exception("Error while closing the user stream connection")
                self._ws_assistant = None
            if self._stopping:
                break
            if healthy:
                attempt = 0
            delay = self.permanent_retry_delay if permanent else self._backoff.delay(attempt)
            # the first pause after a healthy connection is news; those of a failing series are not
            _log.log(logging.INFO if attempt == 0 else logging.DEBUG, "Reconnecting to the user stream in %.2f s",
                     delay)
            attempt += 1
            await self._sleep(delay)
            if overflowed:
                await self._wait_for_room(output)

    async def _subscribe(self, ws: WSAssistant) -> None:
        await self._subscribe_channels(websocket_assistant=ws)
        await self._send_ping(websocket_assistant=ws)      # so last_recv_time reflects this connection
        self._subscribed = True
        self._subscribed_at = self._clock()
        self._events_on_connection = 0
        self.last_error = None
        self.permanent_error = None
        self._log.flush()                   # the errors that came before, with their counts
        self._connection_number += 1
        self._notify(self._connection_number)

    async def _resubscribe_after_assistant_reconnect(self, ws: WSAssistant) -> None:
        self._subscribed = False
        await self._subscribe(ws)

    async def _wait_for_room(self, output: asyncio.Queue) -> None:
        # reconnecting into a queue that is still full would only overflow again
        if output.maxsize <= 0:
            return
        while not self._stopping and output.qsize() > output.maxsize // 2:
            await self._sleep(0.05)

    def _notify(self, connection_number: int) -> None:
        for listener in list(self._listeners):
            try:
                result = listener(connection_number)
            except Exception:
                _log.exception("User stream connection listener %r failed", listener)
                continue
            if inspect.isawaitable(result):
                task = asyncio.ensure_future(result)
                self._listener_tasks.add(task)
                task.add_done_callback(functools.partial(self._listener_done, listener))

    def _listener_done(self, listener: ConnectionListener, task: asyncio.Task) -> None:
        self._listener_tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            _log.error("User stream connection listener %r failed", listener, exc_info=task.exception())

    async def _enqueue(self, queue: asyncio.Queue, event: Any) -> None:
        """Put one event on the output queue under the overflow policy (module docstring)."""
        try:
            queue.put_nowait(event)
        except asyncio.QueueFull:
            try:
                async with asyncio.timeout(self._overflow_grace):
                    await queue.put(event)
            except asyncio.TimeoutError:
                raise UserStreamOverflowError(
                    f"the user stream consumer left the output queue full ({queue.qsize()} events) "
                    f"for {self._overflow_grace:g} s") from None
        self._events_on_connection += 1

    async def stop(self) -> None:
        """End the stream: close the socket (``listen_for_user_stream`` returns) and cancel listener tasks."""
        self._stopping = True
        self._log.flush()                   # the counts of repeated errors still pending
        self._remember_recv_time()
        ws, self._ws_assistant = self._ws_assistant, None
        self._subscribed = False
        if ws is not None:
            await ws.disconnect()
        tasks = list(self._listener_tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    # ------------------------------------------------------------------ hooks
    def _is_permanent_error(self, error: BaseException) -> bool:
        """True when retrying cannot cure ``error`` (default: HTTP 401); a venue adds its codes."""
        return is_auth_rejection(error)

    @abstractmethod
    async def _connected_websocket_assistant(self) -> WSAssistant:
        """A ``WSAssistant`` connected to the venue's private endpoint (a new one per attempt)."""

    @abstractmethod
    async def _subscribe_channels(self, websocket_assistant: WSAssistant) -> None:
        """Subscribe to the account's events; raise (e.g. ``ExchangeError``) if the venue refuses."""

    async def _send_ping(self, websocket_assistant: WSAssistant) -> None:
        await websocket_assistant.ping()

    async def _process_websocket_messages(self, websocket_assistant: WSAssistant, queue: asyncio.Queue) -> None:
        """Read frames until the socket ends; a drop raises ``WSDisconnectedError`` (the loop reconnects)."""
        while True:
            response = await websocket_assistant.receive()
            if response is None:        # closed locally (stop())
                if not self._stopping:
                    raise WSDisconnectedError("the user stream socket was closed")
                return
            await self._process_event_message(event_message=response.data, queue=queue)

    async def _process_event_message(self, event_message: Any, queue: asyncio.Queue) -> None:
        """Default: a non-empty message is one event (hummingbot's rule)."""
        if event_message:
            await self._enqueue(queue, event_message)

    async def _on_user_stream_interruption(self, websocket_assistant: Optional[WSAssistant]) -> None:
        if websocket_assistant is not None:
            await websocket_assistant.disconnect()
