"""Balances: total and available amount per asset, from the stream and from REST.

Two sources report balances: stream events (absolute values per asset, or a
delta) and REST snapshots of the whole account.  A snapshot can be older than
a stream event that arrived while the request was in flight; applying it
blindly would roll that asset back.  So every write may carry ``as_of``, the
venue's time of the state it reports (Binance: ``updateTime`` of
``GET /account``, ``u`` of ``outboundAccountPosition``, ``T`` of
``balanceUpdate``), and a snapshot leaves alone any asset the stream updated
at a later venue time.  Without ``as_of`` a write always applies.

At equal venue times the snapshot wins: the venue's ``updateTime`` is the
time of the account's last change, so a snapshot stamped T already holds
every change made at T, whereas a stream event stamped T may precede a
second change in the same millisecond.
"""
from decimal import Decimal
from typing import Dict, Mapping, Optional, Tuple

__all__ = ["Balances"]

_ZERO = Decimal(0)


class Balances:
    """``total`` and ``available`` dicts (asset -> Decimal), kept consistent.

    Cost: O(1) per asset update, O(assets) per snapshot.
    """

    def __init__(self) -> None:
        self.total: Dict[str, Decimal] = {}
        self.available: Dict[str, Decimal] = {}
        self._as_of: Dict[str, float] = {}     # asset -> venue time of its last stream update
        self.snapshot_received = False

    def get_balance(self, asset: str) -> Decimal:
        return self.total.get(asset, _ZERO)

    def get_available_balance(self, asset: str) -> Decimal:
        return self.available.get(asset, _ZERO)

    def get_all_balances(self) -> Dict[str, Decimal]:
        return dict(self.total)

    def set_balance(self, asset: str, total: Decimal, available: Decimal, as_of: Optional[float] = None) -> None:
        """An absolute value for one asset (a stream position update)."""
        if as_of is not None:
            previous = self._as_of.get(asset)
            if previous is not None and as_of < previous:
                return                      # an older report than what we hold
            self._as_of[asset] = as_of
        self.total[asset] = total
        self.available[asset] = available

    def apply_delta(self, asset: str, delta: Decimal, as_of: Optional[float] = None) -> None:
        """A deposit / withdrawal / transfer: both amounts move by ``delta``.

        Skipped when we already hold a state of the asset at or after
        ``as_of`` (a snapshot or position at that venue time includes it).
        """
        if as_of is not None:
            previous = self._as_of.get(asset)
            if previous is not None and as_of <= previous:
                return
            self._as_of[asset] = as_of
        self.total[asset] = self.total.get(asset, _ZERO) + delta
        self.available[asset] = self.available.get(asset, _ZERO) + delta

    def apply_snapshot(self, balances: Mapping[str, Tuple[Decimal, Decimal]], as_of: Optional[float] = None,
                       complete: bool = True) -> None:
        """The account as REST reports it: ``{asset: (total, available)}``.

        ``complete``: assets missing from ``balances`` are gone (hummingbot's
        rule), unless the stream updated them after ``as_of``.
        """
        for asset, (total, available) in balances.items():
            if as_of is not None and self._as_of.get(asset, as_of) > as_of:
                continue                    # the stream told us something newer
            self.total[asset] = total
            self.available[asset] = available
            if as_of is not None:
                self._as_of[asset] = as_of
        if complete:
            for asset in [a for a in self.total if a not in balances]:
                if as_of is not None and self._as_of.get(asset, as_of) > as_of:
                    continue
                del self.total[asset]
                self.available.pop(asset, None)
                self._as_of.pop(asset, None)
        self.snapshot_received = True
