"""A wrong API key or secret on the perpetual connector (issue 16): ``wait_ready`` raises the
venue's refusal at once, and the background loops neither hammer the venue nor repeat the
same log line (real sockets against the futures simulator)."""
import asyncio
import collections
import logging
import time

import pytest

from hummingbot_conn.web.errors import AuthenticationError

from .conftest import make_connector, until

MESSAGES = {
    "unknown key": "binance_perpetual rejected the API key: -2015 Invalid API-key, IP, or permissions for action.",
    "wrong secret": "binance_perpetual rejected the API key: -1022 Signature for this request is not valid.",
}


def _credentials(fsim, which: str):
    key, secret = fsim.create_account("10000")
    return ("A" * 64, secret) if which == "unknown key" else (key, "B" * 64)


@pytest.mark.parametrize("which", list(MESSAGES))
async def test_wait_ready_raises_the_refusal_at_once(fsim, which):
    key, secret = _credentials(fsim, which)
    connector = make_connector(fsim, key, secret)
    await connector.start_network()
    started = time.monotonic()
    try:
        with pytest.raises(AuthenticationError) as raised:
            await connector.wait_ready(60)
        waited = time.monotonic() - started
    finally:
        await connector.stop_network()
    assert str(raised.value) == MESSAGES[which]
    assert waited < 30, waited
    assert key not in str(raised.value) and secret not in str(raised.value)


@pytest.mark.parametrize("which", list(MESSAGES))
async def test_a_refusal_is_logged_once_and_not_retried_in_a_tight_loop(fsim, which, caplog):
    caplog.set_level(logging.WARNING, logger="hummingbot_conn")
    key, secret = _credentials(fsim, which)
    connector = make_connector(fsim, key, secret, short_poll_interval=0.1, long_poll_interval=30.0)
    await connector.start_network()
    try:
        await until(lambda: connector.auth_error is not None, 10)
        await asyncio.sleep(3.0)
    finally:
        await connector.stop_network()
    lines = collections.Counter((r.name, r.getMessage()) for r in caplog.records)
    repeated = {line: n for line, n in lines.items() if n > 1}
    assert not repeated, repeated
    # the first poll, then at most the one a user stream (re)connection asks for, not one per short interval
    balance_lines = [message for (_, message) in lines if message.startswith("Could not update balances")]
    assert len(balance_lines) <= 2 and all("[repeated" in m for m in balance_lines[1:]), balance_lines
    assert "[repeated" not in balance_lines[0]
