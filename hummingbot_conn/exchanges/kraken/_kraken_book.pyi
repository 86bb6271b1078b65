from typing import Optional, Tuple, Union

from hummingbot_conn.exchanges.binance._binance_depth import DepthRows

def parse_book_update(frame: Union[str, bytes]) -> Optional[Tuple[str, DepthRows, DepthRows, int]]: ...
