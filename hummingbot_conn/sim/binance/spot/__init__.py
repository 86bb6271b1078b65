"""Binance spot (docs/binance_spot.md) on the simulator's kernel: REST, market streams, WebSocket API.

    async with SimulatedExchange(seed=1, traders={"rate": 5}) as sim:
        api_key, secret = sim.create_account({"USDT": "10000"})
"""
from .filters import SymbolSpec, default_symbols
from .server import SimulatedExchange

__all__ = ["SimulatedExchange", "SymbolSpec", "default_symbols"]
