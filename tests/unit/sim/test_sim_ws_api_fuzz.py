"""The simulator's WebSocket API under fuzzing: any request, whatever the types of its fields, gets a
reply; nothing raises.

The handler is driven directly (its socket loop only sends what it returns);
tests/integration/sim/test_sim_hostile_clients.py checks the same over a socket.
"""
import orjson
from hypothesis import given, settings, strategies as st

from hummingbot_conn.sim import SimulatedExchange
from hummingbot_conn.sim.binance.spot.ws_api import _ApiConnection

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**64 - 1),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=6), inner, max_size=3)),
                      max_leaves=6)
METHODS = st.one_of(st.sampled_from(["ping", "time", "userDataStream.subscribe.signature",
                                     "userDataStream.unsubscribe", "session.subscriptions", "session.logon"]),
                    VALUES)
PARAMS = st.one_of(st.dictionaries(st.sampled_from(["apiKey", "timestamp", "signature", "subscriptionId",
                                                    "recvWindow", "x"]), VALUES, max_size=5), VALUES)
REQUESTS = st.one_of(st.fixed_dictionaries({"id": VALUES, "method": METHODS},
                                           optional={"params": PARAMS, "extra": VALUES}), VALUES)


SIM = SimulatedExchange(seed=1, weight_limit=10**9)     # never started: the handler needs no socket
SIM.create_account({"USDT": "1"})


@settings(max_examples=300)
@given(st.lists(REQUESTS, min_size=1, max_size=4))
def test_every_request_gets_a_well_formed_reply(requests):
    sim = SIM
    conn = _ApiConnection(None, None, 100)
    for request in requests:
        reply = sim.user_streams._request(conn, "127.0.0.1", orjson.dumps(request).decode())
        assert isinstance(reply["status"], int)
        assert (reply["status"] == 200) == ("result" in reply) != ("error" in reply)
        if "error" in reply:
            assert reply["error"]["code"] < 0 and isinstance(reply["error"]["msg"], str)
        orjson.dumps(reply)
    ping = sim.user_streams._request(conn, "127.0.0.1", '{"id": 1, "method": "ping"}')
    assert ping["status"] == 200                       # the session is still usable
