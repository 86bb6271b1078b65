"""NetworkStatus: the answer of ``check_network`` (hummingbot's names and values)."""
from enum import Enum

__all__ = ["NetworkStatus"]


class NetworkStatus(Enum):
    STOPPED = 0
    NOT_CONNECTED = 1
    CONNECTED = 2
