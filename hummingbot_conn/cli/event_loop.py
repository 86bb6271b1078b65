"""The event loop the ``hbconn`` commands (and the benchmarks) run on: uvloop when installed.

    from hummingbot_conn.cli import event_loop
    status = event_loop.run(main(args))     # instead of asyncio.run(main(args))
    event_loop.describe()                   # "uvloop 0.22.1", "asyncio (uvloop not installed)", ...

uvloop (the ``uvloop`` extra, Linux and macOS) is a drop-in asyncio loop on
libuv with less overhead per callback and per socket event; the tick-to-trade
benchmark runs its clients under both loops (benchmarks/RESULTS.md, "tick to
trade").  The environment variable ``HBCONN_LOOP`` chooses:

* ``auto`` (or unset, or empty): uvloop when it imports, else asyncio's standard loop;
* ``uvloop``: uvloop, and a :class:`~hummingbot_conn.cli.edge.CommandError` when it is not installed;
* ``asyncio``: asyncio's standard loop even when uvloop is installed (to compare, or to rule uvloop out).

Busy polling (``HBCONN_BUSY_POLL=1``, or :func:`busy_poll` in a bot's own loop)
keeps the loop from sleeping in the operating system's poll: every turn asks
for ready sockets with a zero timeout, so a frame is handled as soon as it
arrives rather than when the OS wakes the thread, at the price of one core
kept at 100 % (README, "Busy polling").

Only the commands choose a loop.  The library itself never installs a loop
or a loop policy: a bot embedding it chooses its own (README, "Event loop").
The loop is passed to :class:`asyncio.Runner` as its ``loop_factory``; no
process-wide policy is set, so nothing leaks to code that runs afterwards.

``hbconn sim`` runs the simulator, which imports nothing of ours outside
``sim`` (docs/architecture.md, "Dependency direction"), so it reads
``HBCONN_LOOP`` with its own copy of :func:`choose`;
``tests/unit/cli/test_cli_event_loop.py`` keeps the two choosing alike.
"""
from __future__ import annotations

import asyncio
import importlib.metadata
import logging
import os
from dataclasses import dataclass
from typing import Any, Callable, Coroutine, Mapping, Optional, TypeVar

from hummingbot_conn.cli.edge import CommandError

__all__ = ["LOOP_ENV", "BUSY_POLL_ENV", "CHOICES", "LoopChoice", "busy_poll", "busy_poll_wanted", "choose",
           "describe", "run", "new_event_loop"]

#: the environment variable that chooses the loop
LOOP_ENV = "HBCONN_LOOP"
#: its values
CHOICES = ("auto", "uvloop", "asyncio")
#: the environment variable that turns busy polling on for :func:`run` ("1", "true", "yes", "on")
BUSY_POLL_ENV = "HBCONN_BUSY_POLL"
_YES, _NO = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")

_log = logging.getLogger(__name__)
_T = TypeVar("_T")


@dataclass(frozen=True)
class LoopChoice:
    """The loop :func:`run` uses: ``name`` ("uvloop" or "asyncio"), a phrase saying why, and its factory.

    ``factory`` is None for asyncio's standard loop (``asyncio.Runner``'s default)."""

    name: str
    description: str
    factory: Optional[Callable[[], asyncio.AbstractEventLoop]]


def _uvloop_version() -> str:
    try:
        return importlib.metadata.version("uvloop")
    except importlib.metadata.PackageNotFoundError:  # imported from a source tree: no metadata
        return "(version unknown)"


