"""Binance spot symbols, their filters and the ``exchangeInfo`` document, as data.

A :class:`SymbolSpec` holds one symbol's trading rules; :func:`check_limit`
and :func:`check_quantity` apply them exactly as filters.md says (each rule
disabled when its bound is 0) and raise the documented ``-1013`` failures.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ...kernel.specs import NOT_POSITIVE, InstrumentSpec
from ..errors import SimError, filter_failure

ZERO = Decimal(0)
EIGHT = Decimal("0.00000001")


def fmt(value: Decimal) -> str:
    """Render an amount the way the live exchange does: 8 decimals."""
    return f"{value:.8f}"


@dataclass
class SymbolSpec(InstrumentSpec):
    """Trading rules of one spot symbol (defaults resemble a live USDT pair).

    The assets, grids and bounds are the kernel's (``kernel/specs.py``); spot adds its
    notional filter, STP modes, order types and precisions.
    """

    max_notional: Decimal = Decimal("9000000")
    apply_min_to_market: bool = True
    apply_max_to_market: bool = False
    # "NOTIONAL" (live binance.com) or "MIN_NOTIONAL" (older / Binance.US)
    notional_filter: str = "NOTIONAL"
    quote_order_qty_market_allowed: bool = True
    default_stp_mode: str = "NONE"
    allowed_stp_modes: tuple[str, ...] = ("NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH")
    order_types: tuple[str, ...] = ("LIMIT", "LIMIT_MAKER", "MARKET")
    base_precision: int = 8
    quote_precision: int = 8
    extra: dict = field(default_factory=dict)

    def filters_json(self) -> list[dict]:
        out: list[dict] = [
            {"filterType": "PRICE_FILTER", "minPrice": fmt(self.min_price),
             "maxPrice": fmt(self.max_price), "tickSize": fmt(self.tick_size)},
            {"filterType": "LOT_SIZE", "minQty": fmt(self.min_qty),
             "maxQty": fmt(self.max_qty), "stepSize": fmt(self.step_size)},
        ]
        if self.notional_filter == "MIN_NOTIONAL":
            out.append({"filterType": "MIN_NOTIONAL", "minNotional": fmt(self.min_notional),
                        "applyToMarket": self.apply_min_to_market, "avgPriceMins": 5})
        else:
            out.append({"filterType": "NOTIONAL", "minNotional": fmt(self.min_notional),
                        "applyMinToMarket": self.apply_min_to_market,
                        "maxNotional": fmt(self.max_notional),
                        "applyMaxToMarket": self.apply_max_to_market, "avgPriceMins": 5})
        return out

    def to_json(self) -> dict:
        return {
            "symbol": self.symbol, "status": self.status,
            "baseAsset": self.base_asset, "baseAssetPrecision": self.base_precision,
            "quoteAsset": self.quote_asset, "quotePrecision": self.quote_precision,
            "quoteAssetPrecision": self.quote_precision,
            "baseCommissionPrecision": 8, "quoteCommissionPrecision": 8,
            "orderTypes": list(self.order_types),
            "icebergAllowed": False, "ocoAllowed": False, "otoAllowed": False, "opoAllowed": False,
            "quoteOrderQtyMarketAllowed": self.quote_order_qty_market_allowed,
            "allowTrailingStop": False, "cancelReplaceAllowed": False, "amendAllowed": False,
            "pegInstructionsAllowed": False, "isSpotTradingAllowed": True,
            "isMarginTradingAllowed": False, "filters": self.filters_json(),
            "permissions": [], "permissionSets": [["SPOT"]],
            "defaultSelfTradePreventionMode": self.default_stp_mode,
            "allowedSelfTradePreventionModes": list(self.allowed_stp_modes),
        }

    # -- rules --------------------------------------------------------------
    def check_price(self, price: Decimal) -> None:
        """-1013 ``Invalid price.`` for a price <= 0, else ``Filter failure: PRICE_FILTER``."""
        fault = self.price_fault(price)
        if fault == NOT_POSITIVE:
            raise SimError(-1013, "Invalid price.")
        if fault is not None:
            raise filter_failure("PRICE_FILTER")

    def check_quantity(self, qty: Decimal) -> None:
        """-1013 ``Invalid quantity.`` for a quantity <= 0, else ``Filter failure: LOT_SIZE``."""
        fault = self.quantity_fault(qty)
        if fault == NOT_POSITIVE:
            raise SimError(-1013, "Invalid quantity.")
        if fault is not None:
            raise filter_failure("LOT_SIZE")

    def check_notional(self, notional: Decimal, is_market: bool) -> None:
        name = self.notional_filter
        apply_min = self.apply_min_to_market if is_market else True
        apply_max = (self.apply_max_to_market if is_market else True) and name == "NOTIONAL"
        if apply_min and self.min_notional and notional < self.min_notional:
            raise filter_failure(name)
        if apply_max and self.max_notional and notional > self.max_notional:
            raise filter_failure(name)


def default_symbols() -> list[SymbolSpec]:
    """Three symbols with different tick / step sizes, so rounding bugs show.

    Tick and step decimals add up to at most 8 on each, so every notional is
    exact in the 8-decimal strings of the protocol.
    """
    return [
        SymbolSpec("BTCUSDT", "BTC", "USDT", tick_size=Decimal("0.01"), min_price=Decimal("0.01"),
                   step_size=Decimal("0.00001"), min_qty=Decimal("0.00001"),
                   min_notional=Decimal("5"), initial_price=Decimal("60000")),
        SymbolSpec("ETHUSDT", "ETH", "USDT", tick_size=Decimal("0.01"), min_price=Decimal("0.01"),
                   step_size=Decimal("0.0001"), min_qty=Decimal("0.0001"),
                   min_notional=Decimal("5"), initial_price=Decimal("3000")),
        SymbolSpec("ETHBTC", "ETH", "BTC", tick_size=Decimal("0.00001"), min_price=Decimal("0.00001"),
                   step_size=Decimal("0.001"), min_qty=Decimal("0.001"),
                   min_notional=Decimal("0.0001"), notional_filter="MIN_NOTIONAL",
                   initial_price=Decimal("0.05")),
    ]


#: what the venue counts beside request weight and orders (not enforced by the simulator)
RAW_REQUESTS = {"rateLimitType": "RAW_REQUESTS", "interval": "MINUTE", "intervalNum": 5, "limit": 300000}


def exchange_info(specs: list[SymbolSpec], server_time: int, rate_limits: list[dict]) -> dict:
    """The ``GET /api/v3/exchangeInfo`` document; ``rate_limits``: weight and ORDERS entries of the venue."""
    return {"timezone": "UTC", "serverTime": server_time, "rateLimits": rate_limits + [dict(RAW_REQUESTS)],
            "exchangeFilters": [], "symbols": [s.to_json() for s in specs]}
