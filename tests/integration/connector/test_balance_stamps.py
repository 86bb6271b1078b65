"""One oddly stamped balance frame never freezes an asset (docs/contracts.md, Contract 4).

A stamp past the synchronised clock is not believed; a stamp in microseconds is read as such. In
both cases the venue's later stream reports and REST polls keep the asset's balance current.
The odd frame is fed to the connector's user event handler, as if the stream had sent it; the
later reports come from the simulated exchange over real sockets.
"""
from decimal import Decimal

import pytest

BTC = "BTC"


def odd_frame(u: int, free: str) -> dict:
    return {"e": "outboundAccountPosition", "E": u, "u": u, "B": [{"a": BTC, "f": free, "l": "0.00000000"}]}


async def test_a_future_stamped_balance_frame_does_not_freeze_the_asset(session, harness):
    connector, sim = session.connector, session.sim
    connector._user_events.process(odd_frame(sim.clock.now_ms() + 86_400_000, "7"))
    assert connector.get_balance(BTC) == Decimal("7")           # applied, its time not believed
    await connector._update_balances()                           # the REST truth comes back
    assert connector.get_balance(BTC) == Decimal("2")
    connector._user_events.process(odd_frame(sim.clock.now_ms() + 86_400_000, "7"))
    sim.engine.deposit(sim.account(session.api_key), BTC, Decimal("1"))
    await harness.until(lambda: connector.get_balance(BTC) == Decimal("3"))     # and the stream's
    await connector._update_balances()
    assert session.our_balances() == session.sim_balances()


@pytest.mark.parametrize("unit", [1000, 1_000_000])
async def test_a_balance_frame_stamped_in_micro_or_nanoseconds_is_read_as_such(session, harness, unit):
    connector, sim = session.connector, session.sim
    # stamped a little before now: the deposit below must be strictly later, or a delta stamped in
    # the same millisecond as the held state is taken as already in it (Contract 4), a tie the
    # test would otherwise hit about one run in three
    stamped = sim.clock.now_ms() - 50
    connector._user_events.process(odd_frame(stamped * unit, "7"))
    assert connector.get_balance(BTC) == Decimal("7")
    assert connector._balances._freshness.venue_time(BTC) == pytest.approx(stamped, abs=0.01)   # read as ms
    sim.engine.deposit(sim.account(session.api_key), BTC, Decimal("1"))
    await harness.until(lambda: connector.get_balance(BTC) == Decimal("3"))
    await connector._update_balances()
    assert session.our_balances() == session.sim_balances()
