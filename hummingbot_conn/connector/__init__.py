"""Connector layer: the exchange connector base and its composed parts."""
from hummingbot_conn.connector.funding_info import FundingInfo, FundingInfoUpdate
from hummingbot_conn.connector.perpetual_trading import PerpetualTrading
from hummingbot_conn.connector.position import Position

__all__ = ["FundingInfo", "FundingInfoUpdate", "PerpetualTrading", "Position"]
