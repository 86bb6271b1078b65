"""Trading rules from exchangeInfo: what both Binance venues read the same way.

Both venues describe a symbol's limits with the same filters
(docs/binance_spot.md section 3, docs/binance_usdm_futures.md section 3)::

    {"filterType": "PRICE_FILTER", "minPrice": "0.01", "maxPrice": "1000000", "tickSize": "0.01"}
    {"filterType": "LOT_SIZE", "minQty": "0.00001", "maxQty": "9000", "stepSize": "0.00001"}

A bound of ``"0"`` means the venue does not enforce it.  Each venue's
``utils.trading_rule_from_symbol_info`` adds what only it has (spot: the
notional filter and order types; USDⓈ-M: the margin asset).
"""
import logging
from decimal import Decimal
from typing import Any, Callable, Dict, List, Mapping, Optional, TypedDict

from hummingbot_conn.connector.trading_rule import TradingRule
from hummingbot_conn.exchanges.binance._common.symbols import exchange_info_symbols, symbol_pairs_from_exchange_info

__all__ = ["HUGE", "TINY", "RuleFields", "finite_decimal", "positive_or", "symbol_filters", "common_rule_fields",
           "format_trading_rules"]

HUGE = Decimal("1e56")      # no upper bound
TINY = Decimal("1e-56")     # no increment


def finite_decimal(value: Any) -> Decimal:
    """A venue number (a decimal string) as a finite Decimal; ``ValueError`` otherwise."""
    d = Decimal(str(value))
    if not d.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return d


def positive_or(value: Optional[str], default: Decimal) -> Decimal:
    """``value`` as a Decimal, or ``default`` when it is missing or not positive (a disabled bound)."""
    if value is None:
        return default
    d = Decimal(value)
    return d if d > 0 else default


def symbol_filters(symbol_info: Mapping[str, Any]) -> Dict[str, Dict[str, Any]]:
    """``{filterType: filter}`` of one exchangeInfo symbol (``KeyError`` without ``filters``)."""
    return {f["filterType"]: f for f in symbol_info["filters"]}


class RuleFields(TypedDict):
    """The ``TradingRule`` keyword arguments both venues read the same way."""

    min_order_size: Decimal
    max_order_size: Decimal
    min_price_increment: Decimal
    min_base_amount_increment: Decimal
    min_price: Decimal


def common_rule_fields(filters: Mapping[str, Mapping[str, Any]]) -> RuleFields:
    """``TradingRule`` keyword arguments from ``PRICE_FILTER`` and ``LOT_SIZE``: order size bounds,
    price and amount increments, the minimum price."""
    price = filters.get("PRICE_FILTER", {})
    lot = filters.get("LOT_SIZE", {})
    return RuleFields(min_order_size=Decimal(lot.get("minQty", "0")),
                      max_order_size=positive_or(lot.get("maxQty"), HUGE),
                      min_price_increment=positive_or(price.get("tickSize"), TINY),
                      min_base_amount_increment=positive_or(lot.get("stepSize"), TINY),
                      min_price=Decimal(price.get("minPrice", "0")))


def format_trading_rules(exchange_info: Mapping[str, Any], is_tradable: Callable[[Mapping[str, Any]], bool],
                         parse: Callable[[Any], TradingRule],
                         logger: logging.Logger) -> List[TradingRule]:
    """The rule of each pair, read from the symbol that serves it (``_common/symbols.py``: of two
    tradable symbols sharing a pair, the one the symbol map chose, never the other's filters).
    One that cannot be read is logged and skipped.

    :raises ValueError: the answer has no ``symbols`` list (the rules in force are kept)
    """
    serving = {symbol for symbol, _ in symbol_pairs_from_exchange_info(exchange_info, is_tradable)}
    rules = []
    for info in exchange_info_symbols(exchange_info):
        if not isinstance(info, Mapping) or info.get("symbol") not in serving:
            continue
        serving.discard(info["symbol"])         # a symbol listed twice gives one rule
        try:
            rules.append(parse(info))
        except Exception:
            logger.exception("Error parsing the trading pair rule %s. Skipping.", info.get("symbol"))
    return rules
