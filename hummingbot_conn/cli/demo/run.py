"""``hbconn demo``: a small market maker trading through a connector against the embedded simulator.

``--venue`` takes the venues whose entry in ``cli/venues.py`` lists the demo:
``binance`` (the default) and ``kraken`` (the registry says why not
``binance_perpetual``); the simulator, its endpoints, the connector class,
the simulator account's balances and the faults injected come from that entry.

Everything goes over real sockets on 127.0.0.1.  The simulated exchange
starts with background traders; the connector (the library's
``BinanceExchange`` or ``KrakenExchange``, as a user builds it) tracks each pair's book with the
``OrderBookTracker`` and its orders with the ``ClientOrderTracker``; the
market maker (``market_maker.py``, public API only) quotes a bid and an
ask around each mid, refreshes them as the mid moves and lets them fill.
Faults are injected on purpose and repaired in view: one depth diff is
dropped (the tracker sees the gap, or on Kraken the next checksum, and
resyncs that book), on Kraken one book checksum is corrupted (a mismatch:
that book resyncs) and the user data socket is closed (the connector
reconnects and reconciles by REST).

On exit (the duration elapsed, or Ctrl+C) it cancels our orders, waits until
each book is provably current (its last applied update id has reached the
venue's; on a venue without update ids its levels equal the venue's; a book
that cannot reach it lost a diff nothing later revealed, and is resynced)
and checks every book and balance against the exchange's.
Exit status 0 when everything matched, 1 when a check failed, 130 after Ctrl+C.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import signal
import sys
from decimal import Decimal
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Sequence

from hummingbot_conn.cli import event_loop
from hummingbot_conn.cli.demo.market_maker import MarketMaker
from hummingbot_conn.cli.demo.recorder import DemoRecorder
from hummingbot_conn.cli.demo.view import (
    BalanceCheck,
    BookCheck,
    DemoFrame,
    OpenOrder,
    status_line,
    summary_lines,
    wrap_fields,
)
from hummingbot_conn.cli.edge import (
    EXIT_INTERRUPTED,
    CommandError,
    CommandParser,
    alternatives,
    configure_logging,
    non_negative_float,
    port_number,
    positive_float,
    run_command,
    say,
)
from hummingbot_conn.cli.live_view import PairFormat, RateMeter, read_health, read_top, sample_diffs
from hummingbot_conn.cli.metrics_port import require_metrics, serve_metrics
from hummingbot_conn.cli.venues import VENUES, Venue, venue_named, venues_for
from hummingbot_conn.connector.exchange_py_base import ExchangePyBase
from hummingbot_conn.sim import SimulatedExchange

if TYPE_CHECKING:       # rich is loaded by the live view only
    from hummingbot_conn.cli.demo.live import DemoLive

STEP = 0.2                  # seconds between market-maker steps, health samples and view refreshes
FAULT_HOLD = 10.0           # seconds (demo clock) a repaired fault stays on the live screen
SUPERSEDED_AFTER = 1.0      # seconds after a dropped update before an equal book counts it as superseded
CURRENT_WAIT = 2.0          # seconds a book may take to reach the venue's update id before it is resynced
FUNDS = {"USDT": Decimal(100000), "USD": Decimal(100000), "BTC": Decimal(2), "ETH": Decimal(20)}


def parse_pairs(text: str, venue: Venue = VENUES["binance"]) -> List[str]:
    """``"btcusdt,ETH-BTC"`` -> ``["BTC-USDT", "ETH-BTC"]`` among ``venue``'s simulator pairs; ``CommandError``
    names unknown ones."""
    known = venue.pairs()
    by_key = {k.replace("-", ""): k for k in known}
    out, unknown = [], []
    for item in (t.strip() for t in text.split(",")):
        if not item:
            continue
        pair = by_key.get(item.upper().replace("-", "").replace("/", ""))
        if pair is None:
            unknown.append(item)
        elif pair not in out:
            out.append(pair)
    if unknown or not out:
        raise CommandError(f"unknown pair {', '.join(unknown) or '(none given)'}",
                           f"The simulator lists {', '.join(known)}; pass them with --pairs.")
    return out


async def start_connector(connector: ExchangePyBase, timeout: float = 30.0) -> None:
    """``start_network`` and wait until ``ready``; ``CommandError`` naming what did not load in time."""
    await connector.start_network()
    try:
        await connector.wait_ready(timeout)
    except asyncio.TimeoutError:
        waiting = [name for name, ok in connector.status_dict.items() if not ok]
        raise CommandError(f"the connector was not ready within {timeout:g} s (waiting for "
                           f"{', '.join(waiting)})", "Run again with --verbose to see why.", status=1) from None


#: the faults injected on purpose, as the live screen announces them before they happen
_PENDING = {"drop_diff": "drop a depth diff", "corrupt_checksum": "corrupt a book checksum",
            "close_user_sockets": "close the user socket"}
#: what the recorder says when each book fault is injected (followed by the pair)
_INJECTED = {"drop_diff": "drops the next {pair} depth diff",
             "corrupt_checksum": "corrupts the next {pair} book checksum"}


class Demo:
    """One run on a ready connector: the market maker, the faults, the view's frames and the exit checks."""

    def __init__(self, sim: SimulatedExchange, connector: ExchangePyBase, api_key: str, pairs: List[str],
                 duration: float, clock: Callable[[], float], venue: Venue = VENUES["binance"]) -> None:
        self.sim, self.connector, self.api_key, self.pairs, self.venue = sim, connector, api_key, pairs, venue
        self.duration, self.clock = duration, clock
        self.formats: Dict[str, PairFormat] = {}
        for pair in pairs:
            rule = connector.trading_rules[pair]
            self.formats[pair] = PairFormat.from_increments(rule.min_price_increment, rule.min_base_amount_increment)
        self.recorder = DemoRecorder(connector, self.formats, clock)
        self.recorder.counts.user_connections = 1       # ready means the user stream is connected
        self.maker = MarketMaker(connector, pairs, spread=Decimal("0.0001"))
        self.meter = RateMeter(clock)
        kinds = venue.demo_faults
        self._faults = [(duration * (i + 1) / (len(kinds) + 1), kind) for i, kind in enumerate(kinds)]
        self._drops: List[tuple] = []         # (fault record, pair) of the depth diffs dropped, until settled
        self.books: List[BookCheck] = []
        self.balances: List[BalanceCheck] = []
        self.printed = 0            # recorder lines already printed (plain output)

    # -- faults (on purpose) -------------------------------------------------------------------------------
    def _inject(self, kind: str) -> None:
        """One fault of the simulator's ``kind`` on the first pair (its symbol as the venue names it)."""
        pair = self.pairs[0]
        if kind == "close_user_sockets":
            self.sim.faults.add(kind)
            self.recorder.inject("the exchange closes our user data socket", "user")
            return
        symbol = self.venue.pairs()[pair]
        self.sim.faults.add(kind, symbol=symbol, count=1)
        if kind == "drop_diff":
            self._mark_dropped_update(symbol)
        what = _INJECTED.get(kind, kind.replace("_", " ") + " on {pair}").format(pair=pair)
        record = self.recorder.inject(f"the exchange {what}", f"book:{pair}")
        if kind == "drop_diff":
            self._drops.append((record, pair))

    def _mark_dropped_update(self, symbol: str) -> None:
        """On a book kept by a checksum alone (no update ids), a lost update shows only while the levels
        it carried stay as they were; the background traders work at the touch and soon send those
        levels again.  So the update dropped also carries a resting order of the simulator's house at
        the fifth bid, a level nobody touches after: the next checksum then shows the loss."""
        place = getattr(self.sim, "place_liquidity", None)
        if place is None or self.connector.order_book_tracker.data_source.CHECKSUM_STYLE is None:
            return
        bids, _ = self.sim.book_levels(symbol)
        levels = sorted(bids, reverse=True)
        if len(levels) >= 5:
            place(symbol, "BUY", levels[4], self.connector.trading_rules[self.pairs[0]].min_order_size)

    def settle_superseded_drops(self) -> None:
        """A lost update whose levels later updates sent again (rows are absolute) leaves nothing to
        repair: on a venue without ids no gap or checksum shows it.  Once the book has been equal to
        the exchange's for ``SUPERSEDED_AFTER`` seconds after the drop, the fault is listed as such."""
        for record, pair in list(self._drops):
            if record.repaired_at is not None or record.seen_at is not None:
                self._drops.remove((record, pair))
                continue
            book = self.connector.get_order_book(pair)
            if self.clock() - record.at >= SUPERSEDED_AFTER and book.is_synced and self._compare(pair)[0]:
                self._drops.remove((record, pair))
                record.repaired_at = self.clock()
                record.repair = "superseded by later levels, book equal to the exchange's"
                self.recorder.note(f"Book      {pair}: the lost update was superseded by later levels (every "
                                   "checksum agreed); the book equals the exchange's")

    def inject_due_faults(self, elapsed: float, final: bool = False) -> None:
        due = [f for f in self._faults if f[0] <= elapsed or (final and f[1] == "drop_diff")]
        for fault in due:
            self._faults.remove(fault)
            self._inject(fault[1])

    def drop_pending_faults(self) -> None:
        """A stop was asked (Ctrl+C): the faults not injected yet never will be; the run just ends."""
        if self._faults:
            self.recorder.note(f"Stop      asked at {self.clock():.1f} s: {len(self._faults)} pending fault"
                               f"{'s' if len(self._faults) > 1 else ''} not injected; cancelling our orders")
        self._faults.clear()

    def print_new_lines(self, out: Callable[[str], None], width: Optional[int] = None) -> None:
        """Print the lines noted since the last call, each wrapped to ``width`` between fields (None: whole)."""
        for t, text in self.recorder.since(self.printed):
            for part in wrap_fields(f"[{t:5.1f}s] {text}", width):
                out(part)
        self.printed = self.recorder.total

    # -- one look -----------------------------------------------------------------------------------------
    def sample(self) -> None:
        """One look at the tracker's counters, every step in every mode: the figures shown come from these."""
        sample_diffs(self.meter, self.connector.order_book_tracker.metrics.pairs)

    def frame(self, elapsed: float) -> DemoFrame:
        c = self.connector
        orders = [OpenOrder(o.client_order_id, o.trading_pair, o.trade_type.name, o.price, o.amount,
                            o.executed_amount_base, o.current_state.name)
                  for o in list(c.in_flight_orders.values()) if not o.is_done]
        balances = {asset: (total, c.get_available_balance(asset)) for asset, total in c.get_all_balances().items()}
        metrics = c.order_book_tracker.metrics.pairs
        health = [read_health(pair, metrics[pair], self.meter) for pair in self.pairs if pair in metrics]
        faults = [r for r in self.recorder.faults if r.shown_at(elapsed, FAULT_HOLD)]
        pending = [(at, _PENDING[fault]) for at, fault in self._faults if fault in _PENDING]
        return DemoFrame(elapsed, self.duration, read_top(self.pairs[0], c.get_order_book(self.pairs[0]), 10),
                         self.formats, orders, list(self.recorder.lines), balances, health, self.recorder.counts,
                         max(0, self.recorder.counts.user_connections - 1), faults, pending)

    # -- stop and check -------------------------------------------------------------------------------------
    async def wind_down(self) -> None:
        """Stop quoting, quiet the market, cancel our orders and wait until none is open."""
        if self.sim.traders is not None:
            self.sim.traders.pause()
        await self.maker.stop(timeout=10)
        for _ in range(200):
            if not self.maker.open_orders():
                break
            await asyncio.sleep(0.05)

    async def check_books(self) -> None:
        for pair in self.pairs:
            self.books.append(await self._check_book(pair))

    async def _check_book(self, pair: str) -> BookCheck:
        # the venue's update id now, from a REST snapshot through the connector's own data source
        # (a venue without update ids, Kraken, gives 0: its book is then judged by its levels alone)
        venue = await self.connector.order_book_tracker.data_source.get_new_order_book(pair)
        resynced = not await self._reaches(pair, venue.snapshot_uid)
        if not resynced and venue.snapshot_uid <= 0 and not self._compare(pair)[0]:
            await asyncio.sleep(CURRENT_WAIT)       # a checksum catches a loss at the next message, if any
            resynced = not self._compare(pair)[0]
        if resynced:
            # the last diff was lost and no later diff will reveal the gap: a fresh sync makes it current
            self.recorder.note(f"Book      {pair} never reached the venue's update {venue.snapshot_uid}: resyncing")
            await self.connector.remove_trading_pair(pair)
            await self.connector.add_trading_pair(pair)
            if not await self._reaches(pair, venue.snapshot_uid):
                book = self.connector.get_order_book(pair)
                return BookCheck(pair, False, book.last_diff_uid, book.bid_level_count, book.ask_level_count, True,
                                 f"still behind the venue's update {venue.snapshot_uid}")
        book = self.connector.get_order_book(pair)
        equal, ours_bids, ours_asks, detail = self._compare(pair)
        return BookCheck(pair, equal, book.last_diff_uid, len(ours_bids), len(ours_asks), resynced, detail)

    def _compare(self, pair: str) -> tuple:
        """(equal, our bids, our asks, what differs) against the venue's levels, to our book's depth (a venue
        whose stream keeps a fixed depth: the venue's top levels, docs/contracts.md, Contract 1)."""
        book = self.connector.get_order_book(pair)
        bids, asks = self.sim.book_levels(self.venue.pairs()[pair])
        depth = book.depth_limit or None
        ours_bids = {row.price: row.amount for row in book.bid_entries()}
        ours_asks = {row.price: row.amount for row in book.ask_entries()}
        theirs_bids = {float(p): float(bids[p]) for p in sorted(bids, reverse=True)[:depth]}
        theirs_asks = {float(p): float(asks[p]) for p in sorted(asks)[:depth]}
        equal = ours_bids == theirs_bids and ours_asks == theirs_asks
        detail = "" if equal else (f"{len(set(ours_bids.items()) ^ set(theirs_bids.items()))} bid and "
                                   f"{len(set(ours_asks.items()) ^ set(theirs_asks.items()))} ask levels differ")
        return equal, ours_bids, ours_asks, detail

    async def _reaches(self, pair: str, update_id: int) -> bool:
        deadline = self.clock() + CURRENT_WAIT
        while self.clock() < deadline:
            book = self.connector.get_order_book(pair) if pair in self.connector.order_books else None
            if book is not None and book.is_synced and book.last_diff_uid >= update_id:
                return True
            await asyncio.sleep(0.02)
        return False

    async def check_balances(self, wait: float = 5.0) -> None:
        """Ours against the exchange's account, after the user stream delivered the last changes."""
        deadline = self.clock() + wait
        while True:
            checks = self._balance_checks()
            if all(b.equal for b in checks) or self.clock() >= deadline:
                self.balances = checks
                return
            await asyncio.sleep(0.05)

    def _balance_checks(self) -> List[BalanceCheck]:
        account_balances = self.venue.account_balances
        assert account_balances is not None         # a venue with the demo declares it (cli/venues.py)
        exchange = account_balances(self.sim, self.api_key)
        ours = {a: (t, self.connector.get_available_balance(a)) for a, t in self.connector.get_all_balances().items()}
        zero = (Decimal(0), Decimal(0))
        return [BalanceCheck(a, ours.get(a, zero), exchange.get(a, zero)) for a in sorted(set(ours) | set(exchange))]


