"""A connector that cannot get ready says why: a wrong secret is named, not only waited on."""
import pytest


async def test_wrong_secret_wait_ready_names_the_signature_error(sim, harness):
    key, _ = sim.create_account({"USDT": "1000"})
    connector = harness.make_connector(sim, key, "not-the-secret")
    await connector.start_network()
    try:
        with pytest.raises(TimeoutError) as raised:
            await connector.wait_ready(3)
    finally:
        await connector.stop_network()
    message = str(raised.value)
    assert "not ready after 3 s" in message
    assert "user_stream_initialized" in message
    assert "-1022" in message or "ignature" in message, message


async def test_ready_connector_wait_ready_returns(session):
    await session.connector.wait_ready(1)
