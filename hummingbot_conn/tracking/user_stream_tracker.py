"""UserStreamTracker: runs a ``UserStreamTrackerDataSource`` and holds its events.

``user_stream`` is a *bounded* ``asyncio.Queue`` of event dicts (for Binance
the unwrapped ``executionReport`` / ``outboundAccountPosition`` /
``balanceUpdate`` payloads), in the order the exchange sent them.

Overflow policy (hummingbot's queue was unbounded, W-16): the data source
never drops an event it has read.  If the consumer leaves the queue full for
longer than the data source's ``overflow_grace``, the connection is closed on
purpose (``overflow_count`` grows, a warning is logged), the data source waits
until the queue is half empty and reconnects, and the connection listeners are
called with the next connection number: the owner reconciles by REST what the
exchange sent during the gap.  So an overflowing consumer always shows up as a
reconnect, never as silently missing events.
"""
import asyncio
import contextlib
import logging
from typing import Optional

from hummingbot_conn.tracking.user_stream_tracker_data_source import ConnectionListener, UserStreamTrackerDataSource

__all__ = ["UserStreamTracker"]

_log = logging.getLogger(__name__)


class UserStreamTracker:
    """The connector's account stream.

    :param data_source: the venue's ``UserStreamTrackerDataSource``
    :param max_queue_size: capacity of ``user_stream`` (events; must be >= 1)

    Unlike hummingbot's, ``start()`` returns once the listening task runs
    (hummingbot's awaited it forever, so callers wrapped it in a task; doing
    that here still works).  ``stop()`` ends it.
    """

    DEFAULT_MAX_QUEUE_SIZE = 10_000

    def __init__(self, data_source: UserStreamTrackerDataSource, *,
                 max_queue_size: int = DEFAULT_MAX_QUEUE_SIZE) -> None:
        if not isinstance(data_source, UserStreamTrackerDataSource):
            raise TypeError(f"data_source must be a UserStreamTrackerDataSource, not {type(data_source).__name__}")
        if isinstance(max_queue_size, bool) or not isinstance(max_queue_size, int) or max_queue_size < 1:
            raise ValueError(f"max_queue_size must be an int >= 1, not {max_queue_size!r}")
        self._data_source = data_source
        self._user_stream: asyncio.Queue = asyncio.Queue(maxsize=max_queue_size)
        self._task: Optional[asyncio.Task] = None

    @property
    def data_source(self) -> UserStreamTrackerDataSource:
        return self._data_source

    @property
    def user_stream(self) -> asyncio.Queue:
        """Event dicts in exchange order (bounded; see the module docstring for the overflow policy)."""
        return self._user_stream

    @property
    def last_recv_time(self) -> float:
        """The data source's ``last_recv_time`` (kept across reconnects; 0.0 before the first connection)."""
        return self._data_source.last_recv_time

    @property
    def connected(self) -> bool:
        """True while the account subscription is live."""
        return self._data_source.connected

    @property
    def overflow_count(self) -> int:
        """How many times the consumer let the queue overflow (each one closed the connection)."""
        return self._data_source.overflow_count

    @property
    def is_running(self) -> bool:
        return self._task is not None and not self._task.done()

    def add_connection_listener(self, listener: ConnectionListener) -> None:
        """``listener(connection_number)`` after each successful subscription: 1 first, 2+ after reconnects.

        The connector reconciles open orders, fills and balances by REST on
        every call with ``n >= 2`` (docs/contracts.md, Contract 4).  A sync
        callable runs inline; a coroutine function runs as a task.
        """
        self._data_source.add_connection_listener(listener)

    def remove_connection_listener(self, listener: ConnectionListener) -> None:
        self._data_source.remove_connection_listener(listener)

    async def start(self) -> None:
        """Start listening (no-op if already running)."""
        if self.is_running:
            return
        await self.stop()
        self._task = asyncio.ensure_future(self._data_source.listen_for_user_stream(self._user_stream))
        self._task.add_done_callback(_report_end)

    async def stop(self) -> None:
        """Stop listening and close the connection (events already queued stay in ``user_stream``)."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._data_source.stop()


def _report_end(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        _log.error("The user stream listening task died", exc_info=task.exception())
