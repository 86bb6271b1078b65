"""Pre-/post-processor hooks of the assistants (hummingbot's four ABCs).

A pre-processor may replace the request before it is authenticated and sent;
a post-processor may replace the response before the caller sees it.  They
run in list order, once per attempt.
"""
from abc import ABC, abstractmethod

from hummingbot_conn.web.data_types import RESTRequest, RESTResponse, WSRequest, WSResponse

__all__ = ["RESTPreProcessorBase", "RESTPostProcessorBase", "WSPreProcessorBase", "WSPostProcessorBase"]


class RESTPreProcessorBase(ABC):
    @abstractmethod
    async def pre_process(self, request: RESTRequest) -> RESTRequest:
        ...


class RESTPostProcessorBase(ABC):
    @abstractmethod
    async def post_process(self, response: RESTResponse) -> RESTResponse:
        ...


class WSPreProcessorBase(ABC):
    @abstractmethod
    async def pre_process(self, request: WSRequest) -> WSRequest:
        ...


class WSPostProcessorBase(ABC):
    @abstractmethod
    async def post_process(self, response: WSResponse) -> WSResponse:
        ...
