"""The connector layer: ``ExchangePyBase`` and the parts it is composed of
(docs/architecture.md, "the connector as composed parts"), and the perpetual
trading parts beside them."""
from hummingbot_conn.connector.account_refresh import AccountRefresher, min_interval_for
from hummingbot_conn.connector.balances import Balances
from hummingbot_conn.connector.cancellation_result import CancellationResult
from hummingbot_conn.connector.client_order_id import ClientOrderIdGenerator, get_new_client_order_id
from hummingbot_conn.connector.exchange_py_base import ExchangePyBase
from hummingbot_conn.connector.funding_info import FundingInfo, FundingInfoUpdate
from hummingbot_conn.connector.market_data import ClientOrderBookQueryResult, OrderBookQueries
from hummingbot_conn.connector.network_status import NetworkStatus
from hummingbot_conn.connector.order_path_warmer import OrderPathWarmer
from hummingbot_conn.connector.order_placer import OrderPlacer
from hummingbot_conn.connector.perpetual_derivative_py_base import PerpetualDerivativePyBase
from hummingbot_conn.connector.perpetual_trading import PerpetualTrading
from hummingbot_conn.connector.position import Position
from hummingbot_conn.connector.status_poller import StatusPoller
from hummingbot_conn.connector.symbol_map import SymbolMap
from hummingbot_conn.connector.trading_rule import TradingRule
from hummingbot_conn.connector.trading_rules import OrderRejected, TradingRules

__all__ = [
    "AccountRefresher", "Balances", "CancellationResult", "ClientOrderBookQueryResult", "ClientOrderIdGenerator",
    "ExchangePyBase",
    "FundingInfo", "FundingInfoUpdate", "NetworkStatus", "OrderBookQueries", "OrderPathWarmer", "OrderPlacer",
    "OrderRejected",
    "PerpetualDerivativePyBase", "PerpetualTrading", "Position", "StatusPoller", "SymbolMap", "TradingRule",
    "TradingRules", "get_new_client_order_id", "min_interval_for",
]
