"""Simulated exchanges over real sockets (docs/contracts.md, Contract 3): Binance spot and USDⓈ-M, Kraken spot.

They share no parsing or signing code with the connectors: they are the
connectors' independent judge. Each venue is built on the venue-neutral
kernel (``sim/kernel``) in a folder of its own (``sim/binance/spot``,
``sim/binance/usdm``, ``sim/kraken``: ``from hummingbot_conn.sim.kraken import
KrakenSimulatedExchange``). Start one in process::

    async with SimulatedExchange(seed=1, traders={"rate": 5}) as sim:
        api_key, secret = sim.create_account({"USDT": "10000"})

or from the shell: ``hbconn sim`` / ``python -m hummingbot_conn.sim``.
"""
from .binance.spot import SimulatedExchange, SymbolSpec, default_symbols
from .kernel.clock import ManualClock, SystemClock
from .kernel.errors import SimError
from .kernel.faults import Fault, FaultInjector

__all__ = ["SimulatedExchange", "SymbolSpec", "default_symbols", "ManualClock", "SystemClock",
           "SimError", "Fault", "FaultInjector"]
