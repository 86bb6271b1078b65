"""Kraken's web stack: throttler, REST error bodies, the nonce retry, ``AssetPairs`` (docs/kraken_spot.md).

Kraken answers HTTP 200 to refused requests (``{"error": ["E..."]}``): every
factory here reads bodies with ``constants.ERROR_FORMAT``.  A private call
refused with ``EAPI:Invalid nonce`` was refused before it was processed (two
calls signed in one order may reach the venue in the other): the REST
layer's one fresh-signed resend (its ``time_sync_retry`` hook) takes it, with
a new, higher nonce.
"""
from __future__ import annotations

from typing import Any, Optional

from hummingbot_conn.exchanges.kraken import constants as CONSTANTS
from hummingbot_conn.exchanges.kraken.constants import KrakenEndpoints
from hummingbot_conn.exchanges.kraken.errors import is_invalid_nonce
from hummingbot_conn.exchanges.kraken.pairs import KrakenPairs
from hummingbot_conn.web.async_throttler import AsyncThrottler
from hummingbot_conn.web.auth import AuthBase
from hummingbot_conn.web.data_types import RESTMethod
from hummingbot_conn.web.errors import ExchangeError
from hummingbot_conn.web.web_assistants_factory import WebAssistantsFactory

__all__ = ["create_throttler", "build_public_factory", "build_api_factory", "fetch_pairs", "NonceRetry"]


class NonceRetry:
    """The REST layer's resend hook (``TimeSyncRetry``'s shape) for ``EAPI:Invalid nonce``: nothing to
    resync, the resend is signed with a new nonce."""

    def is_time_error(self, error: ExchangeError) -> bool:
        return is_invalid_nonce(error)

    async def resync(self) -> None:
        return None


def create_throttler(limits_share_percentage: Any = 100, **kwargs: Any) -> AsyncThrottler:
    return AsyncThrottler(CONSTANTS.RATE_LIMITS, limits_share_percentage, **kwargs)


def build_public_factory(throttler: Optional[AsyncThrottler] = None, **kwargs: Any) -> WebAssistantsFactory:
    """Unsigned, throttled, reading Kraken's error bodies."""
    return WebAssistantsFactory(throttler=throttler or create_throttler(), error_format=CONSTANTS.ERROR_FORMAT,
                                **kwargs)


def build_api_factory(throttler: Optional[AsyncThrottler] = None, auth: Optional[AuthBase] = None,
                      **kwargs: Any) -> WebAssistantsFactory:
    """The connector's stack: signed by ``auth``, an invalid nonce resent once freshly signed."""
    return WebAssistantsFactory(throttler=throttler or create_throttler(), auth=auth,
                                error_format=CONSTANTS.ERROR_FORMAT, time_sync_retry=NonceRetry(),  # type: ignore[arg-type]
                                **kwargs)


async def fetch_pairs(factory: WebAssistantsFactory, endpoints: KrakenEndpoints) -> KrakenPairs:
    """``GET /0/public/AssetPairs`` -> ``KrakenPairs``."""
    rest = await factory.get_rest_assistant()
    answer = await rest.execute_request(endpoints.rest_url(CONSTANTS.ASSET_PAIRS_PATH_URL),
                                        CONSTANTS.ASSET_PAIRS_PATH_URL, method=RESTMethod.GET)
    return KrakenPairs(answer["result"])
