"""Reading Kraken's available balances again after they moved, without filling the call counter.

No Kraken channel carries the holds of open orders: the ``balances`` channel
gives totals, and the available amount (``balance - hold_trade``) comes from
``BalanceEx`` alone (docs/kraken_spot.md).  Each execution or ledger entry
asks for a new read; a burst of them (one match reports several) coalesces
into one call after ``first_delay``, and while they keep coming the reads
are spaced by ``interval`` (half the call counter's decay), the last one
after the last event.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable, Optional

from hummingbot_conn.connector.decimal_context import library_context

__all__ = ["BalanceRefresher", "BALANCE_REFRESH_DELAY", "BALANCE_REFRESH_SPACING"]

BALANCE_REFRESH_DELAY = 0.05        # s: reports of one match coalesce into one BalanceEx call
#: at least this many seconds (per call counter unit of decay) between two of those calls: half the
#: counter's decay, so balances alone never fill it (Starter: 6 s, Intermediate: 4 s, Pro: 2 s)
BALANCE_REFRESH_SPACING = 2.0

_log = logging.getLogger(__name__)


class BalanceRefresher:
    """Calls ``read`` after ``moved()`` (module docstring); ``stop()`` cancels a read under way.

    :param read: reads and applies the balances (``KrakenExchange._update_balances``); its errors are
        logged, never raised (the status poller reads the balances again later)
    :param interval: seconds between two reads while balances keep moving
    :param first_delay: seconds from the first ``moved()`` to the first read
    """

    def __init__(self, read: Callable[[], Awaitable[None]], interval: float,
                 first_delay: float = BALANCE_REFRESH_DELAY) -> None:
        if not interval > 0 or not first_delay >= 0:
            raise ValueError(f"interval must be > 0 and first_delay >= 0 seconds, not {interval!r}, {first_delay!r}")
        self._read = read
        self.interval = interval
        self._first_delay = first_delay
        self._task: Optional[asyncio.Task] = None
        self._again = False

    def moved(self) -> None:
        """Balances moved: read them soon (one read for a burst, spaced reads while it goes on)."""
        if self._task is not None and not self._task.done():
            self._again = True
            return
        # its own task, not the order placer's: it is no order operation, and it may wait on the call
        # counter for a while
        self._task = asyncio.get_running_loop().create_task(self._run(), context=library_context())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _run(self) -> None:
        delay = self._first_delay
        while True:
            self._again = False
            await asyncio.sleep(delay)
            delay = self.interval
            try:
                await self._read()
            except asyncio.CancelledError:
                raise
            except Exception as exc:        # noqa: BLE001 - the status poller reads them again later
                _log.warning("Could not read Kraken balances after an execution (%s: %s).", type(exc).__name__, exc)
            if not self._again:
                return