def choose(environ: Optional[Mapping[str, str]] = None) -> LoopChoice:
    """The loop ``HBCONN_LOOP`` (in ``environ``, default ``os.environ``) asks for.

    :raises CommandError: the variable holds something other than auto, uvloop or
        asyncio, or it asks for uvloop and uvloop does not import
    """
    env = os.environ if environ is None else environ
    wanted = (env.get(LOOP_ENV) or "auto").strip().lower() or "auto"
    if wanted not in CHOICES:
        raise CommandError(f"{LOOP_ENV}={env.get(LOOP_ENV)!r} is not one of {', '.join(CHOICES)}",
                           f"Unset it (uvloop when installed) or set {LOOP_ENV}=asyncio for the standard loop.")
    if wanted == "asyncio":
        return LoopChoice("asyncio", f"asyncio (standard loop, {LOOP_ENV}=asyncio)", None)
    try:
        import uvloop
    except ImportError:
        if wanted == "uvloop":
            raise CommandError(f"{LOOP_ENV}=uvloop but uvloop is not installed",
                               "Install the extra: pip install 'hummingbot-conn[uvloop]' (Linux and macOS).") from None
        return LoopChoice("asyncio", "asyncio (standard loop; uvloop not installed)", None)
    return LoopChoice("uvloop", f"uvloop {_uvloop_version()}", uvloop.new_event_loop)


def describe(environ: Optional[Mapping[str, str]] = None) -> str:
    """One phrase naming the loop :func:`run` would use (for ``hbconn --version`` and reports); never raises."""
    try:
        return choose(environ).description
    except CommandError as err:
        return f"none: {err.message}"


async def busy_poll() -> None:
    """Keep the running loop busy polling until cancelled: a task that yields on every turn, so the
    loop always has a callback ready and polls its sockets with a zero timeout instead of sleeping.

    A frame then waits for at most one turn of the loop (microseconds), not for the OS to wake the
    thread (measured on a 2-core VM: frame to strategy p50 0.38 -> 0.11 ms; README,
    "Busy polling").  Costs one core at 100 % while it runs: for a bot that has a core to give.
    Start it in a bot's own loop with ``task = asyncio.create_task(busy_poll())``; cancel ``task``
    to stop.  Never raises but ``CancelledError``."""
    while True:
        await asyncio.sleep(0)      # a bare yield: the task is ready again on the next turn


def busy_poll_wanted(environ: Optional[Mapping[str, str]] = None) -> bool:
    """Whether ``HBCONN_BUSY_POLL`` (in ``environ``, default ``os.environ``) asks for busy polling.

    :raises CommandError: a value that is neither yes (1, true, yes, on) nor no (unset, 0, false, no, off)
    """
    env = os.environ if environ is None else environ
    value = (env.get(BUSY_POLL_ENV) or "").strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise CommandError(f"{BUSY_POLL_ENV}={env.get(BUSY_POLL_ENV)!r} is neither 1 nor 0",
                       f"Set {BUSY_POLL_ENV}=1 to keep a core busy polling, or unset it.")


async def _busy_polling(main: Coroutine[Any, Any, _T]) -> _T:
    spinner = asyncio.ensure_future(busy_poll())
    try:
        return await main
    finally:
        spinner.cancel()
        await asyncio.gather(spinner, return_exceptions=True)


def run(main: Coroutine[Any, Any, _T], environ: Optional[Mapping[str, str]] = None) -> _T:
    """``asyncio.run(main)`` on the loop :func:`choose` picks; returns what ``main`` returns.
    With ``HBCONN_BUSY_POLL=1`` the loop busy polls (:func:`busy_poll`) while ``main`` runs.

    :raises CommandError: as :func:`choose` and :func:`busy_poll_wanted` (``main`` is closed
        unawaited then)
    """
    try:
        choice = choose(environ)
        spin = busy_poll_wanted(environ)
    except CommandError:
        main.close()    # never awaited: close it, or Python warns "coroutine was never awaited"
        raise
    _log.info("event loop: %s%s", choice.description, ", busy polling" if spin else "")
    with asyncio.Runner(loop_factory=choice.factory) as runner:
        return runner.run(_busy_polling(main) if spin else main)


def new_event_loop(environ: Optional[Mapping[str, str]] = None) -> asyncio.AbstractEventLoop:
    """A new loop of the kind :func:`choose` picks, for code that drives a loop by hand
    (``run_until_complete``: the benchmarks' harnesses).  The caller closes it.

    :raises CommandError: as :func:`choose`
    """
    factory = choose(environ).factory
    return factory() if factory is not None else asyncio.new_event_loop()
