"""Kraken spot's pairs and assets as the simulator lists them, and the number formats they imply.

A pair has three names (docs/kraken_spot.md, section 4): its REST key
(``XXBTZUSD``), its altname (``XBTUSD``) and its WS v2 name (``BTC/USD``).
The engine, the book feeds and the fault scopes use the WS v2 name; REST
accepts any of the three (and the plain ``BTCUSD``). An asset likewise has a
REST id (``XXBT``), an altname (``XBT``) and a WS v2 name (``BTC``); balances
are kept by the WS v2 name.

Precision: ``pair_decimals`` is the price grid (``tick_size`` = 10^-pair_decimals),
``lot_decimals`` the quantity grid; ``ordermin`` is the least volume and
``costmin`` the least price x volume of an order.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..kernel.specs import InstrumentSpec

__all__ = ["KrakenAsset", "KrakenPair", "ASSETS", "default_pairs", "number", "fixed", "asset_key"]


@dataclass(frozen=True)
class KrakenAsset:
    """One asset: WS v2 name, REST id, altname, decimals of its balances, decimals Kraken displays."""
    name: str
    rest_id: str
    altname: str
    decimals: int
    display_decimals: int


#: the assets of the default pairs, by WS v2 name
ASSETS = {
    "BTC": KrakenAsset("BTC", "XXBT", "XBT", 10, 5),
    "ETH": KrakenAsset("ETH", "XETH", "ETH", 10, 5),
    "USD": KrakenAsset("USD", "ZUSD", "USD", 4, 2),
}
_ALIASES = {alias: a.name for a in ASSETS.values() for alias in (a.name, a.rest_id, a.altname)}


def asset_key(name: str) -> str:
    """The WS v2 name of an asset given by any of its names (unknown names are kept, upper-cased)."""
    upper = name.strip().upper()
    return _ALIASES.get(upper, upper)


def rest_asset(name: str) -> str:
    """The REST id of an asset (``BTC`` -> ``XXBT``); an asset outside the table keeps its name."""
    asset = ASSETS.get(name)
    return asset.rest_id if asset is not None else name


def asset_decimals(name: str) -> int:
    asset = ASSETS.get(name)
    return asset.decimals if asset is not None else 8


@dataclass
class KrakenPair(InstrumentSpec):
    """A spot pair: the kernel's grids and bounds plus Kraken's names, precisions and fees.

    ``symbol`` is the WS v2 name (``BTC/USD``); ``rest_name`` the REST key; ``altname``.
    ``maker_fee`` / ``taker_fee`` are fractions of the cost, paid in the quote asset.
    """
    rest_name: str = ""
    altname: str = ""
    pair_decimals: int = 1
    lot_decimals: int = 8
    cost_decimals: int = 5
    ordermin: Decimal = Decimal("0.0001")
    costmin: Decimal = Decimal("0.5")
    maker_fee: Decimal = Decimal("0.0025")
    taker_fee: Decimal = Decimal("0.0040")

    def names(self) -> tuple[str, ...]:
        """Every name REST accepts for this pair."""
        return (self.symbol, self.rest_name, self.altname, self.base_asset + self.quote_asset)


def make_pair(base: str, quote: str, *, pair_decimals: int, lot_decimals: int, ordermin: str, costmin: str,
              initial_price: str, cost_decimals: int = 5) -> KrakenPair:
    """A pair of two assets of ``ASSETS`` with Kraken's names derived from theirs."""
    b, q = ASSETS[base], ASSETS[quote]
    tick = Decimal(1).scaleb(-pair_decimals)
    step = Decimal(1).scaleb(-lot_decimals)
    return KrakenPair(symbol=f"{base}/{quote}", base_asset=base, quote_asset=quote, tick_size=tick, min_price=tick,
                      max_price=Decimal("10000000"), step_size=step, min_qty=Decimal(ordermin),
                      max_qty=Decimal("100000000"),
                      # the background traders size their orders from min_notional (kernel/traders.py);
                      # Kraken's rule is costmin, checked by the engine, so this only sets a plausible size
                      min_notional=Decimal(10),
                      initial_price=Decimal(initial_price), rest_name=b.rest_id + q.rest_id,
                      altname=b.altname + q.altname, pair_decimals=pair_decimals, lot_decimals=lot_decimals,
                      cost_decimals=cost_decimals, ordermin=Decimal(ordermin), costmin=Decimal(costmin))


def default_pairs() -> list[KrakenPair]:
    """BTC/USD and ETH/USD with Kraken's precisions and minimums (docs/kraken_spot.md, section 4)."""
    return [
        make_pair("BTC", "USD", pair_decimals=1, lot_decimals=8, ordermin="0.00005", costmin="0.5",
                  initial_price="60000"),
        make_pair("ETH", "USD", pair_decimals=2, lot_decimals=8, ordermin="0.002", costmin="0.5",
                  initial_price="3000"),
    ]


def fixed(value: Decimal, decimals: int) -> str:
    """``value`` as plain decimal text with exactly ``decimals`` decimals (REST strings: ``"0.00100000"``)."""
    return f"{value.quantize(Decimal(1).scaleb(-decimals)):f}"


def number(value: Decimal, decimals: int) -> str:
    """``value`` as a JSON number with at most ``decimals`` decimals and no exponent (WS v2 levels)."""
    text = fixed(value, decimals)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"
