"""BinancePerpetualAuth: USDⓈ-M futures sign exactly like spot REST (docs/binance_usdm_futures.md section 2)."""
from hummingbot_conn.exchanges.binance._common.auth import BinanceAuth

__all__ = ["BinancePerpetualAuth"]


class BinancePerpetualAuth(BinanceAuth):
    """HMAC-SHA256 over the encoded query + body, ``X-MBX-APIKEY`` header: the shared Binance signer under
    hummingbot's USDⓈ-M name (its repr names this class)."""
