"""Balances: total and available amount per asset, from the stream and from REST.

Two sources report balances: stream events (absolute values per asset, or a
delta) and REST snapshots of the whole account. A snapshot can be older than
a stream event that arrived while the request was in flight; applying it
blindly would roll that asset back. So every write may carry ``as_of``, the
venue's time of the state it reports (Binance spot: ``updateTime`` of
``GET /api/v3/account``, ``u`` of ``outboundAccountPosition``, ``T`` of
``balanceUpdate``; USDⓈ-M: each asset's ``updateTime`` of ``GET /fapi/v2/account``,
``T`` of ``ACCOUNT_UPDATE``), and a snapshot may carry ``requested_at``, a
token taken just before its request was sent. The rules (newer venue time
wins; a snapshot requested before a stream write it may not hold never
undoes it; a stamp past the synchronised clock is not believed, so one bad
stamp cannot freeze an asset) are ``venue_time.Freshness``'s, per asset;
docs/contracts.md, Contract 4. Without ``as_of`` a write always applies.

Where the stream does not carry the available amount (``available_from_stream``
False: Binance USDⓈ-M, whose ``ACCOUNT_UPDATE`` has the wallet balance only), the
available amount is REST's alone and the asset's venue time cannot order it: it
moves when an order rests or is cancelled, and with the mark price, while the
asset's time stays put. Then a stream report writes the total only
(``set_total``), and of two snapshots the one requested later holds the
available amount, whichever answer arrives last (docs/contracts.md, Contract 4).
"""
import logging
from decimal import Decimal
from typing import Callable, Dict, Mapping, Optional, Tuple

from hummingbot_conn.connector.venue_time import Freshness

__all__ = ["Balances"]

_logger = logging.getLogger(__name__)

_ZERO = Decimal(0)


class Balances:
    """``total`` and ``available`` dicts (asset -> Decimal), kept consistent.

    :param now_ms: the venue's clock now in ms (the connector's synchronised clock), used to
        recognise stamps from the future; None: stamps are not checked against a clock
    :param available_from_stream: whether the venue's stream reports the available amount
        (spot: ``f`` of ``outboundAccountPosition``); False: only snapshots do (see the module docstring)

    Cost: O(1) per asset update, O(assets) per snapshot.
    """

    def __init__(self, now_ms: Optional[Callable[[], float]] = None, *, available_from_stream: bool = True) -> None:
        self.total: Dict[str, Decimal] = {}
        self.available: Dict[str, Decimal] = {}
        self._freshness = Freshness("balance", now_ms)
        self.available_from_stream = available_from_stream
        self._available_requested: Dict[str, int] = {}   # asset -> request token of the snapshot held
        self.snapshot_received = False

    def get_balance(self, asset: str) -> Decimal:
        return self.total.get(asset, _ZERO)

    def get_available_balance(self, asset: str) -> Decimal:
        return self.available.get(asset, _ZERO)

    def get_all_balances(self) -> Dict[str, Decimal]:
        return dict(self.total)

    @staticmethod
    def snapshot_token() -> int:
        """Take this just before sending a snapshot request; pass it as ``apply_snapshot(requested_at=)``."""
        return Freshness.token()

    def set_balance(self, asset: str, total: Decimal, available: Decimal, as_of: Optional[float] = None) -> bool:
        """An absolute value for one asset (a stream position update); False when older than the held state.

        :raises ValueError: an unreadable ``as_of`` (nothing is changed)
        """
        if not self._freshness.accept_stream(asset, as_of):
            return False
        self.total[asset] = total
        self.available[asset] = available
        return True

    def set_total(self, asset: str, total: Decimal, as_of: Optional[float] = None) -> bool:
        """A stream report of the total alone (the event does not carry the available amount, which
        is kept until a snapshot brings it); False when older than the held state.

        :raises ValueError: an unreadable ``as_of`` (nothing is changed)
        """
        if not self._freshness.accept_stream(asset, as_of):
            return False
        self.total[asset] = total
        return True

    def apply_delta(self, asset: str, delta: Decimal, as_of: Optional[float] = None) -> bool:
        """A deposit / withdrawal / transfer: both amounts move by ``delta``.

        Skipped (False) when we already hold a state of the asset at or after
        ``as_of`` (a snapshot or position at that venue time includes it).
        """
        if not self._freshness.accept_stream(asset, as_of, strict=True):
            return False
        self.total[asset] = self.total.get(asset, _ZERO) + delta
        self.available[asset] = self.available.get(asset, _ZERO) + delta
        return True

    def apply_snapshot(self, balances: Mapping[str, Tuple[Decimal, Decimal]], as_of: Optional[float] = None,
                       complete: bool = True, *, requested_at: Optional[int] = None,
                       asset_times: Optional[Mapping[str, Optional[float]]] = None) -> None:
        """The account as REST reports it: ``{asset: (total, available)}``.

        ``as_of``: the venue time of the whole snapshot; ``asset_times`` overrides it per asset.
        ``requested_at``: ``snapshot_token()`` taken before the request was sent.
        ``complete``: assets missing from ``balances`` are gone (hummingbot's rule), unless the
        stream reported them after the snapshot (same rules). An unreadable stamp of one asset
        leaves that asset alone (logged) and applies the others.
        """
        times = asset_times or {}
        for asset, (total, available) in balances.items():
            total_applies = self._snapshot_applies(asset, times.get(asset, as_of), requested_at)
            if total_applies:
                self.total[asset] = total
            if self._available_applies(asset, total_applies, requested_at):
                self.available[asset] = available
        if complete:
            for asset in [a for a in self.total if a not in balances]:
                if self._snapshot_applies(asset, as_of, requested_at):
                    del self.total[asset]
                    self.available.pop(asset, None)
        self.snapshot_received = True

    def _available_applies(self, asset: str, total_applies: bool, requested_at: Optional[int]) -> bool:
        if self.available_from_stream or requested_at is None:
            return total_applies
        # REST alone reports it: the later request holds the later figure (never a rollback by an
        # answer that was overtaken); a venue time cannot order it, see the module docstring
        if requested_at <= self._available_requested.get(asset, 0):
            return False
        self._available_requested[asset] = requested_at
        return True

    def _snapshot_applies(self, asset: str, as_of: Optional[float], requested_at: Optional[int]) -> bool:
        try:
            return self._freshness.accept_snapshot(asset, as_of, requested_at)
        except ValueError as exc:
            _logger.error("Balance of %s in a snapshot left alone: %s", asset, exc)
            return False
