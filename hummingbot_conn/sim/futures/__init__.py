"""The simulated Binance USDⓈ-M futures venue, under the name it has always had.

Its code lives in ``hummingbot_conn.sim.binance.usdm``; this package re-exports it
so ``from hummingbot_conn.sim.futures import SimulatedFuturesExchange`` keeps working.

    async with SimulatedFuturesExchange(clock=ManualClock(), auto_flush=False) as sim:
        api_key, secret = sim.create_account("10000")
"""
from ..binance.usdm import (
                            FuturesAccount,
                            FuturesEngine,
                            FuturesOrder,
                            FuturesPosition,
                            FuturesSymbolSpec,
                            SimulatedFuturesExchange,
                            default_futures_symbols,
)

__all__ = ["SimulatedFuturesExchange", "FuturesSymbolSpec", "default_futures_symbols", "FuturesEngine",
           "FuturesOrder", "FuturesAccount", "FuturesPosition"]
