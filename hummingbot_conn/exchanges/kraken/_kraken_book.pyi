from typing import Optional, Tuple, Union

from hummingbot_conn.core.book_checksum import BookChecksum
from hummingbot_conn.core.order_book import OrderBook
from hummingbot_conn.exchanges.binance._binance_depth import DepthRows

def parse_book_update(frame: Union[str, bytes]) -> Optional[Tuple[str, DepthRows, DepthRows, int]]: ...

class KrakenBookChecksum(BookChecksum):
    def matches(self, book: OrderBook, expected: object) -> bool: ...
