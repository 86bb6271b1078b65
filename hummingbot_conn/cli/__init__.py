"""The ``hbconn`` command: the commands of this package (``python -m hummingbot_conn`` runs it too).

Each subcommand lives in the module that owns it and exposes
``main(argv: list[str] | None) -> int``; this file only dispatches, so the
command's start-up imports nothing heavy. ``book``, ``demo`` and ``sim`` take
``--venue`` (hummingbot's connector names, ``cli/venues.py``). These are the
only modules besides the tests that import the simulator (``sim``), and no
library module imports them (tests/unit/project/test_import_graph.py).

Each subcommand turns its expected failures into one sentence
(``hummingbot_conn.cli.edge``); whatever still escapes is a bug, reported
here in one sentence as well (with the traceback under ``--verbose``).
"""
import argparse
import importlib
import sys
from typing import Optional, Sequence

from hummingbot_conn import __version__
from hummingbot_conn.cli.edge import EXIT_INTERRUPTED, EXIT_USAGE, fail_unexpected, from_unbuilt_checkout, wants_verbose

# subcommand -> (module holding main(argv), one-line help)
SUBCOMMANDS = {
    "demo": ("hummingbot_conn.cli.demo.run", "run the library end to end against the embedded simulator"),
    "sim": ("hummingbot_conn.sim.__main__", "run a simulated exchange (binance, binance_perpetual) until Ctrl+C"),
    "book": ("hummingbot_conn.cli.book", "watch live order books through the tracker, with health figures"),
    "feed": ("hummingbot_conn.cli.feed", "publish a venue's order books on NATS for many bots (the nats extra)"),
    "bench": ("hummingbot_conn.cli.bench", "time the benchmarks beside their peers (needs a checkout)"),
    "record": ("hummingbot_conn.cli.record", "record a venue's market data through the connector to one file"),
    "replay": ("hummingbot_conn.cli.replay", "replay a recording on virtual time (digest), serve or export it"),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hbconn", description="hummingbot_conn: fast, exact exchange connectors.",
        epilog="Run 'hbconn COMMAND --help' for the options of a command.")
    parser.add_argument("--version", action="store_true", help="show the version and the event loop, and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in SUBCOMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        _parser().print_help()
        return 0 if argv else EXIT_USAGE
    if argv[0] == "--version":
        # the loop the commands run on is part of what a bug report or a benchmark figure needs
        from hummingbot_conn.cli.event_loop import describe

        print(f"hbconn {__version__} (event loop: {describe()})")
        return 0
    command, rest = argv[0], argv[1:]
    if command not in SUBCOMMANDS:
        print(f"hbconn: unknown command {command!r}. Choose one of {', '.join(SUBCOMMANDS)} "
              "(hbconn --help lists them).", file=sys.stderr)
        return EXIT_USAGE
    try:
        module = importlib.import_module(SUBCOMMANDS[command][0])
        return int(module.main(rest) or 0)
    except SystemExit as exit_:  # argparse's --help / error path: keep its status
        if exit_.code is None or isinstance(exit_.code, int):
            return exit_.code or 0
        print(exit_.code, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\nhbconn {command}: interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ImportError as err:
        if not from_unbuilt_checkout(err):
            return fail_unexpected(f"hbconn {command}", err, wants_verbose(rest))
        # not a bug: run from inside a source checkout that was never built (python -m puts the
        # working directory first on sys.path); the error itself says what to do
        print(f"hbconn {command}: {str(err).rstrip('.')}.", file=sys.stderr)
        return 1
    except Exception as err:  # noqa: BLE001 - the last edge: one sentence, never a bare traceback
        return fail_unexpected(f"hbconn {command}", err, wants_verbose(rest))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
