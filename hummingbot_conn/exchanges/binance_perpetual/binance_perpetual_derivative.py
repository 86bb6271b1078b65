"""hummingbot's ``binance_perpetual_derivative`` path, a thin re-export of
``exchanges/binance/usdm/derivative.py``.

The code lives there (docs/architecture.md, "One layout per venue"); this module is where a port of
``hummingbot.connector.derivative.binance_perpetual.binance_perpetual_derivative`` imports from
(docs/porting.md).
"""
from hummingbot_conn.exchanges.binance.usdm.derivative import BinancePerpetualDerivative

__all__ = ["BinancePerpetualDerivative"]
