"""Kraken's names for pairs and assets, and the trading rules, from ``AssetPairs`` (docs/kraken_spot.md section 4).

One pair has three Kraken names: its REST key (``XXBTZUSD``), its altname
(``XBTUSD``) and its WebSocket v2 name (``BTC/USD``; ``wsname`` in
``AssetPairs``, which older deployments write ``XBT/USD``).  Users see
hummingbot's ``BTC-USD`` only: it is the WS v2 name with ``-`` for ``/``,
Kraken's legacy asset codes read as the common ones (``XBT`` is ``BTC``,
``XDG`` is ``DOGE``).  Balances come keyed by REST asset ids (``XXBT``,
``ZUSD``); the pairs tell which id is which asset (``base`` / ``quote``).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Dict, List, Mapping

from hummingbot_conn.connector.trading_rule import TradingRule

__all__ = ["KrakenPair", "KrakenPairs", "common_asset"]

_LEGACY = {"XBT": "BTC", "XDG": "DOGE"}


def common_asset(code: str) -> str:
    """``XBT`` -> ``BTC``, ``XDG`` -> ``DOGE``; other codes unchanged."""
    return _LEGACY.get(code, code)


@dataclass(frozen=True)
class KrakenPair:
    """One tradable pair: ``trading_pair`` (``BTC-USD``), ``ws_symbol`` (``BTC/USD``), ``rest_name``
    (``XXBTZUSD``), ``altname``, the REST asset ids, the decimals and minimums (Decimal)."""

    trading_pair: str
    ws_symbol: str
    rest_name: str
    altname: str
    base_id: str
    quote_id: str
    price_decimals: int
    qty_decimals: int
    ordermin: Decimal
    costmin: Decimal
    tick_size: Decimal

    @property
    def base(self) -> str:
        return self.trading_pair.split("-", 1)[0]

    @property
    def quote(self) -> str:
        return self.trading_pair.split("-", 1)[1]

    def trading_rule(self) -> TradingRule:
        step = Decimal(1).scaleb(-self.qty_decimals)
        return TradingRule(self.trading_pair, min_order_size=self.ordermin, min_price_increment=self.tick_size,
                           min_base_amount_increment=step, min_notional_size=self.costmin,
                           min_notional_applies_to_market=False)


def _pair(key: str, info: Mapping[str, Any]) -> KrakenPair:
    wsname = info["wsname"]
    base, quote = (common_asset(part) for part in str(wsname).split("/", 1))
    price_decimals, qty_decimals = int(info["pair_decimals"]), int(info["lot_decimals"])
    tick = Decimal(str(info["tick_size"])) if info.get("tick_size") else Decimal(1).scaleb(-price_decimals)
    return KrakenPair(trading_pair=f"{base}-{quote}", ws_symbol=f"{base}/{quote}", rest_name=key,
                      altname=str(info.get("altname", key)), base_id=str(info["base"]), quote_id=str(info["quote"]),
                      price_decimals=price_decimals, qty_decimals=qty_decimals,
                      ordermin=Decimal(str(info.get("ordermin", "0"))), costmin=Decimal(str(info.get("costmin", "0"))),
                      tick_size=tick)


class KrakenPairs:
    """Every pair of one ``AssetPairs`` answer (its ``result``), looked up by any of its names.

    Pairs not ``online`` (or ``wsname``-less dark pools) are left out; a malformed entry is
    skipped and named in ``skipped``."""

    def __init__(self, result: Mapping[str, Any]) -> None:
        self.by_pair: Dict[str, KrakenPair] = {}
        self.skipped: List[str] = []
        for key, info in result.items():
            if not isinstance(info, dict) or "wsname" not in info or info.get("status", "online") != "online":
                continue
            try:
                pair = _pair(key, info)
            except (KeyError, ValueError, TypeError, ArithmeticError):
                self.skipped.append(str(key))
                continue
            self.by_pair.setdefault(pair.trading_pair, pair)
        self.by_ws = {p.ws_symbol: p for p in self.by_pair.values()}
        self.by_rest: Dict[str, KrakenPair] = {}
        for p in self.by_pair.values():
            self.by_rest[p.rest_name] = p
            self.by_rest[p.altname] = p
        self.asset_of_id: Dict[str, str] = {}
        for p in self.by_pair.values():
            self.asset_of_id[p.base_id] = p.base
            self.asset_of_id[p.quote_id] = p.quote

    def __contains__(self, trading_pair: object) -> bool:
        return trading_pair in self.by_pair

    def pair(self, trading_pair: str) -> KrakenPair:
        """``KeyError`` for a pair Kraken does not list."""
        return self.by_pair[trading_pair]

    def asset(self, rest_id: str) -> str:
        """The common name of a REST asset id (``XXBT`` -> ``BTC``); an id no pair names is read by
        Kraken's conventions (a 4-letter ``X``/``Z`` prefix dropped)."""
        known = self.asset_of_id.get(rest_id)
        if known is not None:
            return known
        code = rest_id.split(".", 1)[0]
        if len(code) == 4 and code[0] in "XZ":
            code = code[1:]
        return common_asset(code)

    def trading_rules(self) -> List[TradingRule]:
        return [p.trading_rule() for p in self.by_pair.values()]

    def symbol_map(self) -> Dict[str, str]:
        """``{ws symbol: trading pair}`` (the connector's symbol map speaks WS v2 names)."""
        return {p.ws_symbol: p.trading_pair for p in self.by_pair.values()}
