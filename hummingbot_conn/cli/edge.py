"""Where the ``hbconn`` commands meet the user: argument types and one-sentence errors.

Every subcommand parses its options with :class:`CommandParser` and runs
through :func:`run_command`. Expected failures become one sentence plus the
next step on stderr and a non-zero exit status, never a traceback:

* a bad option value -> ``CommandParser.error`` (exit 2);
* a :class:`CommandError` raised by the command -> its message (exit 2);
* an ``OSError`` from the network (a refused connection, a port in use) ->
  the reason and what to try (exit 1);
* Ctrl+C before the command installs its own handler -> "interrupted" (130).

``--verbose`` adds the traceback (and, per command, debug logging).
``hummingbot_conn.sim`` may not import this module (the simulator imports
nothing of ours outside ``sim``), so ``hbconn sim`` keeps its own copy of
the few types it needs.
"""
from __future__ import annotations

import argparse
import errno
import logging
import math
import os
import socket
import sys
import traceback
from decimal import Decimal, InvalidOperation
from typing import Callable, Iterable, NoReturn, Optional, Sequence

#: exit status for a usage error or a refused value (argparse's own convention)
EXIT_USAGE = 2
#: exit status after Ctrl+C (128 + SIGINT, what shells report)
EXIT_INTERRUPTED = 130


class CommandError(Exception):
    """An expected failure a user can fix: ``message`` says what, ``hint`` what to do next."""

    def __init__(self, message: str, hint: str = "", status: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message, self.hint, self.status = message.rstrip("."), hint, status

    def sentence(self) -> str:
        return f"{self.message}." + (f" {self.hint}" if self.hint else "")


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions keep their line breaks; an option with a meaningful default shows it.

    A default is shown as the user would type it: a number or a text as is, an object
    (a venue) by its ``name``; any other object is not shown, never as its repr."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if default is None or default is False or default == [] \
                or default is argparse.SUPPRESS or "default" in text:
            return text
        if isinstance(default, (str, int, float, Decimal)):
            return text + " (default: %(default)s)"
        name = getattr(default, "name", None)
        return text + f" (default: {name})".replace("%", "%%") if isinstance(name, str) else text


class CommandParser(argparse.ArgumentParser):
    """``argparse`` with defaults in ``--help`` and errors as one sentence plus the next step."""

    def __init__(self, prog: str, description: str, **kwargs) -> None:
        super().__init__(prog=prog, description=description, formatter_class=_HelpFormatter, **kwargs)
        self.add_argument("-v", "--verbose", action="store_true",
                          help="log debug detail and show tracebacks of errors")

    def error(self, message: str) -> NoReturn:
        message = message.removeprefix("argument ")
        sentence = message[0].upper() + message[1:] if message else "Invalid arguments"
        self.exit(EXIT_USAGE, f"{self.prog}: {sentence.rstrip('.')}. "
                              f"Run '{self.prog} --help' for the options.\n")


# -- argument types (each raises ArgumentTypeError with a sentence) ----------------------------

def port_number(text: str) -> int:
    """A TCP port: 1-65535, or 0 for a free one chosen by the system."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number; use 1-65535, or 0 for a free port") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number; use 1-65535, or 0 for a free port")
    return port


def _finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def positive_float(text: str) -> float:
    value = _finite(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} must be greater than 0")
    return value


def non_negative_float(text: str) -> float:
    value = _finite(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} must be 0 or more")
    return value


def asset_amount(text: str) -> tuple[str, Decimal]:
    """``ASSET=AMOUNT`` with a finite, non-negative decimal amount -> (ASSET, amount)."""
    asset, sep, amount = text.partition("=")
    if not sep or not asset.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not ASSET=AMOUNT (for example USDT=10000)")
    try:
        value = Decimal(amount.strip())
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{amount.strip()!r} in {text!r} is not a decimal amount") from None
    if not value.is_finite() or value < 0:
        raise argparse.ArgumentTypeError(f"the amount in {text!r} must be a finite number, 0 or more")
    return asset.strip().upper(), value


# -- the edge -----------------------------------------------------------------------------------

def configure_logging(verbose: bool) -> None:
    """Debug records on stderr with ``--verbose``; otherwise only errors (retries are not news to a user)."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.ERROR, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if verbose:   # the event loop's and the HTTP client's debug chatter says nothing about our work
        for name in ("asyncio", "aiohttp"):
            logging.getLogger(name).setLevel(logging.INFO)


def explain_os_error(err: OSError) -> str:
    """One sentence plus the next step for a network ``OSError`` (the web layer's errors derive from it)."""
    # imported here: `hbconn --help` / `--version` should not pay for the web stack
    from hummingbot_conn.web.errors import AuthenticationError, ExchangeError, WebError

    if isinstance(err, AuthenticationError):    # its text is already the sentence, with the venue's code
        return (f"{str(err).rstrip('.')}. Check the API key and secret, and that the key allows this IP "
                "and these permissions (README, \"Troubleshooting\").")
    if isinstance(err, ExchangeError):
        return f"The exchange refused a request ({err}). Check the URL and the request."
    if isinstance(err, WebError):
        return f"Cannot reach the exchange ({err}). Check the URL and that the server runs."
    if isinstance(err, socket.gaierror):
        return f"Cannot resolve the host name ({err}). Check the address for typos."
    reason = (err.strerror or str(err)).rstrip(".")
    if err.errno == errno.ECONNREFUSED:
        return "Nothing answered (connection refused). Check that the server runs and the URL is right."
    if err.errno == errno.EADDRINUSE:
        return "The address is already in use. Stop what listens there or choose another port."
    return f"Network error: {reason}. Check the address and that the server is reachable."


def run_command(prog: str, body: Callable[[], int], verbose: bool) -> int:
    """Run ``body`` and turn expected failures into one sentence on stderr (see the module doc)."""
    try:
        return int(body() or 0)
    except CommandError as err:
        if verbose:
            traceback.print_exc()
        print(f"{prog}: {err.sentence()}", file=sys.stderr)
        return err.status
    except KeyboardInterrupt:
        print(f"\n{prog}: interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return quiet_broken_pipe()
    except OSError as err:
        if verbose:
            traceback.print_exc()
        print(f"{prog}: {explain_os_error(err)}", file=sys.stderr)
        return 1


def quiet_broken_pipe() -> int:
    """The reader of our output went away (``hbconn ... | head``): stop quietly, like a Unix tool.

    stdout is pointed at /dev/null so the interpreter's final flush does not raise again.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 1


def fail_unexpected(prog: str, err: BaseException, verbose: bool) -> int:
    """The last resort for a bug: one sentence naming it, the traceback only with ``--verbose``."""
    if verbose:
        traceback.print_exception(err)
    print(f"{prog}: unexpected error {type(err).__name__}: {err}. This is a bug; run again with --verbose "
          "and report the traceback.", file=sys.stderr)
    return 1


def alternatives(names: Iterable[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``: the choices a help text or an error offers, as a sentence says them."""
    items = list(names)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def from_unbuilt_checkout(err: ImportError) -> bool:
    """Whether ``err`` is ``hummingbot_conn.core``'s refusal to load a source checkout whose
    extensions were never compiled (its message names the two ways out), not a bug."""
    return "compiled core is not built" in str(err)


def say(line: str) -> None:
    """Print one line of a command's output at once: in a pipe (CI, ``| tee``) each line shows as it happens."""
    print(line, flush=True)


def wants_verbose(argv: Optional[Sequence[str]]) -> bool:
    return any(arg in ("-v", "--verbose") for arg in (argv or ()))
