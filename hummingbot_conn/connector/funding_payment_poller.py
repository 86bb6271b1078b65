"""FundingPaymentPoller: the perpetual connector's funding payment loop (``PerpetualDerivativePyBase``).

Every ``funding_fee_poll_interval`` seconds (sooner while a pair has no
baseline yet, and at once when the venue's stream reports a payment), each
trading pair's payments since the ledger's floor are read and every one not
reported yet fires ``FundingPaymentCompletedEvent``, oldest first, with its
own funding time's rate (``funding_payments.FundingLedger``;
docs/binance_usdm_futures.md, section 12).  A failed read reports nothing
and moves nothing: the next poll reads the same window again.

A failure is logged once and its repeats counted (``hummingbot_conn.log_dedup``):
the pairs that failed alike in one poll share one line, so a refused API key
writes one line, then its count, not one line per pair per poll.
"""
import asyncio
import logging
from decimal import Decimal
from typing import Any, Dict, List, Optional

from hummingbot_conn.events import FundingPaymentCompletedEvent, MarketEvent
from hummingbot_conn.log_dedup import RepeatedLog

__all__ = ["FundingPaymentPoller"]

_logger = logging.getLogger(__name__)

_NAN = Decimal("NaN")
_ZERO = Decimal(0)
BASELINE_RETRY_DELAY = 5.0      # s between polls while a pair has no baseline yet
# a funding read ends this far past the venue's clock as last read (a payment stamped meanwhile)
FUNDING_WINDOW_SLACK_MS = 60_000


class FundingPaymentPoller:
    """Polls for ``connector`` (a ``PerpetualDerivativePyBase``): its ``_funding_ledger``, its hooks
    ``_venue_now_ms``, ``_fetch_funding_payments``, ``_fetch_funding_rates``, and ``trigger_event``."""

    def __init__(self, connector: Any) -> None:
        self._connector = connector
        self.poll_now = asyncio.Event()         # set: poll at once (the venue's stream reported a payment)
        self.poll_count = 0
        self._log = RepeatedLog(_logger)

    async def run(self) -> None:
        """Poll forever (cancelled by ``stop_network``; the counts of repeated failures are written then)."""
        try:
            while True:
                await self.poll_all()
                connector = self._connector
                interval = connector.funding_fee_poll_interval
                if any(connector._funding_ledger.window_start(pair) is None for pair in connector.trading_pairs):
                    interval = min(interval, BASELINE_RETRY_DELAY)    # no baseline yet: news starts late
                try:
                    async with asyncio.timeout(interval):
                        await self.poll_now.wait()
                except asyncio.TimeoutError:
                    pass
                self.poll_now.clear()
        finally:
            self._log.flush()

    async def poll_all(self) -> bool:
        """One poll of every trading pair; True when every read succeeded."""
        pairs = list(self._connector.trading_pairs)
        failures = await asyncio.gather(*(self.poll(pair) for pair in pairs))
        self.poll_count += 1
        by_error: Dict[str, List[str]] = {}
        for pair, failure in zip(pairs, failures):
            if failure is not None:
                by_error.setdefault(failure, []).append(pair)
        if not by_error:
            self._log.flush()                   # the condition ended: its count is written
            return True
        for failure, failed in by_error.items():
            self._log.warning("Could not read the funding payments of %s: %s (the next poll retries)",
                              ", ".join(failed), failure)
        return False

    async def poll(self, trading_pair: str) -> Optional[str]:
        """Report every payment of the pair since the ledger's floor that was not reported yet, oldest
        first, each with its own funding time's rate.  Returns None, or the failure's text: then
        nothing was reported and nothing moved."""
        connector = self._connector
        ledger = connector._funding_ledger
        try:
            start = ledger.window_start(trading_pair)
            now = await connector._venue_now_ms()
            if start is None:
                ledger.set_baseline(trading_pair, now)
                return None
            end = max(now, start) + FUNDING_WINDOW_SLACK_MS
            new = ledger.new_payments(trading_pair, await connector._fetch_funding_payments(trading_pair, start, end))
            if not new:
                return None
            missing = sorted({p.time_ms for p in new if p.rate is None})
            rates = await connector._fetch_funding_rates(trading_pair, missing) if missing else {}
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            return str(exc)
        for payment in new:
            rate = payment.rate if payment.rate is not None else rates.get(payment.time_ms)
            if rate is None:
                _logger.warning("No funding rate for the %s payment at %s ms in the venue's history.",
                                trading_pair, payment.time_ms)
                rate = _NAN
            action = "paid" if payment.amount < _ZERO else "received"
            _logger.info("Funding payment of %s %s %s on %s market.", abs(payment.amount), payment.asset,
                         action, trading_pair)
            connector.trigger_event(MarketEvent.FundingPaymentCompleted, FundingPaymentCompletedEvent(
                payment.time_ms / 1000, connector.name, trading_pair, payment.amount, rate))
        ledger.mark_reported(trading_pair, new)
        return None
