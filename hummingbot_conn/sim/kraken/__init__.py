"""Kraken spot (docs/kraken_spot.md) on the simulator's kernel: REST, WS v2 public and private.

    async with KrakenSimulatedExchange(seed=1, traders={"rate": 5}) as sim:
        api_key, api_secret = sim.create_account({"USD": "10000", "BTC": "1"})
        # sim.rest_url (bare), sim.ws_url (.../v2), sim.ws_auth_url (.../ws-auth/v2)

It shares no parsing or signing code with the connector: it is its independent judge.
"""
from .book_feed import checksum, checksum_text
from .pairs import KrakenPair, default_pairs
from .rest import sign
from .server import KrakenSimulatedExchange

__all__ = ["KrakenSimulatedExchange", "KrakenPair", "default_pairs", "checksum", "checksum_text", "sign"]
