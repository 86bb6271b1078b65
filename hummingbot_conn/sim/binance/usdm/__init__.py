"""Binance USDⓈ-M futures (docs/binance_usdm_futures.md) on the simulator's kernel.

    async with SimulatedFuturesExchange(clock=ManualClock(), auto_flush=False) as sim:
        api_key, secret = sim.create_account("10000")
"""
from .engine import FuturesEngine, FuturesOrder
from .margin import FuturesAccount, FuturesPosition
from .server import SimulatedFuturesExchange
from .specs import FuturesSymbolSpec, default_futures_symbols

__all__ = ["SimulatedFuturesExchange", "FuturesSymbolSpec", "default_futures_symbols", "FuturesEngine",
           "FuturesOrder", "FuturesAccount", "FuturesPosition"]
