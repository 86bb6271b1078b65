from typing import List, Optional, Tuple, Union

from hummingbot_conn.exchanges.binance._binance_depth import DepthRows

Rows = Union[List[Tuple[float, float]], DepthRows]

def parse_book_update(frame: Union[str, bytes]) -> Optional[Tuple[str, Rows, Rows, int]]: ...