async def run_demo(duration: float = 15.0, pairs: Optional[Sequence[str]] = None, seed: int = 7,
                   rate: float = 20.0, ui: bool = False, out: Callable[[str], None] = say,
                   stop: Optional[asyncio.Event] = None, console: Optional[object] = None,
                   metrics_port: Optional[int] = None, venue: Venue = VENUES["binance"],
                   width: Optional[int] = None, record: Optional[str] = None) -> int:
    """Run the demo (see the module doc) on ``venue``'s simulator; returns the exit status.

    ``console``: the rich ``Console`` of the live view (``ui``); by default the terminal's. In the live
    view the lines said while starting are shown inside it (``live.py``), not printed above it.
    ``metrics_port``: serve the connector's figures for Prometheus on 127.0.0.1 while it runs.
    ``venue``: one whose ``commands`` include ``demo``, else ``CommandError`` naming those that do.
    ``pairs``: by default the venue's ``demo_pairs``.
    ``width``: wrap the closing summary to this many columns (the live view: its console's width).
    ``record``: record the whole session, account side included, to this file (``hbconn replay`` replays it).
    """
    if venue.connector is None or "demo" not in venue.commands:
        raise CommandError(f"hbconn demo takes {alternatives(venues_for('demo'))} only, not {venue.name}")
    loop = asyncio.get_running_loop()
    started = loop.time()
    clock = lambda: loop.time() - started        # noqa: E731 - the demo's elapsed seconds
    stop = stop or asyncio.Event()
    pairs = list(pairs or venue.demo_pairs)
    specs = [s for s in venue.simulator_symbols() if f"{s.base_asset}-{s.quote_asset}" in pairs]
    traders = {"rate": rate, "volatility": 0.0003, "seed_levels": 20}
    live = None
    if ui:
        from hummingbot_conn.cli.demo.live import DemoLive

        live = DemoLive(console)
        live.start()
    tell = out if live is None else live.say      # what the demo says while it starts
    try:
        async with venue.simulator(seed, traders, specs) as sim:
            assets = {a for s in specs for a in (s.base_asset, s.quote_asset)}
            api_key, secret = sim.create_account({a: FUNDS.get(a, Decimal(1000)) for a in assets})
            recorder = None
            if record is not None:
                from hummingbot_conn.recording import Recorder, endpoints_options

                recorder = Recorder(record, venue.name, pairs, {"endpoints": endpoints_options(
                    venue.endpoints_of(sim)), "trading_required": True, "demo_seed": seed})
            with recorder.capture() if recorder is not None else contextlib.nullcontext():
                connector = venue.connector(api_key, secret, pairs, venue.endpoints_of(sim))
            if recorder is not None:
                recorder.watch(connector)
            tell(f"simulated {venue.name} exchange on {sim.rest_url}; trading {', '.join(pairs)} through "
                 f"{type(connector).__name__}")
            endpoint = await serve_metrics(metrics_port, connector=connector, out=tell)
            try:
                await start_connector(connector)
                demo = Demo(sim, connector, api_key, pairs, duration, clock, venue)
                tell(f"connector ready after {clock():.1f} s: books synced, balances and trading rules loaded, "
                     "user stream connected")
                if live is not None:
                    live.hand_over(demo.recorder)
                await _trade(demo, stop, out, live)
                interrupted = stop.is_set()
                if live is not None:        # the live view showed those lines already
                    width = live.width      # the terminal's size now (it may have been resized)
                    live.stop()
                    demo.printed = demo.recorder.total
                if interrupted:
                    demo.drop_pending_faults()
                else:       # a run too short for its faults still drops the diff
                    demo.inject_due_faults(clock(), final=True)
                await demo.wind_down()
                await demo.check_books()
                await demo.check_balances()
                demo.print_new_lines(out, width)        # the exit checks' own lines
            finally:
                await connector.stop_network()
                await endpoint.close()
                if recorder is not None:
                    stats = await recorder.aclose()
                    demo_out = out if live is None else tell
                    demo_out(f"recorded the session to {record}: {stats['records']} records, lost {stats['lost']}")
    finally:
        if live is not None:
            live.stop()
    for line in summary_lines(demo.recorder.counts, demo.books, demo.balances, interrupted, clock(), width):
        out(line)
    if interrupted:
        return EXIT_INTERRUPTED
    return 0 if all(c.equal for c in demo.books) and all(b.equal for b in demo.balances) else 1


