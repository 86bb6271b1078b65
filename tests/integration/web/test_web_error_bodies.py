"""Errors a venue states in its answer's body, with string codes and inside HTTP 200 answers.

The classes of input closed (hummingbot_conn/web/errors.py, ``ErrorBodyFormat``;
docs/kraken_spot.md section 3): a venue that answers 200 to a refused request
and lists its errors (Kraken ``{"error": ["EOrder:..."]}``), one that answers
200 with a string code (OKX ``{"code": "51000"}``, ``"0"`` for success), the
same bodies on an error status, warnings that are not failures, and the
default format, which reads exactly what it read before (Binance's integer
codes in error answers only; a 200 answer is never an error there).

Real sockets: a local aiohttp server on 127.0.0.1 port 0 serves each body.
"""
import pickle

import pytest
from aiohttp import web

from hummingbot_conn.web import (
    DEFAULT_ERROR_BODY_FORMAT,
    AsyncThrottler,
    ErrorBodyFormat,
    ExchangeError,
    RateLimit,
    RequestOutcomeUnknownError,
    RESTMethod,
    WebAssistantsFactory,
)
from hummingbot_conn.web.rest_assistant import parse_error_body

KRAKEN = ErrorBodyFormat(error_list_field="error", warning_prefix="W", nested_field=None, errors_in_success=True)
OKX = ErrorBodyFormat(code_types=(str,), ok_codes=frozenset({"0"}), errors_in_success=True, nested_field=None)

ANSWERS = {
    "/kraken/refused": (200, {"error": ["EOrder:Insufficient funds"], "result": {}}),
    "/kraken/two": (200, {"error": ["EGeneral:Invalid arguments", "EGeneral:Invalid arguments:volume"]}),
    "/kraken/ok": (200, {"error": [], "result": {"txid": ["OABC"]}}),
    "/kraken/warned": (200, {"error": ["WGeneral:Deprecated"], "result": {"ok": True}}),
    "/kraken/bad_status": (400, {"error": ["EAPI:Invalid nonce"]}),
    "/okx/refused": (200, {"code": "51000", "msg": "Parameter sz error", "data": []}),
    "/okx/ok": (200, {"code": "0", "msg": "", "data": [{"ordId": "1"}]}),
    "/okx/bad_status": (401, {"code": "50113", "msg": "Invalid Sign"}),
    "/binance/ok_with_code": (200, {"code": 200, "msg": "success"}),
    "/binance/refused": (400, {"code": -1121, "msg": "Invalid symbol."}),
    "/binance/string_code": (400, {"code": "abc", "msg": "odd"}),
}


@pytest.fixture
async def server():
    async def handler(request):
        status, body = ANSWERS[request.path]
        return web.json_response(body, status=status)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def _rest(error_format=DEFAULT_ERROR_BODY_FORMAT):
    factory = WebAssistantsFactory(AsyncThrottler([RateLimit("ANY", 1000, 1)]), error_format=error_format)
    return factory, await factory.get_rest_assistant()


async def _call(base, path, error_format=DEFAULT_ERROR_BODY_FORMAT, method=RESTMethod.GET, **kwargs):
    factory, rest = await _rest(error_format)
    try:
        return await rest.execute_request(base + path, "ANY", method=method, **kwargs)
    finally:
        await factory.close()


async def test_a_kraken_refusal_in_a_200_answer_is_an_exchange_error_with_a_string_code(server):
    with pytest.raises(ExchangeError) as raised:
        await _call(server, "/kraken/refused", KRAKEN)
    error = raised.value
    assert (error.status, error.code, error.msg) == (200, "EOrder:Insufficient funds", "EOrder:Insufficient funds")
    assert error.body == {"error": ["EOrder:Insufficient funds"], "result": {}}
    assert pickle.loads(pickle.dumps(error)).code == "EOrder:Insufficient funds"


