"""``PerpetualTrading``: the perpetual-market state a derivative connector keeps beside its exchange base.

Positions per pair and side, the position mode (ONEWAY / HEDGE), leverage per
pair, and funding information kept live from the order book data source's
funding stream (hummingbot's class, same public names).

Differences from hummingbot, on purpose (docs/weaknesses.md, W-21):

* ``position_key(pair, side)`` in HEDGE mode needs ``PositionSide.LONG`` or
  ``SHORT``; ``None`` or ``BOTH`` raise ``ValueError`` with the reason instead
  of an ``AttributeError`` from ``None.name``.
* ``funding_info`` is a read-only view of the live mapping, O(1) per read (no
  deep copy). Its values are snapshots: an update replaces a pair's
  ``FundingInfo`` with a new object and never changes one a reader holds.
* Funding updates are validated; an update for a pair that is not
  initialised, or with a non-finite value, is logged and dropped, the loop
  goes on.
"""
from __future__ import annotations

import asyncio
import logging
from types import MappingProxyType
from typing import Dict, Iterable, List, Mapping, Optional

from hummingbot_conn.common import PositionMode, PositionSide
from hummingbot_conn.connector.funding_info import FundingInfo, FundingInfoUpdate
from hummingbot_conn.connector.position import Position

_HEDGE_SIDES = (PositionSide.LONG, PositionSide.SHORT)


