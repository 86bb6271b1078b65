"""The commands' event loop (``hummingbot_conn.cli.event_loop``): uvloop when installed, ``HBCONN_LOOP`` to choose.

Both loops are exercised: uvloop is in the test extra, and "not installed" is
made by blocking its import.  The simulator's own copy of the choice
(``hummingbot_conn.sim.__main__.choose_loop``, it may not import the commands)
is held to the same answers.  The library never installs a loop or a policy.
"""
import asyncio
import re
import sys
from pathlib import Path

import pytest

from hummingbot_conn.cli import event_loop
from hummingbot_conn.cli.edge import CommandError
from hummingbot_conn.sim import __main__ as sim_main

uvloop = pytest.importorskip("uvloop")   # in the test extra: CI runs every test below

PKG = Path(event_loop.__file__).resolve().parents[1]


@pytest.fixture
def no_uvloop(monkeypatch):
    # None in sys.modules makes `import uvloop` raise ImportError, as on a machine without it
    monkeypatch.setitem(sys.modules, "uvloop", None)


def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


@pytest.mark.parametrize("environ", [{}, {"HBCONN_LOOP": ""}, {"HBCONN_LOOP": "auto"}, {"HBCONN_LOOP": " UVLOOP "}])
def test_uvloop_when_installed(environ):
    choice = event_loop.choose(environ)
    assert choice.name == "uvloop" and choice.factory is uvloop.new_event_loop
    assert choice.description.startswith("uvloop ") and "unknown" not in choice.description
    assert event_loop.run(_coro_loop_module(), environ).startswith("uvloop")


async def _coro_loop_module() -> str:
    return _loop_module()


def test_hbconn_loop_asyncio_forces_the_standard_loop():
    environ = {"HBCONN_LOOP": "asyncio"}
    choice = event_loop.choose(environ)
    assert choice.name == "asyncio" and choice.factory is None
    assert event_loop.describe(environ) == "asyncio (standard loop, HBCONN_LOOP=asyncio)"
    assert event_loop.run(_coro_loop_module(), environ).startswith("asyncio")


def test_standard_loop_when_uvloop_is_not_installed(no_uvloop):
    assert event_loop.describe({}) == "asyncio (standard loop; uvloop not installed)"
    assert event_loop.run(_coro_loop_module(), {}).startswith("asyncio")


def test_asking_for_uvloop_without_it_is_a_sentence(no_uvloop):
    with pytest.raises(CommandError, match=r"HBCONN_LOOP=uvloop but uvloop is not installed") as info:
        event_loop.choose({"HBCONN_LOOP": "uvloop"})
    assert "pip install 'hummingbot-conn[uvloop]'" in info.value.sentence()


def test_a_bad_value_is_a_sentence_and_the_coroutine_is_closed():
    coro = _coro_loop_module()
    with pytest.raises(CommandError, match=r"HBCONN_LOOP='tokio' is not one of auto, uvloop, asyncio"):
        event_loop.run(coro, {"HBCONN_LOOP": "tokio"})
    assert coro.cr_frame is None          # closed: no "never awaited" warning (an error in this suite)
    assert event_loop.describe({"HBCONN_LOOP": "tokio"}).startswith("none: HBCONN_LOOP='tokio'")


def test_run_sets_no_process_wide_policy():
    before = asyncio.get_event_loop_policy()
    event_loop.run(_coro_loop_module(), {})
    assert asyncio.get_event_loop_policy() is before


def test_run_returns_the_result_and_propagates_errors():
    async def boom():
        raise KeyError("x")

    async def value():
        return 42

    assert event_loop.run(value(), {}) == 42
    with pytest.raises(KeyError):
        event_loop.run(boom(), {})


