"""hummingbot_conn: a Cython-accelerated framework for crypto-exchange connectors.

Public names follow hummingbot's, so a hummingbot connector ports with an
import change.  The hot paths (order book, order state machine, pub/sub)
live in :mod:`hummingbot_conn.core` as compiled extension types.
"""
__version__ = "0.1.0"
