"""Secrets are redacted at capture: query and body parameters, JSON fields, headers, a listen key in a URL."""
import orjson

from hummingbot_conn.recording.redact import REDACTED, redact_headers, redact_json_text, redact_query, redact_url

SIG = "a" * 64
KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"


def test_signed_rest_urls_lose_their_signature_and_key_but_keep_the_rest():
    url = f"https://api.binance.com/api/v3/order?symbol=BTCUSDT&timestamp=1&apiKey={KEY}&signature={SIG}"
    out = redact_url(url)
    assert SIG not in out and KEY not in out
    assert out == f"https://api.binance.com/api/v3/order?symbol=BTCUSDT&timestamp=1&apiKey={REDACTED}" \
                  f"&signature={REDACTED}"


def test_a_listen_key_in_a_stream_path_is_redacted_and_market_streams_are_not():
    assert redact_url(f"wss://fstream.binance.com/ws/{KEY}") == f"wss://fstream.binance.com/ws/{REDACTED}"
    assert redact_url("wss://stream.binance.com:9443/ws/btcusdt@depth@100ms") == \
        "wss://stream.binance.com:9443/ws/btcusdt@depth@100ms"
    assert redact_url("ws://127.0.0.1:1/ws") == "ws://127.0.0.1:1/ws"


def test_form_bodies_and_json_frames_lose_every_secret_field_at_any_depth():
    body = f"symbol=BTCUSDT&side=BUY&signature={SIG}&listenKey={KEY}"
    assert redact_query(body) == f"symbol=BTCUSDT&side=BUY&signature={REDACTED}&listenKey={REDACTED}"
    assert redact_json_text(body) == redact_query(body)
    frame = orjson.dumps({"id": "1", "method": "userDataStream.subscribe.signature",
                          "params": {"apiKey": KEY, "timestamp": 1, "signature": SIG},
                          "result": [{"listenKey": KEY, "token": "t0k3n", "sessionToken": "s"}]}).decode()
    out = redact_json_text(frame)
    assert KEY not in out and SIG not in out and "t0k3n" not in out
    decoded = orjson.loads(out)
    assert decoded["params"] == {"apiKey": REDACTED, "timestamp": 1, "signature": REDACTED}
    assert decoded["method"] == "userDataStream.subscribe.signature"


def test_a_frame_without_secret_words_is_returned_untouched_without_parsing():
    frame = '{"e":"depthUpdate","s":"BTCUSDT","U":1,"u":2,"b":[["1.0","2"]],"a":[]}'
    assert redact_json_text(frame) is frame


def test_headers_keep_what_matters_and_redact_credentials():
    headers = {"X-MBX-APIKEY": KEY, "Content-Type": "application/json", "X-MBX-USED-WEIGHT-1M": "12",
               "Authorization": "Bearer xyz", "Server": "nginx", "Retry-After": "3"}
    kept = redact_headers(headers, frozenset(("content-type", "retry-after", "x-mbx-used-weight*")))
    assert kept == {"Content-Type": "application/json", "X-MBX-USED-WEIGHT-1M": "12", "Retry-After": "3"}
    every = redact_headers(headers)
    assert every["X-MBX-APIKEY"] == REDACTED and every["Authorization"] == REDACTED
    assert every["X-MBX-USED-WEIGHT-1M"] == "12" and every["Server"] == "nginx"


def test_a_secret_field_holding_an_object_or_a_list_is_redacted_inside():
    from hummingbot_conn.recording.redact import redact_json_text

    text = redact_json_text('{"params":{"signature":{"v":"s3cr3t"},"listenKey":["lk123"]},"symbol":"BTCUSDT"}')
    assert "s3cr3t" not in text and "lk123" not in text and "BTCUSDT" in text


def test_a_form_body_with_a_space_still_has_its_signature_redacted():
    from hummingbot_conn.recording.redact import redact_json_text

    text = redact_json_text("newClientOrderId=a b&signature=0123abcd&apiKey=k3y")
    assert "0123abcd" not in text and "k3y" not in text and "newClientOrderId" in text