async def _trade(demo: Demo, stop: asyncio.Event, out: Callable[[str], None], live: Optional["DemoLive"]) -> None:
    """The market-making loop until the duration elapses or ``stop`` is set, with the view.

    Both views run the same loop: one step, one health sample and one look per ``STEP``; only what
    is printed differs (a screen laid out for the terminal's size, or new log lines plus a status
    line each second). The live screen is drawn once per step on this task, never by a refresh
    thread: drawing shares the event loop with the market data, and a second drawer only slowed it.
    """
    deadline = demo.duration
    next_status = 1.0
    while not stop.is_set() and demo.clock() < deadline:
        demo.inject_due_faults(demo.clock())
        demo.maker.step()
        demo.sample()
        demo.settle_superseded_drops()
        if live is not None:
            live.show(demo.frame(demo.clock()))
        await _sleep_or_stop(stop, min(STEP, max(0.0, deadline - demo.clock())))
        if live is None:
            demo.print_new_lines(out)
            if demo.clock() >= next_status:
                out(status_line(demo.frame(demo.clock())))
                next_status += 1.0
    if live is not None:
        demo.sample()
        live.show(demo.frame(demo.clock()))


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(asyncio.TimeoutError):
        async with asyncio.timeout(seconds):
            await stop.wait()


