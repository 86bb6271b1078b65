from typing import Any, Dict, Optional, Tuple, Union

from hummingbot_conn.core.book_checksum import BookChecksum
from hummingbot_conn.core.order_book import OrderBook
from hummingbot_conn.exchanges.binance._binance_depth import DepthRows

def parse_book_update(frame: Union[str, bytes]) -> Optional[Tuple[str, DepthRows, DepthRows, int]]: ...
def apply_book_update(frame: Union[str, bytes], pair_by_symbol: Dict[str, str], syncs: Dict[str, Any],
                      received_at: float, lanes: Dict[str, Any]) -> bool: ...

class KrakenBookChecksum(BookChecksum):
    def matches(self, book: OrderBook, expected: object) -> bool: ...
