"""BinancePerpetualAuth: USDⓈ-M futures sign exactly like spot REST (docs/binance_usdm_futures.md section 2)."""
from hummingbot_conn.exchanges.binance.binance_auth import BinanceAuth

__all__ = ["BinancePerpetualAuth"]


class BinancePerpetualAuth(BinanceAuth):
    """HMAC-SHA256 over the encoded query + body, ``X-MBX-APIKEY`` header (the spot signer, renamed)."""

    def __repr__(self) -> str:
        return super().__repr__().replace("BinanceAuth", "BinancePerpetualAuth", 1)

    __str__ = __repr__
