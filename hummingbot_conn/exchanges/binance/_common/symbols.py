"""The one symbol map of both Binance venues: how it is built from exchangeInfo and when it reloads.

**Which symbols.**  A venue's tradable-symbol filter (spot:
``spot/utils.is_exchange_information_valid``, USDⓈ-M:
``usdm/web_utils.is_exchange_information_valid``) picks the symbols; each
becomes ``BASE-QUOTE`` from its ``baseAsset`` and ``quoteAsset``.

**Which symbol wins a pair.**  Two tradable symbols can share base and
quote (on USDⓈ-M a perpetual and a TradFi perpetual, or contracts named
with a suffix).  One symbol serves the pair, chosen the same way
everywhere (the connector, both data sources, ``hbconn book``): the symbol
spelled exactly ``BASE`` + ``QUOTE`` wins (hummingbot's rule for its
perpetual connector); when none is, the first of them in exchangeInfo
order.  The others are left out of the map both ways, so a frame of a
losing symbol is never taken for the pair.  (hummingbot drops a pair that
has no ``BASEQUOTE`` symbol; we keep the first.)

**When it reloads** (``SYMBOL_MAP_REFRESH_S``).  The map is loaded on first
use.  A lookup of a pair or symbol it lacks reloads it from exchangeInfo
when the loaded map is ``SYMBOL_MAP_REFRESH_S`` seconds old or older, then
looks again: a pair listed after start becomes known at its first use, and
unknown names cost at most one exchangeInfo request per interval.  The
connectors also reload it with their trading rules (every
``TRADING_RULES_INTERVAL``).  A data source fed by its connector's map
asks the connector, which reloads on the same rule, so the two never
disagree for longer than one reload.
"""
import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Tuple, Union

__all__ = ["SYMBOL_MAP_REFRESH_S", "SymbolMapSource", "trading_pair_of", "exchange_info_symbols",
           "symbol_pairs_from_exchange_info", "symbol_map_from_exchange_info", "SymbolMapCache"]

_logger = logging.getLogger(__name__)

SYMBOL_MAP_REFRESH_S = 60.0

#: a venue's tradable-symbol filter: one exchangeInfo symbol -> whether it is in the map
TradableFilter = Callable[[Mapping[str, Any]], bool]
#: what a data source takes as ``symbol_map=``: the map, or an async callable returning it
SymbolMapSource = Union[Mapping[str, str], Callable[[], Awaitable[Mapping[str, str]]]]


def trading_pair_of(symbol_info: Mapping[str, Any]) -> str:
    """``{"baseAsset": "BTC", "quoteAsset": "USDT"}`` -> ``"BTC-USDT"``."""
    return f"{symbol_info['baseAsset']}-{symbol_info['quoteAsset']}"


def exchange_info_symbols(exchange_info: Any) -> List[Any]:
    """The ``symbols`` list of an exchangeInfo answer; ``ValueError`` when there is none, so an
    answer that cannot be read never replaces a map (or rules) with an empty one."""
    symbols = exchange_info.get("symbols") if isinstance(exchange_info, Mapping) else None
    if not isinstance(symbols, list):
        raise ValueError(f"exchangeInfo without a symbols list: {str(exchange_info)[:200]}")
    return symbols


def symbol_pairs_from_exchange_info(exchange_info: Mapping[str, Any],
                                    is_tradable: TradableFilter) -> List[Tuple[str, str]]:
    """``[(exchange symbol, trading pair), ...]`` in exchangeInfo order, one symbol per pair (module doc).

    Entries that are not objects, or lack ``symbol`` / ``baseAsset`` / ``quoteAsset`` as text,
    are skipped (logged): one odd entry never costs the other symbols their map.
    :raises ValueError: the answer has no ``symbols`` list (``exchange_info_symbols``)
    """
    chosen: Dict[str, str] = {}
    unreadable = 0
    for info in exchange_info_symbols(exchange_info):
        if not isinstance(info, Mapping) or not is_tradable(info):
            continue
        symbol, base, quote = info.get("symbol"), info.get("baseAsset"), info.get("quoteAsset")
        if not (isinstance(symbol, str) and isinstance(base, str) and isinstance(quote, str)):
            unreadable += 1
            continue
        pair = f"{base}-{quote}"
        if pair not in chosen or (symbol == base + quote and chosen[pair] != base + quote):
            chosen[pair] = symbol
    if unreadable:
        _logger.warning("exchangeInfo: %d tradable symbol(s) without symbol, baseAsset and quoteAsset as text "
                        "left out of the symbol map", unreadable)
    return [(symbol, pair) for pair, symbol in chosen.items()]


def symbol_map_from_exchange_info(exchange_info: Mapping[str, Any], is_tradable: TradableFilter) -> Dict[str, str]:
    """``{"BTCUSDT": "BTC-USDT", ...}``: ``symbol_pairs_from_exchange_info`` as a dict."""
    return dict(symbol_pairs_from_exchange_info(exchange_info, is_tradable))


class SymbolMapCache:
    """A data source's ``{exchange symbol: trading pair}``, loaded on first use, reloaded on a miss.

    :param load: ``async () -> {symbol: pair}`` (exchangeInfo through the source's own web
        stack, or the connector's map)
    :param clock: seconds, monotonic (the source's injected clock)
    :param refresh_after: a miss reloads a map at least this old (``SYMBOL_MAP_REFRESH_S``)
    """

    def __init__(self, load: Callable[[], Awaitable[Mapping[str, str]]], clock: Callable[[], float],
                 refresh_after: float = SYMBOL_MAP_REFRESH_S) -> None:
        self._load = load
        self._clock = clock
        self._refresh_after = refresh_after
        self.to_pair: Optional[Dict[str, str]] = None    # None until loaded; read on the hot path
        self.to_symbol: Dict[str, str] = {}
        self._lock = asyncio.Lock()
        self._loaded_at = 0.0

    async def mapping(self) -> Dict[str, str]:
        """The map, loaded on first use (a copy)."""
        if self.to_pair is None:
            await self._reload(None)
        assert self.to_pair is not None
        return dict(self.to_pair)

    async def _reload(self, seen: Optional[Dict[str, str]]) -> None:
        # (re)load unless another task replaced the map ``seen`` meanwhile
        async with self._lock:
            if self.to_pair is not seen:
                return
            to_pair = dict(await self._load())
            self.to_pair = to_pair
            self.to_symbol = {pair: symbol for symbol, pair in to_pair.items()}
            self._loaded_at = self._clock()

    async def _lookup(self, table: Callable[[], Mapping[str, str]], key: str) -> Optional[str]:
        await self.mapping()
        found = table().get(key)
        if found is None and self._clock() - self._loaded_at >= self._refresh_after:
            await self._reload(self.to_pair)
            found = table().get(key)
        return found

    async def exchange_symbol(self, trading_pair: str) -> Optional[str]:
        """``"BTC-USDT"`` -> ``"BTCUSDT"``, None when the venue does not list it (after the reload rule)."""
        return await self._lookup(lambda: self.to_symbol, trading_pair)

    async def trading_pair(self, symbol: str) -> Optional[str]:
        """``"BTCUSDT"`` -> ``"BTC-USDT"``, None when the venue does not list it (after the reload rule)."""
        return await self._lookup(lambda: self.to_pair or {}, symbol)

    def pair_of(self, symbol: str) -> str:
        """The pair of a stream frame's symbol, without waiting: the symbol itself when unknown
        (the tracker counts it as an unknown pair)."""
        to_pair = self.to_pair
        return to_pair.get(symbol, symbol) if to_pair is not None else symbol
