"""Fixtures for the Kraken simulator's tests: a venue on 127.0.0.1 port 0, a session, a signed caller.

The signing here is the tests' own (Kraken's published rule, docs/kraken_spot.md section 5),
so a test checks the simulator against the rule, not against itself.
"""
import base64
import hashlib
import hmac
import itertools
import time
import urllib.parse

import aiohttp
import pytest

from hummingbot_conn.sim import ManualClock
from hummingbot_conn.sim.kraken import KrakenSimulatedExchange


@pytest.fixture
async def venue():
    async with KrakenSimulatedExchange(seed=3, traders={"rate": 0, "seed_levels": 12}, clock=ManualClock(),
                                       auto_flush=False) as sim:
        yield sim


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as s:
        yield s


class Signed:
    """POSTs form-encoded private calls signed with one account's key."""

    def __init__(self, session, base, key, secret):
        self.session, self.base, self.key, self.secret = session, base, key, secret
        self.nonces = itertools.count(int(time.time() * 1000))

    def headers(self, path, body, nonce):
        digest = hashlib.sha256((str(nonce) + body).encode()).digest()
        mac = hmac.new(base64.b64decode(self.secret), path.encode() + digest, hashlib.sha512)
        return {"API-Key": self.key, "API-Sign": base64.b64encode(mac.digest()).decode(),
                "Content-Type": "application/x-www-form-urlencoded"}

    async def __call__(self, name, nonce=None, **params):
        nonce = next(self.nonces) if nonce is None else nonce
        body = urllib.parse.urlencode({"nonce": nonce, **params})
        path = f"/0/private/{name}"
        async with self.session.post(self.base + path, data=body, headers=self.headers(path, body, nonce)) as resp:
            assert resp.status == 200
            return await resp.json()


@pytest.fixture
def signed(session):
    def make(sim, key, secret):
        return Signed(session, sim.rest_url, key, secret)
    return make
