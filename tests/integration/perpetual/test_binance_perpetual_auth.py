"""A wrong API key or secret on the perpetual connector: ``wait_ready`` raises the
venue's refusal at once, and the background loops neither hammer the venue nor repeat the
same log line (real sockets against the futures simulator)."""
import asyncio
import collections
import logging
import time

import pytest
from support import until
from support.perpetual import make_connector

from hummingbot_conn.web.errors import AuthenticationError

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


async def test_the_account_and_funding_loops_log_a_refusal_once_then_its_count(fsim, caplog):
    # the position mode, positions and funding payment reads: N attempts with a refused key write
    # one line each, then one count (at stop), not one line per attempt (per pair for funding)
    caplog.set_level(logging.WARNING, logger="hummingbot_conn")
    key, secret = _credentials(fsim, "wrong secret")
    connector = make_connector(fsim, key, secret, funding_fee_poll_interval=3600.0)
    attempts = 5
    await connector.start_network()
    try:
        await until(lambda: connector.auth_error is not None, 10)
        # the first funding poll only takes the venue's time as each pair's baseline (public)
        await until(lambda: all(connector._funding_ledger.window_start(p) is not None
                                for p in connector.trading_pairs), 10)
        for _ in range(attempts):
            await connector._update_all_funding_payments()
            await connector._initialize_account_state()
    finally:
        await connector.stop_network()
    starts = {"funding": "Could not read the funding payments of BTC-USDT, ETH-USDT: ",
              "position mode": "Could not fetch the position mode from the exchange (",
              "positions": "Could not fetch the positions: "}
    for name, start in starts.items():
        lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith(start)]
        assert len(lines) == 2, (name, lines)
        assert "[repeated" not in lines[0] and "-1022" in lines[0], (name, lines)
        # the start's own attempt, then ``attempts`` more (the funding baseline poll read nothing)
        repeats = attempts - 1 if name == "funding" else attempts
        assert lines[1].startswith(lines[0] + f" [repeated {repeats} more times in "), (name, lines)
    assert not [r for r in caplog.records if "funding payments of" in r.getMessage()
                and not r.getMessage().startswith(starts["funding"])]
