"""Kraken Spot: ``KrakenExchange``, ``KrakenEndpoints``, ``KrakenAPIOrderBookDataSource`` (docs/kraken_spot.md).

Pairs are hummingbot's ``BASE-QUOTE`` (``BTC-USD``); Kraken's own names
(``BTC/USD`` on WebSocket v2, ``XBTUSD`` / ``XXBTZUSD`` on REST) stay inside.
"""
from hummingbot_conn.exchanges.kraken.constants import KrakenEndpoints
from hummingbot_conn.exchanges.kraken.exchange import KrakenExchange
from hummingbot_conn.exchanges.kraken.order_book_data_source import KrakenAPIOrderBookDataSource

__all__ = ["KrakenExchange", "KrakenEndpoints", "KrakenAPIOrderBookDataSource"]
