"""AccountRefresher: a prompt REST read of the account after each event that changes what the stream cannot carry.

Some figures are derived by the venue and never sent on the user stream: a
USDⓈ-M account's available balance (margin balance minus the initial margin of
positions and open orders, docs/binance_usdm_futures.md section 7) changes when
an order rests, fills or is cancelled, when a position opens, when leverage
changes, yet ``ACCOUNT_UPDATE`` carries the wallet balance only, and nothing at
all for a resting or cancelled order (section 8). The regular status poll runs
every ``long_poll_interval`` (two minutes by default) while the stream is
healthy, far too late. So the connector calls :meth:`request` on each such
event and the refresher reads the account soon after:

* **one in flight**: a request while a read is running marks the account dirty;
  one more read follows the running one (it was sent before the event, so it
  cannot be known to hold it), however many events came meanwhile;
* **coalesced**: the first read waits ``delay`` seconds, so the events of one
  venue step (a fill's ``ORDER_TRADE_UPDATE`` and ``ACCOUNT_UPDATE``) cost one read;
* **bounded rate**: a token bucket of ``burst`` reads refilled one per
  ``min_interval`` seconds (``min_interval_for`` derives it from the throttler's
  limits: at most a set share of the request weight, 10 % by default), so any
  span of T seconds holds at most ``burst + T / min_interval`` reads: a few
  events close together are each read at once, a steady stream of orders costs
  a read per ``min_interval`` and the last event of it is read at most
  ``min_interval`` later;
* **errors**: a failed read is logged (once, repeats counted) and retried after
  ``min_interval`` doubled per failure up to ``max_backoff``; a refusal of the
  credentials is not retried (the status poll owns that case).

The answer is applied by the connector's own ``_update_balances`` with its request
token, so the newer-wins rules (``venue_time.Freshness``, ``balances.Balances``)
order it against stream reports and other polls: an answer requested before a
stream write never rolls it back (docs/contracts.md, Contract 4).

Nothing runs before :meth:`start` (a connector that is not started sends nothing).
"""
import asyncio
import logging
from typing import Any, Awaitable, Callable, Optional

from hummingbot_conn.log_dedup import RepeatedLog

__all__ = ["AccountRefresher", "min_interval_for"]

_logger = logging.getLogger(__name__)

DEFAULT_DELAY = 0.02            # s: the events of one venue step arrive together
DEFAULT_WEIGHT_SHARE = 0.1      # the most of the request weight these reads may use
DEFAULT_MAX_BACKOFF = 60.0      # s between retries of a read that keeps failing
DEFAULT_BURST = 3               # reads at once before the rate binds (a place, a fill and a cancel)


def min_interval_for(throttler: Any, limit_id: str, share: float = DEFAULT_WEIGHT_SHARE) -> float:
    """Seconds between two requests on ``limit_id`` so that they use at most ``share`` (0 < share <= 1)
    of every pool the throttler charges them to (after its own share): for Binance USDⓈ-M's
    ``/fapi/v2/account`` (weight 5 of 2400 a minute) and 0.1, 1.25 s.

    :raises ValueError: ``share`` outside (0, 1]; the throttler's ``UnknownLimitError`` for an unknown limit
    """
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < share <= 1:
        raise ValueError(f"share must be a number in (0, 1], got {share!r}")
    own, linked = throttler.get_related_limits(limit_id)
    charges = [(own, own.weight)] + linked
    interval = 0.0
    for limit, weight in charges:
        capacity = throttler.capacity(limit.limit_id)
        if weight and capacity:
            interval = max(interval, weight * limit.time_interval / (capacity * share))
    return interval


class AccountRefresher:
    """Runs ``refresh`` soon after :meth:`request`, one at a time, at a bounded rate (module docstring).

    :param refresh: the account read (it applies what it learns); raises on failure
    :param delay: seconds from the first request to the read it triggers
    :param min_interval: seconds per read on average (the bucket's refill)
    :param burst: reads the bucket holds (>= 1): how many may start back to back
    :param is_permanent_error: ``exc -> bool``, True for an error a retry cannot cure
    :param clock: seconds (monotonic), for the interval; ``sleep``: the matching pause (tests inject both)
    """

    def __init__(self, refresh: Callable[[], Awaitable[None]], *, delay: float = DEFAULT_DELAY,
                 min_interval: float = 1.0, burst: int = DEFAULT_BURST, max_backoff: float = DEFAULT_MAX_BACKOFF,
                 is_permanent_error: Callable[[BaseException], Any] = lambda exc: False,
                 clock: Optional[Callable[[], float]] = None,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
        if delay < 0 or min_interval < 0 or max_backoff < 0:
            raise ValueError("delay, min_interval and max_backoff are seconds >= 0")
        if isinstance(burst, bool) or not isinstance(burst, int) or burst < 1:
            raise ValueError(f"burst must be an int >= 1, got {burst!r}")
        self._refresh = refresh
        self.delay = delay
        self.min_interval = min_interval
        self.burst = burst
        self.max_backoff = max_backoff
        self._is_permanent_error = is_permanent_error
        self._clock = clock or (lambda: asyncio.get_running_loop().time())
        self._sleep = sleep
        self._running = False
        self._dirty = False
        self._task: Optional[asyncio.Task] = None
        self._tokens = float(burst)
        self._refilled_at: Optional[float] = None
        self._last_start = float("-inf")
        self._failures = 0
        self._log = RepeatedLog(_logger)
        self.refresh_count = 0          # reads started (for tests and metrics)

    @property
    def pending(self) -> bool:
        """Whether an event asked for a read that has not been sent yet."""
        return self._dirty

    def start(self) -> None:
        """Accept requests from now on."""
        self._running = True

    async def stop(self) -> None:
        """Cancel a pending or running read; later requests are ignored until :meth:`start`."""
        self._running = False
        self._dirty = False
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self._log.flush()

    def request(self) -> None:
        """Something changed the account on the venue: read it soon (never raises, never blocks)."""
        if not self._running:
            return
        self._dirty = True
        if self._task is None or self._task.done():     # else the running task sees the flag
            self._task = asyncio.get_running_loop().create_task(self._run())

    def _refill(self) -> float:
        """Tokens in the bucket now."""
        now = self._clock()
        if self._refilled_at is not None and self.min_interval > 0:
            self._tokens = min(float(self.burst), self._tokens + (now - self._refilled_at) / self.min_interval)
        elif self.min_interval == 0:
            self._tokens = float(self.burst)
        self._refilled_at = now
        return self._tokens

    async def _run(self) -> None:
        await self._sleep(self.delay)
        while self._dirty:
            wait = (1.0 - self._refill()) * self.min_interval
            if self._failures:
                backoff = min(self.min_interval * (2 ** self._failures), self.max_backoff)
                wait = max(wait, self._last_start + backoff - self._clock())
            if wait > 0:
                await self._sleep(wait)
                self._refill()
            self._tokens = max(0.0, self._tokens - 1.0)
            self._dirty = False             # a request from here on needs a read sent after it
            self._last_start = self._clock()
            self.refresh_count += 1
            try:
                await self._refresh()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self._is_permanent_error(exc):
                    self._log.warning("Could not refresh the account (not retried, the status poll "
                                      "will): %s", exc)
                    self._failures = 0
                    continue
                self._failures += 1
                self._dirty = True
                self._log.warning("Could not refresh the account (retrying): %s", exc)
            else:
                self._failures = 0
                self._log.flush()
