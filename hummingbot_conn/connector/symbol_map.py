"""SymbolMap: the venue's symbols <-> our ``BASE-QUOTE`` trading pairs, both ways in O(1)."""
from typing import Dict, Iterable, List, Mapping, Tuple

__all__ = ["SymbolMap"]


class SymbolMap:
    """Built from the venue's symbol list (``set_mapping``); lookups raise ``KeyError`` with the name."""

    def __init__(self) -> None:
        self._to_pair: Dict[str, str] = {}
        self._to_symbol: Dict[str, str] = {}
        self.initialized = False

    def set_mapping(self, pairs: Iterable[Tuple[str, str]]) -> None:
        """``pairs``: ``(exchange_symbol, trading_pair)``; a pair listed twice keeps its first symbol."""
        to_pair: Dict[str, str] = {}
        to_symbol: Dict[str, str] = {}
        for symbol, pair in pairs:
            if pair in to_symbol:
                continue
            to_pair[symbol] = pair
            to_symbol[pair] = symbol
        self._to_pair, self._to_symbol = to_pair, to_symbol
        self.initialized = True

    def exchange_symbol(self, trading_pair: str) -> str:
        try:
            return self._to_symbol[trading_pair]
        except KeyError:
            raise KeyError(f"{trading_pair!r} is not a trading pair of this exchange") from None

    def trading_pair(self, exchange_symbol: str) -> str:
        try:
            return self._to_pair[exchange_symbol]
        except KeyError:
            raise KeyError(f"{exchange_symbol!r} is not a symbol of this exchange") from None

    def has_pair(self, trading_pair: str) -> bool:
        return trading_pair in self._to_symbol

    def all_trading_pairs(self) -> List[str]:
        return list(self._to_symbol)

    def as_dict(self) -> Mapping[str, str]:
        """exchange symbol -> trading pair (a copy; hummingbot returns a bidict)."""
        return dict(self._to_pair)
