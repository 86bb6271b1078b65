"""The ``/fapi`` handlers of an account's configuration (docs/binance_usdm_futures.md section 5).

A mixin of :class:`~hummingbot_conn.sim.binance.usdm.rest.FuturesRestApi`:
leverage and its brackets, margin type (the venue is cross-margin only),
position mode, commission rates, and the per-symbol and account-wide
configuration documents.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ..errors import SimError
from .specs import plain

if TYPE_CHECKING:
    from .engine import FuturesEngine

__all__ = ["ConfigHandlers", "parse_bool"]


def parse_bool(p, name: str) -> bool | None:
    """A ``true`` / ``false`` parameter (any case); -1130 for anything else."""
    value = p.text(name)
    if value is None:
        return None
    if value.lower() not in ("true", "false"):
        raise SimError(-1130, f"Data sent for parameter '{name}' is not valid.")
    return value.lower() == "true"


class ConfigHandlers:
    """Handlers ``(params, account, headers) -> JSON`` of the account's settings."""

    engine: FuturesEngine
    per_symbol: Callable
    symbols_of: Callable

    def leverage(self, p, account, headers):
        symbol = p.text("symbol", required=True)
        leverage = p.integer("leverage", required=True)
        self.engine.set_leverage(account, symbol, leverage)
        return {"leverage": leverage, "maxNotionalValue": str(self.engine.specs[symbol].max_notional(leverage)),
                "symbol": symbol}

    def leverage_bracket(self, p, account, headers):
        """``GET /fapi/v1/leverageBracket[?symbol=]``: a list of every contract's brackets, or the one
        contract's document when ``symbol`` is sent (the venue's two documented shapes)."""
        return self.per_symbol(p, lambda s: {"symbol": s, "notionalCoef": 1.0,
                                             "brackets": self.engine.specs[s].brackets()})

    def margin_type(self, p, account, headers):
        """``POST /fapi/v1/marginType``: the venue is cross-margin only (section 11), so CROSSED is
        the venue's "no need to change" (-4046) and ISOLATED is refused (-1130, saying why)."""
        symbol = p.text("symbol", required=True)
        kind = p.enum("marginType", ("ISOLATED", "CROSSED"), required=True)
        self.engine.spec(symbol)
        if kind == "CROSSED":
            raise SimError(-4046, "No need to change margin type.")
        raise SimError(-1130, "Data sent for parameter 'marginType' is not valid: this venue is cross margin "
                       "only (ISOLATED is not supported).")

    def commission_rate(self, p, account, headers):
        symbol = p.text("symbol", required=True)
        self.engine.spec(symbol)
        return {"symbol": symbol, "makerCommissionRate": plain(account.maker_rate),
                "takerCommissionRate": plain(account.taker_rate)}

    def symbol_config(self, p, account, headers):
        """``GET /fapi/v1/symbolConfig[?symbol=]``: always a list (one row per contract asked for)."""
        symbols, _ = self.symbols_of(p)
        rows = []
        for s in symbols:
            leverage = self.engine.leverage(account, s)
            rows.append({"symbol": s, "marginType": "CROSSED", "isAutoAddMargin": "false", "leverage": leverage,
                         "maxNotionalValue": str(self.engine.specs[s].max_notional(leverage))})
        return rows

    def account_config(self, p, account, headers):
        return {"feeTier": 0, "canTrade": True, "canDeposit": True, "canWithdraw": True,
                "dualSidePosition": account.dual_side, "updateTime": 0, "multiAssetsMargin": False,
                "tradeGroupId": -1}

    def get_dual(self, p, account, headers):
        return {"dualSidePosition": account.dual_side}

    def set_dual(self, p, account, headers):
        value = parse_bool(p, "dualSidePosition")
        if value is None:
            raise SimError(-1102, "Mandatory parameter 'dualSidePosition' was not sent, was empty/null, "
                           "or malformed.")
        self.engine.set_dual_side(account, value)
        return {"code": 200, "msg": "success"}

    def multi_assets_margin(self, p, account, headers):
        """``GET /fapi/v1/multiAssetsMargin``: one margin asset here, so always off."""
        return {"multiAssetsMargin": False}