async def _main(args) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    main_task = asyncio.current_task()
    assert main_task is not None
    presses: List[int] = []

    def on_sigint() -> None:
        presses.append(1)
        if len(presses) == 1:
            stop.set()                  # first Ctrl+C: cancel our orders, check, summarize
        else:
            main_task.cancel()          # second: stop at once

    loop.add_signal_handler(signal.SIGINT, on_sigint)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    try:
        ui = not args.no_ui and sys.stdout.isatty()
        # a summary on a terminal wraps between its fields; in a pipe it stays one line per item
        width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
        return await run_demo(args.duration, args.pairs, args.seed, args.rate, ui=ui, stop=stop,
                              metrics_port=args.metrics_port, venue=args.venue, width=width, record=args.record)
    except asyncio.CancelledError:
        raise KeyboardInterrupt from None
    finally:
        loop.remove_signal_handler(signal.SIGINT)
        loop.remove_signal_handler(signal.SIGTERM)


def _venue(text: str) -> Venue:
    try:
        return venue_named(text, "demo")
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def main(argv: Optional[Sequence[str]] = None) -> int:
    known = ", ".join(VENUES["binance"].pairs())
    parser = CommandParser(
        "hbconn demo",
        "A small market maker trading through the library's connector (--venue) against the\n"
        "embedded simulated exchange: live order books (OrderBookTracker), orders and their events,\n"
        "balances and health figures. One depth diff is dropped and the user socket closed on purpose,\n"
        "and the view shows both repaired. On exit (or Ctrl+C) our orders are cancelled and every book\n"
        "and balance is checked against the exchange's.")
    parser.add_argument("--duration", "--seconds", dest="duration", type=non_negative_float, default=30.0,
                        help="seconds of trading (0: start, check and stop)")
    defaults = ", ".join(f"{','.join(VENUES[name].demo_pairs)} on {name}" for name in venues_for("demo"))
    parser.add_argument("--pairs", "--symbol", dest="pairs", default=None,
                        help=f"comma-separated pairs to trade, the first one in view, among the venue's "
                             f"(binance: {known}) (default: {defaults})")
    parser.add_argument("--venue", type=_venue, default=VENUES["binance"], metavar="VENUE",
                        help="the market, by hummingbot's connector name: "
                             f"{alternatives(venues_for('demo'))} (default: binance)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the simulated market")
    parser.add_argument("--rate", type=positive_float, default=20.0,
                        help="background trader actions per second per pair (more than 0)")
    parser.add_argument("--no-ui", action="store_true",
                        help="plain log lines instead of the live view (automatic when stdout is not a terminal)")
    parser.add_argument("--metrics-port", type=port_number, default=None, metavar="PORT",
                        help="serve the connector's figures for Prometheus at http://127.0.0.1:PORT/metrics "
                             "(0: a free port; needs the metrics extra)")
    parser.add_argument("--record", metavar="FILE", default=None,
                        help="record the whole session, account side included, to FILE ('hbconn replay FILE')")
    args = parser.parse_args(argv)

    def body() -> int:
        configure_logging(args.verbose)
        require_metrics(args.metrics_port)      # before anything starts or prints
        args.pairs = parse_pairs(args.pairs or ",".join(args.venue.demo_pairs), args.venue)
        return event_loop.run(_main(args))

    return run_command("hbconn demo", body, args.verbose)