@pytest.mark.parametrize("value", [None, "", "auto", "uvloop", "asyncio", "AsyncIO", "tokio"])
@pytest.mark.parametrize("installed", [True, False])
def test_the_simulator_chooses_like_the_commands(value, installed, monkeypatch):
    if not installed:
        monkeypatch.setitem(sys.modules, "uvloop", None)
    environ = {} if value is None else {"HBCONN_LOOP": value}
    try:
        choice = event_loop.choose(environ)
    except CommandError as err:
        with pytest.raises(ValueError) as info:
            sim_main.choose_loop(environ)
        assert str(info.value).startswith(err.message)
        return
    factory, description = sim_main.choose_loop(environ)
    assert (factory, description) == (choice.factory, choice.description)
    with asyncio.Runner(loop_factory=factory) as runner:
        assert runner.run(_coro_loop_module()).startswith(choice.name)


def test_the_library_never_installs_a_loop():
    # only the commands (cli) and the simulator's command (sim/__main__) choose a loop; a bot chooses its own
    # (prose may name uvloop: the order sockets' docs say how they behave under it)
    pattern = re.compile(r"import uvloop|from uvloop|uvloop\.(new_event_loop|install|run|EventLoopPolicy|Loop)"
                         r"|set_event_loop_policy|asyncio\.Runner|loop_factory")
    offenders = [str(path.relative_to(PKG)) for path in PKG.rglob("*.py*")
                 if path.suffix in (".py", ".pyx", ".pxd", ".pyi")
                 and path.relative_to(PKG).parts[0] != "cli" and path.name != "__main__.py"
                 and pattern.search(path.read_text())]
    assert offenders == []


# ---------------------------------------------------------------- busy polling
@pytest.mark.parametrize("value, wanted", [(None, False), ("", False), ("0", False), (" off ", False),
                                           ("no", False), ("1", True), ("TRUE", True), ("yes", True), ("on", True)])
def test_busy_poll_is_asked_for_with_yes_and_not_with_no(value, wanted):
    environ = {} if value is None else {"HBCONN_BUSY_POLL": value}
    assert event_loop.busy_poll_wanted(environ) is wanted


def test_a_busy_poll_value_that_is_neither_yes_nor_no_is_one_sentence_and_main_is_not_run():
    ran = []

    async def main():
        ran.append(1)

    with pytest.raises(CommandError, match="HBCONN_BUSY_POLL='maybe' is neither 1 nor 0"):
        event_loop.run(main(), {"HBCONN_BUSY_POLL": "maybe"})
    assert ran == []


def _select_timeouts(loop):
    """Every timeout the standard loop's selector is asked to wait (None: for ever)."""
    seen = []
    select = loop._selector.select

    def recording(timeout=None):
        seen.append(timeout)
        return select(timeout)

    loop._selector.select = recording
    return seen


@pytest.mark.parametrize("busy", [False, True])
def test_a_busy_polling_loop_never_waits_in_the_selector(busy):
    loop = asyncio.new_event_loop()
    try:
        seen = _select_timeouts(loop)

        async def main():
            spinner = asyncio.ensure_future(event_loop.busy_poll()) if busy else None
            await asyncio.sleep(0)
            seen.clear()
            await asyncio.sleep(0.05)       # a bot waiting for its next frame
            if spinner is not None:
                spinner.cancel()
                await asyncio.gather(spinner, return_exceptions=True)
            return list(seen)

        timeouts = loop.run_until_complete(main())
    finally:
        loop.close()
    if busy:
        assert len(timeouts) > 100 and set(timeouts) == {0}     # polled, never slept
    else:
        assert any(t is None or t > 0 for t in timeouts)        # slept until the timer was due


@pytest.mark.parametrize("environ", [{"HBCONN_LOOP": "asyncio", "HBCONN_BUSY_POLL": "1"},
                                     {"HBCONN_LOOP": "uvloop", "HBCONN_BUSY_POLL": "1"}])
def test_run_busy_polls_while_main_runs_and_stops_after(environ):
    async def main():
        await asyncio.sleep(0.01)
        return [getattr(t.get_coro(), "__qualname__", "") for t in asyncio.all_tasks()]

    names = event_loop.run(main(), environ)
    assert "busy_poll" in names
