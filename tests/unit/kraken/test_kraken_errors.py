"""Kraken's E-strings in HTTP-200 bodies -> the typed errors the connector branches on
(docs/kraken_spot.md section 3)."""
import pytest

from hummingbot_conn.exchanges.kraken import constants as CONSTANTS, errors
from hummingbot_conn.web.errors import (
    AuthenticationError,
    ExchangeError,
    RateLimitExceededError,
    RequestOutcomeUnknownError,
)
from hummingbot_conn.web.rest_assistant import parse_error_body


def _error(code):
    return ExchangeError(200, code, code, "POST", "/0/private/AddOrder")


def test_the_error_list_is_read_and_warnings_are_not_errors():
    assert CONSTANTS.ERROR_FORMAT.failure_in({"error": [], "result": {"count": 1}}) is None
    assert CONSTANTS.ERROR_FORMAT.failure_in({"error": ["WGeneral:Danger"], "result": {}}) is None
    assert CONSTANTS.ERROR_FORMAT.failure_in({"error": ["EOrder:Insufficient funds"], "result": {}}) == (
        "EOrder:Insufficient funds", "EOrder:Insufficient funds")
    code, msg, _ = parse_error_body(b'{"error":["EAPI:Invalid key"]}', CONSTANTS.ERROR_FORMAT)
    assert code == "EAPI:Invalid key"


@pytest.mark.parametrize("code, auth, rate, unknown_order, uncertain", [
    ("EAPI:Invalid key", True, False, False, False),
    ("EAPI:Invalid signature", True, False, False, False),
    ("EGeneral:Permission denied", True, False, False, False),
    ("EAPI:Rate limit exceeded", False, True, False, False),
    ("EOrder:Rate limit exceeded", False, True, False, False),
    ("EOrder:Unknown order", False, False, True, False),
    ("EService:Unavailable", False, False, False, True),
    ("EService:Busy", False, False, False, True),
    ("EOrder:Insufficient funds", False, False, False, False),
    ("EGeneral:Invalid arguments", False, False, False, False),
])
def test_each_documented_string_has_its_class(code, auth, rate, unknown_order, uncertain):
    error = _error(code)
    assert errors.is_auth_error(error) is auth
    assert errors.is_rate_limited(error) is rate
    assert errors.is_unknown_order(error) is unknown_order
    assert errors.is_outcome_unknown(error) is uncertain


def test_a_429_answer_was_not_processed_whatever_its_body():
    refused = RateLimitExceededError(429, "EService:Busy", "EService:Busy", "POST", "/0/private/AddOrder")
    assert not errors.is_outcome_unknown(refused)
    assert errors.is_outcome_unknown(RequestOutcomeUnknownError("timeout", "POST", "/0/private/AddOrder"))


def test_a_refused_key_is_one_sentence_that_does_not_repeat_the_code():
    error = AuthenticationError.from_error("kraken", _error("EAPI:Invalid key"))
    assert str(error) == "kraken rejected the API key: EAPI:Invalid key."
    binance = AuthenticationError("binance", 401, -2015, "Invalid API-key, IP, or permissions for action.")
    assert str(binance) == "binance rejected the API key: -2015 Invalid API-key, IP, or permissions for action."
