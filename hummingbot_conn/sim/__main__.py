"""``hbconn sim`` / ``python -m hummingbot_conn.sim``: run the simulated exchange until Ctrl-C."""
from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from decimal import Decimal

from .filters import default_symbols
from .server import SimulatedExchange


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hbconn sim", description="Run a Binance-compatible simulated exchange.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port (default 0: a free port)")
    p.add_argument("--seed", type=int, default=0, help="seed for traders and generated ids")
    p.add_argument("--symbols", default=None,
                   help="comma-separated subset of the built-in symbols "
                        f"({', '.join(s.symbol for s in default_symbols())})")
    p.add_argument("--traders-rate", type=float, default=5.0,
                   help="background trader actions per second per symbol (0: no traders)")
    p.add_argument("--traders-volatility", type=float, default=0.001,
                   help="relative std-dev of the mid price per trader step")
    p.add_argument("--api-key", default=None, help="API key of the ready-made account (default: random)")
    p.add_argument("--api-secret", default=None, help="secret of the ready-made account (default: random)")
    p.add_argument("--balance", action="append", default=[], metavar="ASSET=AMOUNT",
                   help="starting balance of the ready-made account (repeatable; "
                        "default 100000 of each quote asset and 10 of each base asset)")
    p.add_argument("--no-legacy-listen-key", action="store_true",
                   help="do not serve the removed /api/v3/userDataStream endpoints")
    return p


def _balances(args, symbols) -> dict[str, Decimal]:
    if args.balance:
        out = {}
        for item in args.balance:
            asset, sep, amount = item.partition("=")
            if not sep:
                raise SystemExit(f"--balance expects ASSET=AMOUNT, got {item!r}")
            out[asset.upper()] = Decimal(amount)
        return out
    out = {}
    for spec in symbols:
        out[spec.quote_asset] = Decimal(100000)
        out.setdefault(spec.base_asset, Decimal(10))
    return out


async def _serve(args) -> int:
    symbols = default_symbols()
    if args.symbols:
        wanted = [s.strip().upper() for s in args.symbols.split(",") if s.strip()]
        known = {s.symbol: s for s in symbols}
        unknown = [w for w in wanted if w not in known]
        if unknown:
            print(f"unknown symbols: {', '.join(unknown)} (choose from {', '.join(known)})", file=sys.stderr)
            return 2
        symbols = [known[w] for w in wanted]
    traders = {"rate": args.traders_rate, "volatility": args.traders_volatility} if args.traders_rate > 0 else None
    sim = SimulatedExchange(seed=args.seed, symbols=symbols, traders=traders, host=args.host, port=args.port,
                            legacy_listen_key=not args.no_legacy_listen_key)
    key, secret = sim.create_account(_balances(args, symbols), api_key=args.api_key, secret=args.api_secret)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await sim.start()
    try:
        print(f"REST:           {sim.rest_url}/api/v3")
        print(f"market streams: {sim.ws_url}/ws/<stream>  |  {sim.ws_url}/stream?streams=<a>/<b>")
        print(f"WebSocket API:  {sim.ws_api_url}")
        print(f"admin:          {sim.rest_url}/sim/faults")
        print(f"symbols:        {', '.join(s.symbol for s in symbols)}")
        print(f"API key:        {key}")
        print(f"API secret:     {secret}", flush=True)
        await stop.wait()
    finally:
        await sim.stop()
    print("simulator stopped", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return asyncio.run(_serve(args))


if __name__ == "__main__":
    sys.exit(main())