async def test_a_refused_order_is_a_known_refusal_not_an_unknown_outcome(server):
    # a non-idempotent request the venue refused in a 200 answer did not take effect
    with pytest.raises(ExchangeError) as raised:
        await _call(server, "/kraken/refused", KRAKEN, method=RESTMethod.POST, data={"volume": "1"})
    assert not isinstance(raised.value, RequestOutcomeUnknownError)
    assert raised.value.code == "EOrder:Insufficient funds"


async def test_every_listed_error_is_in_the_message_and_the_first_is_the_code(server):
    with pytest.raises(ExchangeError) as raised:
        await _call(server, "/kraken/two", KRAKEN)
    assert raised.value.code == "EGeneral:Invalid arguments"
    assert raised.value.msg == "EGeneral:Invalid arguments; EGeneral:Invalid arguments:volume"


@pytest.mark.parametrize("path, result", [("/kraken/ok", {"txid": ["OABC"]}), ("/kraken/warned", {"ok": True})])
async def test_an_empty_error_list_or_only_warnings_is_success(server, path, result):
    assert (await _call(server, path, KRAKEN))["result"] == result


async def test_a_listed_error_on_an_error_status_is_read_the_same_way(server):
    with pytest.raises(ExchangeError) as raised:
        await _call(server, "/kraken/bad_status", KRAKEN)
    assert (raised.value.status, raised.value.code) == (400, "EAPI:Invalid nonce")


async def test_an_okx_string_code_in_a_200_answer_is_an_error_and_its_success_code_is_not(server):
    with pytest.raises(ExchangeError) as raised:
        await _call(server, "/okx/refused", OKX)
    assert (raised.value.status, raised.value.code, raised.value.msg) == (200, "51000", "Parameter sz error")
    assert (await _call(server, "/okx/ok", OKX))["data"] == [{"ordId": "1"}]
    with pytest.raises(ExchangeError) as raised:
        await _call(server, "/okx/bad_status", OKX)
    assert (raised.value.status, raised.value.code) == (401, "50113")


async def test_return_err_hands_a_refusing_200_answer_back_untouched(server):
    factory, rest = await _rest(KRAKEN)
    try:
        answer = await rest.execute_request(server + "/kraken/refused", "ANY", return_err=True)
    finally:
        await factory.close()
    assert answer == {"error": ["EOrder:Insufficient funds"], "result": {}}


async def test_the_default_format_reads_what_it_read_before(server):
    # Binance: a 200 answer is the result whatever it holds, an error answer has an int code
    assert await _call(server, "/binance/ok_with_code") == {"code": 200, "msg": "success"}
    with pytest.raises(ExchangeError) as raised:
        await _call(server, "/binance/refused")
    assert (raised.value.code, raised.value.msg) == (-1121, "Invalid symbol.")
    with pytest.raises(ExchangeError) as raised:
        await _call(server, "/binance/string_code")
    assert (raised.value.code, raised.value.msg) == (None, "odd")


def test_the_formats_read_bodies_without_a_server():
    assert parse_error_body(b'{"error": ["EOrder:Unknown order"]}', KRAKEN)[:2] == \
        ("EOrder:Unknown order", "EOrder:Unknown order")
    assert parse_error_body(b'{"code": "50113", "msg": "Invalid Sign"}', OKX)[:2] == ("50113", "Invalid Sign")
    assert parse_error_body(b'{"code": -1121, "msg": "Invalid symbol."}')[:2] == (-1121, "Invalid symbol.")
    for body in ({"code": True, "msg": "x"}, {"code": "", "msg": "x"}, {"code": 1.5, "msg": "x"}):
        assert OKX.describe(body) == (None, "x") and DEFAULT_ERROR_BODY_FORMAT.describe(body) == (None, "x")
    assert KRAKEN.failure_in({"result": {}}) is None                 # no list at all: nothing stated
    assert KRAKEN.failure_in({"error": "EOrder:not a list"}) is None
    assert KRAKEN.failure_in({"error": [17]}) == ("17", "17")
    assert OKX.failure_in({"msg": "no code"}) is None
    assert OKX.failure_in([1, 2]) is None
    assert DEFAULT_ERROR_BODY_FORMAT.failure_in({"code": -1, "msg": "x"}) is None   # errors_in_success off
