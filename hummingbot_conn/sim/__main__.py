"""``hbconn sim`` / ``python -m hummingbot_conn.sim``: run a simulated exchange until Ctrl+C.

``--venue`` picks the market, by hummingbot's connector names: ``binance``
(spot, ``SimulatedExchange``) or ``binance_perpetual`` (USDⓈ-M perpetuals,
``SimulatedFuturesExchange``) or ``kraken`` (Kraken spot, ``KrakenSimulatedExchange``);
all start with seeded background traders.
The ready-made account starts with a plausible balance (``DEFAULT_BALANCES``:
1 BTC, 10 ETH and 100,000 USDT on spot, a 10,000 USDT wallet on futures), or
exactly the ``--balance ASSET=AMOUNT`` options given.

Expected failures (a bad option, a port in use, an address not on this
machine) print one sentence plus the next step and exit non-zero; ``--verbose``
logs every HTTP request and WebSocket connection and shows tracebacks. The
simulator imports nothing of ours outside ``sim``, so the few argument types it
needs are kept here rather than shared with ``hummingbot_conn.cli.edge``.
"""
from __future__ import annotations

import argparse
import asyncio
import errno
import importlib.metadata
import logging
import math
import os
import signal
import socket
import sys
import traceback
from decimal import Decimal, InvalidOperation
from typing import Callable, NoReturn

from aiohttp import web

from .binance.spot import SimulatedExchange, default_symbols
from .binance.usdm import SimulatedFuturesExchange, default_futures_symbols
from .kraken import KrakenSimulatedExchange, default_pairs

log = logging.getLogger("hummingbot_conn.sim")

EXIT_USAGE, EXIT_INTERRUPTED = 2, 130

#: --venue name (hummingbot's connector names) -> what it runs
VENUES = {"binance": "Binance spot", "binance_perpetual": "Binance USDⓈ-M perpetuals", "kraken": "Kraken spot"}
#: the ready-made account's balances when no --balance is given: a plausible trader, not a whale
DEFAULT_BALANCES = {
    "binance": {"BTC": Decimal(1), "ETH": Decimal(10), "USDT": Decimal(100000)},
    "binance_perpetual": {"USDT": Decimal(10000)},
    "kraken": {"BTC": Decimal(1), "ETH": Decimal(10), "USD": Decimal(100000)},
}


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions keep their line breaks; an option with a meaningful default shows it."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.default is None or action.default is False or action.default == [] \
                or action.default is argparse.SUPPRESS or "default" in text:
            return text
        return text + " (default: %(default)s)"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        message = message.removeprefix("argument ")
        self.exit(EXIT_USAGE, f"{self.prog}: {message[0].upper()}{message[1:].rstrip('.')}. "
                              f"Run '{self.prog} --help' for the options.\n")


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text} is not a port number; use 1-65535, or 0 for a free port")
    return port


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text} must be a finite number, 0 or more")
    return value


def _balance(text: str) -> tuple[str, Decimal]:
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


def _choices() -> str:
    """The venues as a sentence offers them: ``a, b or c``."""
    names = list(VENUES)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _venue(text: str) -> str:
    name = text.strip().lower().replace("-", "_")
    if name not in VENUES:
        raise argparse.ArgumentTypeError(f"unknown venue {text!r}; choose {_choices()}")
    return name


