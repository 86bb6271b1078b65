"""The ``hbconn`` command.

Each subcommand lives in the module that owns it and exposes
``main(argv: list[str] | None) -> int``; this file only dispatches, so the
command's start-up imports nothing heavy.
"""
import argparse
import importlib
import sys
from typing import Optional, Sequence

# subcommand -> (module holding main(argv), one-line help)
SUBCOMMANDS = {
    "demo": ("hummingbot_conn.demo", "run the library end to end against the embedded simulator"),
    "sim": ("hummingbot_conn.sim.__main__", "run the Binance-compatible simulated exchange"),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hbconn", description="hummingbot_conn: fast, exact exchange connectors.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in SUBCOMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    if not argv or argv[0] in ("-h", "--help"):
        parser.print_help()
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command not in SUBCOMMANDS:
        parser.error(f"unknown command {command!r} (choose from {', '.join(SUBCOMMANDS)})")
    module = importlib.import_module(SUBCOMMANDS[command][0])
    return int(module.main(rest) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
