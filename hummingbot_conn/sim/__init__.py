"""A Binance-compatible simulated exchange over real sockets (docs/contracts.md, Contract 3).

It shares no parsing or signing code with the connector: it is the
connector's independent judge. Start it in process::

    async with SimulatedExchange(seed=1, traders={"rate": 5}) as sim:
        api_key, secret = sim.create_account({"USDT": "10000"})

or from the shell: ``hbconn sim`` / ``python -m hummingbot_conn.sim``.
"""
from .clock import ManualClock, SystemClock
from .errors import SimError
from .faults import Fault, FaultInjector
from .filters import SymbolSpec, default_symbols
from .server import SimulatedExchange

__all__ = ["SimulatedExchange", "SymbolSpec", "default_symbols", "ManualClock", "SystemClock",
           "SimError", "Fault", "FaultInjector"]