class PerpetualTrading:
    """Positions, position mode, leverage and funding info for ``trading_pairs``."""

    _logger: Optional[logging.Logger] = None

    def __init__(self, trading_pairs: Iterable[str]) -> None:
        self._trading_pairs: List[str] = list(trading_pairs or [])
        self._account_positions: Dict[str, Position] = {}
        self._position_mode: PositionMode = PositionMode.ONEWAY
        self._leverage: Dict[str, int] = {}
        self._funding_info: Dict[str, FundingInfo] = {}
        self._funding_info_view = MappingProxyType(self._funding_info)
        self._positions_view = MappingProxyType(self._account_positions)
        self._funding_payment_span: List[int] = [0, 0]
        self._funding_info_stream: asyncio.Queue = asyncio.Queue()
        self._funding_info_updater_task: Optional[asyncio.Task] = None

    @classmethod
    def logger(cls) -> logging.Logger:
        if cls._logger is None:
            cls._logger = logging.getLogger(__name__)
        return cls._logger

    # -- positions ------------------------------------------------------------------------------
    @property
    def account_positions(self) -> Mapping[str, Position]:
        """Open positions by ``position_key`` (a read-only view; change it with ``set_position``)."""
        return self._positions_view

    def set_position(self, pos_key: str, position: Position) -> None:
        if not isinstance(position, Position):
            raise TypeError(f"set_position needs a Position, got {type(position).__name__}")
        self._account_positions[pos_key] = position

    def remove_position(self, pos_key: str) -> Optional[Position]:
        return self._account_positions.pop(pos_key, None)

    def position_key(self, trading_pair: str, side: Optional[PositionSide] = None,
                     mode: Optional[PositionMode] = None) -> str:
        """The key of a position in ``account_positions``.

        ONEWAY: the trading pair. HEDGE: the pair followed by the side's name
        ("BTC-USDT" + "LONG"). ``mode`` defaults to the current position mode.
        Raises ``ValueError`` in HEDGE mode when ``side`` is not LONG or SHORT (W-21).
        """
        mode = self._position_mode if mode is None else mode
        if mode == PositionMode.HEDGE:
            if side not in _HEDGE_SIDES:
                raise ValueError(f"a HEDGE-mode position key for {trading_pair} needs side LONG or SHORT, "
                                 f"got {side!r}")
            return f"{trading_pair}{side.name}"
        if mode != PositionMode.ONEWAY:
            raise ValueError(f"unknown position mode {mode!r}")
        return trading_pair

    def get_position(self, trading_pair: str, side: Optional[PositionSide] = None) -> Optional[Position]:
        """The open position of ``trading_pair`` (and ``side`` in HEDGE mode), or None."""
        return self._account_positions.get(self.position_key(trading_pair, side))

    # -- position mode and leverage ----------------------------------------------------------------
    @property
    def position_mode(self) -> PositionMode:
        return self._position_mode

    def set_position_mode(self, value: PositionMode) -> None:
        """Record the mode locally (the derivative base changes it on the exchange first)."""
        if not isinstance(value, PositionMode):
            raise TypeError(f"position mode must be a PositionMode, got {value!r}")
        self._position_mode = value

    def get_leverage(self, trading_pair: str) -> int:
        """The pair's leverage (1 until set)."""
        return self._leverage.get(trading_pair, 1)

    def set_leverage(self, trading_pair: str, leverage: int = 1) -> None:
        if isinstance(leverage, bool) or not isinstance(leverage, int) or leverage < 1:
            raise ValueError(f"leverage must be an integer >= 1, got {leverage!r}")
        self._leverage[trading_pair] = leverage

    # -- funding -------------------------------------------------------------------------------------
    @property
    def funding_info(self) -> Mapping[str, FundingInfo]:
        """Funding info by trading pair: a read-only live view, no copy (W-21)."""
        return self._funding_info_view

    @property
    def funding_info_stream(self) -> asyncio.Queue:
        """Where the order book data source puts ``FundingInfoUpdate`` records."""
        return self._funding_info_stream

    @property
    def funding_payment_span(self) -> List[int]:
        """Seconds before and after a funding time in which positions count for the payment."""
        return list(self._funding_payment_span)

    def initialize_funding_info(self, funding_info: FundingInfo) -> None:
        if not isinstance(funding_info, FundingInfo):
            raise TypeError(f"initialize_funding_info needs a FundingInfo, got {type(funding_info).__name__}")
        self._funding_info[funding_info.trading_pair] = funding_info

    def is_funding_info_initialized(self) -> bool:
        return all(pair in self._funding_info for pair in self._trading_pairs)

    def get_funding_info(self, trading_pair: str) -> FundingInfo:
        info = self._funding_info.get(trading_pair)
        if info is None:
            raise KeyError(f"no funding info for {trading_pair} (not initialised yet, or not tracked)")
        return info

    def apply_funding_info_update(self, update: FundingInfoUpdate) -> bool:
        """Apply one update; returns False (logged) when the pair is not initialised or a value is bad."""
        current = self._funding_info.get(update.trading_pair)
        if current is None:
            self.logger().debug("Funding info update for uninitialised pair %s dropped.", update.trading_pair)
            return False
        try:
            self._funding_info[update.trading_pair] = current.updated(update)
        except (TypeError, ValueError) as err:
            self.logger().error("Invalid funding info update %r dropped: %s", update, err)
            return False
        return True

    async def _funding_info_updater(self) -> None:
        while True:
            update = await self._funding_info_stream.get()
            try:
                if not isinstance(update, FundingInfoUpdate):
                    raise TypeError(f"expected a FundingInfoUpdate, got {type(update).__name__}")
                self.apply_funding_info_update(update)
            except Exception:
                self.logger().error("Unexpected error updating funding info.", exc_info=True)

    # -- lifecycle and pairs -----------------------------------------------------------------------------
    def start(self) -> None:
        """Start applying the funding stream (needs a running event loop)."""
        self.stop()
        self._funding_info_updater_task = asyncio.ensure_future(self._funding_info_updater())

    def stop(self) -> None:
        """Stop the updater and forget funding info (it is fetched afresh on the next start)."""
        if self._funding_info_updater_task is not None:
            self._funding_info_updater_task.cancel()
            self._funding_info_updater_task = None
        self._funding_info.clear()

    def add_trading_pair(self, trading_pair: str) -> None:
        if trading_pair not in self._trading_pairs:
            self._trading_pairs.append(trading_pair)

    def remove_trading_pair(self, trading_pair: str) -> None:
        """Stop tracking a pair: its funding info and leverage go too (positions stay until closed)."""
        if trading_pair in self._trading_pairs:
            self._trading_pairs.remove(trading_pair)
        self._funding_info.pop(trading_pair, None)
        self._leverage.pop(trading_pair, None)
