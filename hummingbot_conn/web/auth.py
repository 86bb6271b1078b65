"""AuthBase: how a connector signs REST requests and WebSocket messages (hummingbot's ``web_assistant.auth``)."""
from abc import ABC, abstractmethod

from hummingbot_conn.web.data_types import RESTRequest, WSRequest

__all__ = ["AuthBase"]


class AuthBase(ABC):
    """Signs requests for ``WebAssistantsFactory`` (called only when ``is_auth_required``).

    Implementations receive a private copy of the request (the REST layer
    re-signs from the original on a retry) and must keep secrets out of
    ``repr``/``str``, logs and exception messages.
    """

    @abstractmethod
    async def rest_authenticate(self, request: RESTRequest) -> RESTRequest:
        ...

    @abstractmethod
    async def ws_authenticate(self, request: WSRequest) -> WSRequest:
        ...
