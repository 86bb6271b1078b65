"""A connector that cannot get ready says why: the part missing and the error behind it, not only
that it waited.  (A refused key or secret is not waited on at all: test_connector_auth.py.)"""
import pytest

from hummingbot_conn.sim import SimError


async def test_wait_ready_timeout_names_the_missing_part_and_the_user_stream_error(sim, harness):
    key, secret = sim.create_account({"USDT": "1000"})
    dispatch = sim.user_streams._dispatch

    def refuse_subscriptions(conn, method, params):     # a venue-side failure retrying may cure
        if method == "userDataStream.subscribe.signature":
            raise SimError(-1000, "An unknown error occurred while processing the request.")
        return dispatch(conn, method, params)
    sim.user_streams._dispatch = refuse_subscriptions
    connector = harness.make_connector(sim, key, secret)
    await connector.start_network()
    try:
        with pytest.raises(TimeoutError) as raised:
            await connector.wait_ready(3)
    finally:
        await connector.stop_network()
    message = str(raised.value)
    assert "not ready after 3 s" in message
    assert "user_stream_initialized" in message and "account_balance" not in message
    assert "-1000" in message, message


async def test_ready_connector_wait_ready_returns(session):
    await session.connector.wait_ready(1)