def _symbol_names(venue: str) -> list[str]:
    if venue == "kraken":
        return [p.symbol for p in default_pairs()]
    specs = default_futures_symbols() if venue == "binance_perpetual" else default_symbols()
    return [s.symbol for s in specs]


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="hbconn sim", formatter_class=_Formatter,
                description="Run a simulated exchange on this machine until Ctrl+C, with background traders\n"
                            "making a market. It prints its URLs and a ready-made API key.\n"
                            "--venue binance (spot: REST, market streams, WebSocket API), binance_perpetual\n"
                            "(USDⓈ-M perpetuals: /fapi REST, /public and /market streams, listenKey user data)\n"
                            "or kraken (spot: REST, WS v2 public and private).")
    p.add_argument("--venue", type=_venue, default="binance",
                   help=f"the market to simulate, by hummingbot's connector name: {_choices()}")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on: 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)")
    p.add_argument("--port", type=_port, default=0, help="TCP port, 1-65535; 0 picks a free port")
    p.add_argument("--seed", type=int, default=0, help="seed for traders and generated ids")
    p.add_argument("--symbols", default=None,
                   help="comma-separated subset of the venue's symbols (binance: "
                        f"{', '.join(_symbol_names('binance'))}; binance_perpetual: "
                        f"{', '.join(_symbol_names('binance_perpetual'))}; kraken: "
                        f"{', '.join(_symbol_names('kraken'))}); default: all")
    p.add_argument("--traders-rate", type=_non_negative, default=5.0,
                   help="background trader actions per second per symbol (0: no traders)")
    p.add_argument("--traders-volatility", type=_non_negative, default=0.001,
                   help="relative std-dev of the mid price per trader step")
    p.add_argument("--api-key", default=None, help="API key of the ready-made account (default: random)")
    p.add_argument("--api-secret", default=None, help="secret of the ready-made account (default: random)")
    p.add_argument("--balance", type=_balance, action="append", default=[], metavar="ASSET=AMOUNT",
                   help="starting balance of the ready-made account, repeatable; the account holds exactly the "
                        "assets given (binance_perpetual: USDT only, the margin wallet). Default: "
                        + "; ".join(f"{venue} {_balance_text(amounts)}" for venue, amounts in DEFAULT_BALANCES.items()))
    p.add_argument("--no-legacy-listen-key", action="store_true",
                   help="binance only: do not serve the removed /api/v3/userDataStream endpoints")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="log every HTTP request and WebSocket connection; show tracebacks of errors")
    return p


def _balance_text(balances: dict[str, Decimal]) -> str:
    return ", ".join(f"{asset} {amount:f}" for asset, amount in sorted(balances.items()))


def _balances(args, symbols) -> dict[str, Decimal]:
    """The ready-made account's balances: the --balance options, else the venue's defaults for the
    assets its symbols trade (every asset of those symbols appears, 0 when it has no default)."""
    if args.balance:
        return dict(args.balance)
    defaults = DEFAULT_BALANCES[args.venue]
    if args.venue == "binance_perpetual":
        return dict(defaults)
    assets = sorted({a for spec in symbols for a in (spec.base_asset, spec.quote_asset)})
    return {asset: defaults.get(asset, Decimal(0)) for asset in assets}


@web.middleware
async def _log_request(request: web.Request, handler):
    # WebSocket handlers return only when the socket closes: log the upgrade on the way in
    if request.headers.get("Upgrade", "").lower() == "websocket":
        log.info("%s %s WebSocket from %s", request.method, request.path_qs, request.remote)
        response = await handler(request)
        log.info("%s %s WebSocket closed", request.method, request.path)
        return response
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        log.info("%s %s -> %s", request.method, request.path_qs, exc.status)
        raise
    log.info("%s %s -> %s", request.method, request.path_qs, response.status)
    return response


def _with_request_log(cls):
    """``cls`` (a simulator class) with a request log (``--verbose``)."""

    def make_app(self) -> web.Application:
        app = cls.make_app(self)
        app.middlewares.append(_log_request)
        return app

    return type(f"Logging{cls.__name__}", (cls,), {"make_app": make_app})


def _explain_listen_error(err: OSError, host: str, port: int) -> str:
    where = f"{host}:{port}" if port else host
    if isinstance(err, socket.gaierror):
        return f"Cannot resolve --host {host!r}. Use an address of this machine such as 127.0.0.1 or 0.0.0.0."
    if err.errno == errno.EADDRINUSE:
        return (f"Port {port} on {host} is already in use. Stop what listens there, or choose another "
                "--port (0 picks a free one).")
    if err.errno == errno.EADDRNOTAVAIL:
        return (f"{host} is not an address of this machine. Use 127.0.0.1 (this machine only) "
                "or 0.0.0.0 (every interface).")
    if err.errno == errno.EACCES:
        return (f"No permission to listen on {where}: ports below 1024 need administrator rights. "
                "Choose a higher --port (0 picks a free one).")
    return f"Cannot listen on {where}: {(err.strerror or str(err)).rstrip('.')}. Check --host and --port."


