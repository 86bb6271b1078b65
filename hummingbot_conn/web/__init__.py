"""The web layer: rate limits, REST and WebSocket assistants, time sync.

Public names follow hummingbot's (``AsyncThrottler``, ``RateLimit``,
``WebAssistantsFactory`` ...) so its connectors port with an import change.
"""
from hummingbot_conn.web.async_throttler import AsyncRequestContext, AsyncThrottler
from hummingbot_conn.web.auth import AuthBase
from hummingbot_conn.web.backoff import ExponentialBackoff
from hummingbot_conn.web.connections import ConnectionsFactory, RESTConnection, WSConnection
from hummingbot_conn.web.data_types import (
    RESTMethod,
    RESTRequest,
    RESTResponse,
    WSBinaryRequest,
    WSJSONRequest,
    WSPlainTextRequest,
    WSRequest,
    WSResponse,
)
from hummingbot_conn.web.errors import (
    DEFAULT_ERROR_BODY_FORMAT,
    AuthenticationError,
    ErrorBodyFormat,
    ErrorCode,
    ExchangeError,
    IPBannedError,
    MalformedResponseError,
    NetworkError,
    RateLimitExceededError,
    RequestOutcomeUnknownError,
    RequestTimeoutError,
    ResponseTooLargeError,
    ServerError,
    ThrottlerError,
    ThrottleTimeoutError,
    UnknownLimitError,
    WebError,
    WeightExceedsLimitError,
    WSDisconnectedError,
    WSError,
    WSSilentError,
)
from hummingbot_conn.web.processors import (
    RESTPostProcessorBase,
    RESTPreProcessorBase,
    WSPostProcessorBase,
    WSPreProcessorBase,
)
from hummingbot_conn.web.rate_limit import LinkedLimitWeightPair, RateLimit
from hummingbot_conn.web.rest_assistant import RESTAssistant
from hummingbot_conn.web.time_synchronizer import TimeSynchronizer, TimeSynchronizerRESTPreProcessor, TimeSyncRetry
from hummingbot_conn.web.web_assistants_factory import WebAssistantsFactory
from hummingbot_conn.web.ws_assistant import WSAssistant

__all__ = [
    "DEFAULT_ERROR_BODY_FORMAT", "ErrorBodyFormat", "ErrorCode",
    "AsyncRequestContext", "AsyncThrottler", "AuthBase", "AuthenticationError", "ConnectionsFactory",
    "ExchangeError", "ExponentialBackoff",
    "IPBannedError", "LinkedLimitWeightPair", "MalformedResponseError", "ResponseTooLargeError",
    "ThrottleTimeoutError", "NetworkError", "RESTAssistant", "RESTConnection", "RESTMethod",
    "RESTPostProcessorBase", "RESTPreProcessorBase", "RESTRequest", "RESTResponse", "RateLimit",
    "RateLimitExceededError", "RequestOutcomeUnknownError", "RequestTimeoutError", "ServerError",
    "ThrottlerError", "TimeSyncRetry", "TimeSynchronizer", "TimeSynchronizerRESTPreProcessor",
    "UnknownLimitError", "WSAssistant", "WSBinaryRequest", "WSConnection", "WSDisconnectedError", "WSError",
    "WSJSONRequest", "WSPlainTextRequest", "WSPostProcessorBase", "WSPreProcessorBase", "WSRequest",
    "WSResponse", "WSSilentError", "WebAssistantsFactory", "WebError", "WeightExceedsLimitError",
]
