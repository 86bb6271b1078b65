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

__all__ = ["LOOP_ENV", "CHOICES", "LoopChoice", "choose", "describe", "run", "new_event_loop"]

#: the environment variable that chooses the loop
LOOP_ENV = "HBCONN_LOOP"
#: its values
CHOICES = ("auto", "uvloop", "asyncio")

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


def run(main: Coroutine[Any, Any, _T], environ: Optional[Mapping[str, str]] = None) -> _T:
    """``asyncio.run(main)`` on the loop :func:`choose` picks; returns what ``main`` returns.

    :raises CommandError: as :func:`choose` (``main`` is closed unawaited then)
    """
    try:
        choice = choose(environ)
    except CommandError:
        main.close()    # never awaited: close it, or Python warns "coroutine was never awaited"
        raise
    _log.info("event loop: %s", choice.description)
    with asyncio.Runner(loop_factory=choice.factory) as runner:
        return runner.run(main)


def new_event_loop(environ: Optional[Mapping[str, str]] = None) -> asyncio.AbstractEventLoop:
    """A new loop of the kind :func:`choose` picks, for code that drives a loop by hand
    (``run_until_complete``: the benchmarks' harnesses).  The caller closes it.

    :raises CommandError: as :func:`choose`
    """
    factory = choose(environ).factory
    return factory() if factory is not None else asyncio.new_event_loop()