def _pick(args, symbols: list) -> tuple[list, str]:
    """The --symbols subset of ``symbols`` (all when not given), or an error sentence."""
    if not args.symbols:
        return symbols, ""
    wanted = [s.strip().upper() for s in args.symbols.split(",") if s.strip()]
    if args.venue == "kraken":          # hummingbot's BTC-USD is Kraken's BTC/USD
        wanted = [w.replace("-", "/") for w in wanted]
    known = {s.symbol: s for s in symbols}
    unknown = [w for w in wanted if w not in known]
    if unknown or not wanted:
        return symbols, (f"unknown symbols: {', '.join(unknown) or '(none given)'}. "
                         f"{args.venue} lists {', '.join(known)}.")
    return [known[w] for w in wanted], ""


def _build(args):
    """(simulator, symbols, error sentence or "") from the options, the account not yet created."""
    traders = {"rate": args.traders_rate, "volatility": args.traders_volatility} if args.traders_rate > 0 else None
    if args.venue == "binance_perpetual":
        futures_symbols, error = _pick(args, default_futures_symbols())
        if not error and args.balance and any(asset != "USDT" for asset, _ in args.balance):
            error = ("the binance_perpetual account is a USDT margin wallet: give --balance USDT=AMOUNT "
                     "(other assets have no place in it).")
        if error:
            return None, futures_symbols, error
        futures_cls = _with_request_log(SimulatedFuturesExchange) if args.verbose else SimulatedFuturesExchange
        return futures_cls(seed=args.seed, symbols=futures_symbols, traders=traders, host=args.host,
                           port=args.port), futures_symbols, ""
    if args.venue == "kraken":
        pairs, error = _pick(args, default_pairs())
        if error:
            return None, pairs, error
        kraken_cls = _with_request_log(KrakenSimulatedExchange) if args.verbose else KrakenSimulatedExchange
        return kraken_cls(seed=args.seed, symbols=pairs, traders=traders, host=args.host, port=args.port), pairs, ""
    spot_symbols, error = _pick(args, default_symbols())
    if error:
        return None, spot_symbols, error
    spot_cls = _with_request_log(SimulatedExchange) if args.verbose else SimulatedExchange
    return spot_cls(seed=args.seed, symbols=spot_symbols, traders=traders, host=args.host, port=args.port,
                    legacy_listen_key=not args.no_legacy_listen_key), spot_symbols, ""


def _create_account(sim, args, balances: dict[str, Decimal]) -> tuple[str, str]:
    if args.venue == "binance_perpetual":
        return sim.create_account(balances.get("USDT", Decimal(0)), api_key=args.api_key, secret=args.api_secret)
    if args.venue == "kraken":
        return sim.create_account(balances, api_key=args.api_key, api_secret=args.api_secret)
    return sim.create_account(balances, api_key=args.api_key, secret=args.api_secret)


#: the environment variable the hbconn commands read to choose their event loop, and its values
LOOP_ENV, LOOP_CHOICES = "HBCONN_LOOP", ("auto", "uvloop", "asyncio")


