"""USDⓈ-M perpetual contracts as data: filters, leverage bounds, margin rates, exchangeInfo.

Filter checks raise the futures error codes (docs/binance_usdm_futures.md
section 9): -4003 quantity <= 0, -4004 / -4005 quantity outside LOT_SIZE,
-4014 price off the tick, -4023 quantity off the step, -4164 notional below
MIN_NOTIONAL (waived for reduce-only orders, as on the live venue).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ...kernel.specs import ABOVE_MAX, BELOW_MIN, NOT_POSITIVE, OFF_GRID, InstrumentSpec
from ..errors import SimError

ZERO = Decimal(0)


def plain(value: Decimal) -> str:
    """Plain decimal text without exponent or trailing zeros ("0.001", "9000")."""
    if value == ZERO:
        return "0"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def money(value: Decimal) -> str:
    """Balances and PnL: 8 decimals, as the venue renders wallet amounts."""
    return f"{value:.8f}"


@dataclass
class FuturesSymbolSpec(InstrumentSpec):
    """One perpetual contract (margin asset = quote asset, USDT by default).

    The assets, grids and bounds are the kernel's (``kernel/specs.py``), with a
    contract's coarser defaults; USDⓈ-M adds the market-order size cap, leverage
    bounds and the maintenance margin rate.
    """

    tick_size: Decimal = Decimal("0.1")
    min_price: Decimal = Decimal("0.1")
    step_size: Decimal = Decimal("0.001")
    min_qty: Decimal = Decimal("0.001")
    max_qty: Decimal = Decimal("1000")
    initial_price: Decimal = Decimal("60000")
    market_max_qty: Decimal = Decimal("120")
    max_leverage: int = 125
    default_leverage: int = 20
    maint_margin_rate: Decimal = Decimal("0.004")
    contract_type: str = "PERPETUAL"

    @property
    def margin_asset(self) -> str:
        return self.quote_asset

    def brackets(self) -> list[dict]:
        """The contract's notional and leverage brackets (``GET /fapi/v1/leverageBracket``, section 5).

        The simulator's own table in the venue's shape: bracket 1 allows ``max_leverage`` with the
        contract's ``maint_margin_rate``; each further bracket allows a lower leverage ``l`` (the
        venue's usual steps) up to the next cap of ``_CAPS``, with a maintenance rate of
        ``1 / (2 l)``; ``cum`` is the maintenance amount that keeps the requirement continuous at
        each floor.
        """
        steps = [self.max_leverage] + [lev for lev in _LEVERAGE_STEPS if lev < self.max_leverage]
        rows, floor, cum, prev_rate = [], 0, ZERO, None
        for n, (lev, cap) in enumerate(zip(steps, _CAPS), 1):
            rate = self.maint_margin_rate if n == 1 else max(Decimal(1) / (2 * lev), prev_rate or ZERO)
            rate = rate.quantize(Decimal("0.0001"))
            if prev_rate is not None:
                cum += floor * (rate - prev_rate)
            rows.append({"bracket": n, "initialLeverage": lev, "notionalCap": cap, "notionalFloor": floor,
                         "maintMarginRatio": float(rate), "cum": float(cum)})
            floor, prev_rate = cap, rate
        return rows

    def max_notional(self, leverage: int) -> int:
        """The largest position notional ``leverage`` allows: the cap of the last bracket that allows it."""
        return max(b["notionalCap"] for b in self.brackets() if b["initialLeverage"] >= leverage)

    def to_json(self) -> dict:
        return {
            "symbol": self.symbol, "pair": self.symbol, "contractType": self.contract_type,
            "deliveryDate": 4133404800000, "onboardDate": 1569398400000, "status": self.status,
            "maintMarginPercent": "2.5000", "requiredMarginPercent": "5.0000",
            "baseAsset": self.base_asset, "quoteAsset": self.quote_asset, "marginAsset": self.margin_asset,
            "pricePrecision": _decimals(self.tick_size), "quantityPrecision": _decimals(self.step_size),
            "baseAssetPrecision": 8, "quotePrecision": 8, "underlyingType": "COIN",
            "underlyingSubType": [], "settlePlan": 0, "triggerProtect": "0.0500",
            "liquidationFee": "0.012500", "marketTakeBound": "0.05", "maxMoveOrderLimit": 10000,
            "filters": [
                {"filterType": "PRICE_FILTER", "minPrice": plain(self.min_price),
                 "maxPrice": plain(self.max_price), "tickSize": plain(self.tick_size)},
                {"filterType": "LOT_SIZE", "minQty": plain(self.min_qty), "maxQty": plain(self.max_qty),
                 "stepSize": plain(self.step_size)},
                {"filterType": "MARKET_LOT_SIZE", "minQty": plain(self.min_qty),
                 "maxQty": plain(self.market_max_qty), "stepSize": plain(self.step_size)},
                {"filterType": "MAX_NUM_ORDERS", "limit": 200},
                {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": 10},
                {"filterType": "MIN_NOTIONAL", "notional": plain(self.min_notional)},
                {"filterType": "PERCENT_PRICE", "multiplierUp": "1.0500", "multiplierDown": "0.9500",
                 "multiplierDecimal": "4"},
            ],
            "orderTypes": ["LIMIT", "MARKET"],
            "timeInForce": ["GTC", "IOC", "FOK", "GTX"],
        }

    # -- rules (each raises the venue's SimError) ----------------------------------
    def check_price(self, price: Decimal) -> None:
        fault = self.price_fault(price)
        if fault is not None:
            code, msg = _PRICE_ERRORS[fault]
            raise SimError(code, msg % plain(self.max_price) if "%s" in msg else msg)

    def check_quantity(self, qty: Decimal, is_market: bool) -> None:
        fault = self.quantity_fault(qty, self.market_max_qty if is_market else None)
        if fault is not None:
            raise SimError(*_QUANTITY_ERRORS[fault])

    def check_notional(self, notional: Decimal, reduce_only: bool) -> None:
        if not reduce_only and notional < self.min_notional:
            raise SimError(-4164, "Order's notional must be no smaller than %s (unless you choose reduce only)."
                           % plain(self.min_notional))


#: the lower leverages of the further brackets (the venue's usual steps)
_LEVERAGE_STEPS = (100, 75, 50, 25, 20, 10, 5, 4, 3, 2, 1)
#: the notional caps of brackets 1, 2, ... in the margin asset (one per leverage step)
_CAPS = (50_000, 500_000, 5_000_000, 20_000_000, 50_000_000, 100_000_000, 200_000_000, 400_000_000,
         600_000_000, 800_000_000, 1_000_000_000, 1_200_000_000)


# the rule a price / quantity breaks -> the venue's error (docs/binance_usdm_futures.md section 9)
_PRICE_ERRORS = {NOT_POSITIVE: (-4001, "Price less than 0."), BELOW_MIN: (-4013, "Price less than min price."),
                 ABOVE_MAX: (-4016, "Limit price can't be higher than %s."),
                 OFF_GRID: (-4014, "Price not increased by tick size.")}
_QUANTITY_ERRORS = {NOT_POSITIVE: (-4003, "Quantity less than or equal to zero."),
                    BELOW_MIN: (-4004, "Quantity less than min quantity."),
                    ABOVE_MAX: (-4005, "Quantity greater than max quantity."),
                    OFF_GRID: (-4023, "Quantity not increased by step size.")}


def _decimals(quantum: Decimal) -> int:
    exponent = quantum.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def default_futures_symbols() -> list[FuturesSymbolSpec]:
    """Two contracts with different tick / step sizes."""
    return [
        FuturesSymbolSpec("BTCUSDT", "BTC", tick_size=Decimal("0.1"), min_price=Decimal("0.1"),
                          step_size=Decimal("0.001"), min_qty=Decimal("0.001"), min_notional=Decimal("100"),
                          initial_price=Decimal("60000")),
        FuturesSymbolSpec("ETHUSDT", "ETH", tick_size=Decimal("0.01"), min_price=Decimal("0.01"),
                          step_size=Decimal("0.001"), min_qty=Decimal("0.001"), min_notional=Decimal("20"),
                          max_leverage=100, initial_price=Decimal("3000")),
    ]


def exchange_info(specs: list[FuturesSymbolSpec], server_time: int, rate_limits: list[dict]) -> dict:
    """The ``GET /fapi/v1/exchangeInfo`` document; ``rate_limits``: weight and ORDERS entries of the venue."""
    assets = sorted({s.margin_asset for s in specs})
    return {"timezone": "UTC", "serverTime": server_time, "futuresType": "U_MARGINED",
            "rateLimits": rate_limits, "exchangeFilters": [],
            "assets": [{"asset": a, "marginAvailable": True, "autoAssetExchange": "-10000"} for a in assets],
            "symbols": [s.to_json() for s in specs]}
