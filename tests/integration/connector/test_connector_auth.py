"""A wrong API key or secret: ``wait_ready`` says so at once, the loops do not hammer
the venue, and the log says it once with a count (real sockets against the simulator).

Before, ``wait_ready`` waited its whole timeout, the user stream retried the refused
subscription on its back-off, the balance poll retried every short interval, and each attempt
wrote the same error line again (13 in 20 s).
"""
import asyncio
import collections
import logging
import time

import pytest

from hummingbot_conn.cli.demo.run import start_connector
from hummingbot_conn.cli.edge import run_command
from hummingbot_conn.web.errors import AuthenticationError, ExchangeError

ACCOUNT_ENDPOINT = ("GET", "/api/v3/account")
MESSAGES = {
    "unknown key": "binance rejected the API key: -2015 Invalid API-key, IP, or permissions for action.",
    "malformed key": "binance rejected the API key: -2014 API-key format invalid.",
    "wrong secret": "binance rejected the API key: -1022 Signature for this request is not valid.",
}


def _credentials(sim, which: str):
    key, secret = sim.create_account({"USDT": "1000"})
    if which == "unknown key":
        return "A" * 64, secret
    if which == "malformed key":
        return "not-a-key", secret
    return key, "B" * 64


class SubscribeCounter:
    """Counts ``userDataStream.subscribe.signature`` requests reaching the simulator's WS API."""

    def __init__(self, sim) -> None:
        self.count = 0
        dispatch = sim.user_streams._dispatch

        def counting(conn, method, params):
            if method == "userDataStream.subscribe.signature":
                self.count += 1
            return dispatch(conn, method, params)
        sim.user_streams._dispatch = counting


@pytest.mark.parametrize("which", list(MESSAGES))
async def test_wait_ready_raises_the_refusal_at_once_naming_the_code(sim, harness, which):
    key, secret = _credentials(sim, which)
    connector = harness.make_connector(sim, key, secret)
    await connector.start_network()
    started = time.monotonic()
    try:
        with pytest.raises(AuthenticationError) as raised:
            await connector.wait_ready(60)
        waited = time.monotonic() - started
    finally:
        await connector.stop_network()
    error = raised.value
    assert str(error) == MESSAGES[which]
    assert isinstance(error, ExchangeError) and error.code == int(MESSAGES[which].split()[5])
    assert waited < 30, waited            # not the 60 s timeout: the first refusal ends the wait
    assert key not in str(error) and secret not in str(error) and key not in repr(error)
    assert connector.auth_error is not None and str(connector.auth_error) == MESSAGES[which]


async def test_a_refused_key_is_not_retried_in_a_tight_loop_and_is_logged_once(sim, harness, caplog):
    caplog.set_level(logging.DEBUG, logger="hummingbot_conn")
    key, _ = sim.create_account({"USDT": "1000"})
    accounts = harness.RequestCounter(sim, ACCOUNT_ENDPOINT)
    subscribes = SubscribeCounter(sim)
    # short cadences, so that the old behaviour would have retried many times in the window
    connector = harness.make_connector(sim, key, "B" * 64, short_poll_interval=0.1, long_poll_interval=30.0)
    await connector.start_network()
    try:
        await harness.until(lambda: connector.auth_error is not None, 10)
        await asyncio.sleep(3.0)
    finally:
        await connector.stop_network()
    # a refused key: one subscription and one balance poll, then the slow permanent cadence
    assert subscribes.count == 1, subscribes.count
    assert accounts.count <= 2, accounts.count
    lines = collections.Counter((r.name, r.getMessage()) for r in caplog.records if r.levelno >= logging.WARNING)
    repeated = {line: n for line, n in lines.items() if n > 1}
    assert not repeated, repeated


async def test_the_log_counts_the_repeats_of_a_refusal(sim, harness, caplog):
    """With fast retries configured, the refusal is still written once, and its repeats counted."""
    caplog.set_level(logging.WARNING, logger="hummingbot_conn")
    key, _ = sim.create_account({"USDT": "1000"})
    connector = harness.make_connector(sim, key, "B" * 64, short_poll_interval=0.05, long_poll_interval=0.05)
    source = connector.user_stream_tracker.data_source
    source.permanent_retry_delay = 0.05
    subscribes = SubscribeCounter(sim)
    await connector.start_network()
    try:
        await harness.until(lambda: subscribes.count >= 5, 15)
    finally:
        await connector.stop_network()          # stopping writes the counts still pending
    for start in ("User stream subscription refused", "Could not update balances"):
        lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith(start)]
        assert len(lines) == 2, lines             # the first one, then the count of its repeats
        assert "[repeated" not in lines[0] and lines[0].endswith("-1022: Signature for this request is not valid.")
        assert lines[1].startswith(lines[0] + " [repeated ") and " more times in " in lines[1], lines


async def test_hbconn_shows_the_sentence_not_a_traceback(sim, harness, capsys):
    connector = harness.make_connector(sim, "A" * 64, "B" * 64)

    def body() -> int:
        async def run() -> int:
            try:
                await start_connector(connector, timeout=20)
            finally:
                await connector.stop_network()
            return 0
        return asyncio.run(run())

    # the CLI's edge runs the body in its own loop: run it in a thread beside the simulator's loop
    status = await asyncio.to_thread(run_command, "hbconn demo", body, False)
    err = capsys.readouterr().err
    assert status == 1
    assert err.startswith("hbconn demo: " + MESSAGES["unknown key"]), err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "API key and secret" in err