def choose_loop(environ=None) -> tuple[Callable[[], asyncio.AbstractEventLoop] | None, str]:
    """(loop factory or None for asyncio's standard loop, a phrase naming it) as ``HBCONN_LOOP`` asks.

    The same choice as ``hummingbot_conn.cli.event_loop.choose``, which the simulator may not import
    (tests/unit/cli/test_cli_event_loop.py keeps the two alike): uvloop when it imports, unless the
    variable says ``asyncio``. Raises ValueError (its text a sentence) for any other value, or for
    ``uvloop`` when it is not installed."""
    env = os.environ if environ is None else environ
    wanted = (env.get(LOOP_ENV) or "auto").strip().lower() or "auto"
    if wanted not in LOOP_CHOICES:
        raise ValueError(f"{LOOP_ENV}={env.get(LOOP_ENV)!r} is not one of {', '.join(LOOP_CHOICES)}.")
    if wanted == "asyncio":
        return None, f"asyncio (standard loop, {LOOP_ENV}=asyncio)"
    try:
        import uvloop
    except ImportError:
        if wanted == "uvloop":
            raise ValueError(f"{LOOP_ENV}=uvloop but uvloop is not installed "
                             "(pip install 'hummingbot-conn[uvloop]').") from None
        return None, "asyncio (standard loop; uvloop not installed)"
    try:
        version = importlib.metadata.version("uvloop")
    except importlib.metadata.PackageNotFoundError:
        version = "(version unknown)"
    return uvloop.new_event_loop, f"uvloop {version}"


def _print_urls(sim, args, symbols, balances: dict[str, Decimal], key: str, secret: str) -> None:
    print(f"venue:          {args.venue} ({VENUES[args.venue]})")
    print(f"event loop:     {args.loop_description}")
    if args.venue == "binance_perpetual":
        print(f"REST:           {sim.rest_url}/fapi/v1")
        print(f"market streams: {sim.ws_url}/public/ws/<stream> (depth)  |  "
              f"{sim.ws_url}/market/ws/<stream> (trades, mark price)")
        print(f"user data:      {sim.ws_url}/private/ws?listenKey=<key from POST /fapi/v1/listenKey>")
    elif args.venue == "kraken":
        print(f"REST:           {sim.rest_url}  (/0/public/..., /0/private/...)")
        print(f"WS v2 public:   {sim.ws_url}")
        print(f"WS v2 private:  {sim.ws_auth_url}  (token from POST /0/private/GetWebSocketsToken)")
    else:
        print(f"REST:           {sim.rest_url}/api/v3")
        print(f"market streams: {sim.ws_url}/ws/<stream>  |  {sim.ws_url}/stream?streams=<a>/<b>")
        print(f"WebSocket API:  {sim.ws_api_url}")
    print(f"admin:          {sim.rest_url}/sim/faults")
    print(f"symbols:        {', '.join(s.symbol for s in symbols)}")
    how = "your choice" if args.balance else "choose with --balance ASSET=AMOUNT, repeatable"
    print(f"balances:       {_balance_text(balances)} ({how})")
    print(f"API key:        {key}")
    print(f"API secret:     {secret}")
    print("Ctrl+C to stop.", flush=True)


async def _serve(args) -> int:
    sim, symbols, error = _build(args)
    if sim is None:
        print(f"hbconn sim: {error}", file=sys.stderr)
        return EXIT_USAGE
    balances = _balances(args, symbols)
    try:
        key, secret = _create_account(sim, args, balances)
    except ValueError as err:
        print(f"hbconn sim: {err}.", file=sys.stderr)
        return EXIT_USAGE
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        try:
            await sim.start()
        except OSError as err:
            if args.verbose:
                traceback.print_exc()
            print(f"hbconn sim: {_explain_listen_error(err, args.host, args.port)}", file=sys.stderr)
            return 1
        _print_urls(sim, args, symbols, balances, key, secret)
        await stop.wait()
    finally:
        await sim.stop()
    print("simulator stopped", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(message)s", stream=sys.stderr)
    try:
        factory, args.loop_description = choose_loop()
    except ValueError as err:
        print(f"hbconn sim: {err}", file=sys.stderr)
        return EXIT_USAGE
    try:
        with asyncio.Runner(loop_factory=factory) as runner:
            return runner.run(_serve(args))
    except KeyboardInterrupt:  # Ctrl+C before the signal handlers were installed
        print("\nhbconn sim: interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:    # `hbconn sim | head`: the reader left; stop quietly like a Unix tool
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())     # the interpreter's last flush must not raise again
        os.close(devnull)
        return 1


if __name__ == "__main__":
    sys.exit(main())
