"""``_nats.redact_url``: no password or token of a NATS URL survives in what is printed
(docs/bus.md, "Who may publish").  It used to find the user information only in a URL with a
scheme and before the first ``/``: a password holding ``/``, ``?`` or ``#``, a URL without
``nats://`` (nats-py accepts one) and every URL after the first of a list were printed whole."""
import pytest

from hummingbot_conn.bus._nats import redact_url


@pytest.mark.parametrize("url, shown", [
    ("nats://feed:secret@127.0.0.1:4222", "nats://feed:***@127.0.0.1:4222"),
    ("nats://s3cr3t-token@127.0.0.1:4222", "nats://***@127.0.0.1:4222"),
    ("tls://feed:secret@bus.example.com:4443", "tls://feed:***@bus.example.com:4443"),
    ("nats://127.0.0.1:4222", "nats://127.0.0.1:4222"),
    ("127.0.0.1:4222", "127.0.0.1:4222"),
    ("nats://feed:pa@ss@127.0.0.1:4222", "nats://feed:***@127.0.0.1:4222"),
    # what used to be printed whole
    ("nats://feed:ab/cd@127.0.0.1:4222", "nats://feed:***@127.0.0.1:4222"),
    ("nats://feed:ab?cd@127.0.0.1:4222", "nats://feed:***@127.0.0.1:4222"),
    ("nats://feed:ab#cd@127.0.0.1:4222", "nats://feed:***@127.0.0.1:4222"),
    ("feed:secret@127.0.0.1:4222", "feed:***@127.0.0.1:4222"),
    ("s3cr3t-token@127.0.0.1:4222", "***@127.0.0.1:4222"),
    ("nats://a:one@h1:4222,nats://b:two@h2:4222", "nats://a:***@h1:4222,nats://b:***@h2:4222"),
    ("nats://h1:4222,tls://tok@h2:4222", "nats://h1:4222,tls://***@h2:4222"),
])
def test_every_password_and_token_is_replaced(url, shown):
    assert redact_url(url) == shown


@pytest.mark.parametrize("secret", ["ab/cd", "ab?cd", "ab#cd", "pa@ss", "a,b", "x//y@z"])
def test_no_secret_character_pattern_survives(secret):
    for url in (f"nats://feed:{secret}@127.0.0.1:4222", f"feed:{secret}@127.0.0.1:4222",
                f"nats://h0:4222,nats://feed:{secret}@127.0.0.1:4222"):
        assert secret not in redact_url(url), url
