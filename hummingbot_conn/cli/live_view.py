"""What ``hbconn book`` and ``hbconn demo`` show: book ladders and health figures, as rich renderables or plain lines.

Numbers print in each pair's own precision (:class:`PairFormat`, from the
venue's tick and step sizes: ETHBTC's tick of 0.00001 prints five decimals,
BTCUSDT's 0.01 two).  Health comes from the order book tracker's metrics
(``OrderBookPairMetrics``): diffs per second (the growth of ``diffs_applied``
over a trailing window, :class:`RateMeter`), message-to-applied latency
p50 / p99, gaps, resyncs and stream interruptions (each one a reconnect).

Every screen of a command prints the same diffs-per-second figure for the same
run: the owner samples the counters on one fixed cadence
(:func:`sample_diffs`), whatever each screen does, and reading a figure
(:func:`read_health`) changes nothing. (The figure used to be measured between
two *reads*, so a view that redrew five times a second measured shorter,
noisier windows than the plain lines printed once a second.)

``rich`` is imported only by the functions that build screen blocks
(``ladder_block``, ``health_block``), so plain output (``--no-ui``, pipes, CI)
never loads it.
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable, Deque, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

if TYPE_CHECKING:  # rich is a runtime dependency, imported lazily (see the module doc)
    from rich.text import Text

    from hummingbot_conn.cli.text_layout import Block, Cell


def decimals_of(increment: Decimal) -> int:
    """Digits after the point of a tick or step size: ``Decimal("0.00001")`` -> 5, ``Decimal("1")`` -> 0."""
    if not increment.is_finite() or increment <= 0:
        raise ValueError(f"an increment must be a positive finite number, got {increment}")
    exponent = increment.normalize().as_tuple().exponent
    assert isinstance(exponent, int)        # finite, checked above
    return max(0, -exponent)


@dataclass(frozen=True)
class PairFormat:
    """How one pair's prices and amounts print (decimals from its tick and step sizes)."""

    price_decimals: int = 2
    amount_decimals: int = 5

    @classmethod
    def from_increments(cls, tick_size: Decimal, step_size: Decimal) -> "PairFormat":
        return cls(decimals_of(Decimal(tick_size)), decimals_of(Decimal(step_size)))

    def price(self, value: Any) -> str:
        return _fixed(value, self.price_decimals)

    def amount(self, value: Any) -> str:
        return _fixed(value, self.amount_decimals)


def _fixed(value: Any, decimals: int) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and not math.isfinite(value):
        return "-"
    return f"{Decimal(str(value)):,.{decimals}f}" if isinstance(value, float) else f"{value:,.{decimals}f}"


def formats_from_exchange_info(exchange_info: Mapping[str, Any]) -> Dict[str, PairFormat]:
    """``{exchange symbol: PairFormat}`` from a Binance ``exchangeInfo`` document (PRICE_FILTER, LOT_SIZE)."""
    out: Dict[str, PairFormat] = {}
    for info in exchange_info.get("symbols", ()):
        filters = {f.get("filterType"): f for f in info.get("filters", ()) if isinstance(f, Mapping)}
        try:
            out[info["symbol"]] = PairFormat.from_increments(Decimal(filters["PRICE_FILTER"]["tickSize"]),
                                                             Decimal(filters["LOT_SIZE"]["stepSize"]))
        except (KeyError, ArithmeticError, ValueError):
            continue      # a symbol without usable filters prints with the defaults
    return out


class RateMeter:
    """Events per second of growing counters, over a trailing ``window`` of seconds on ``clock`` (injected).

    ``sample(key, count)`` records one look at a counter; ``rate(key)`` is the
    growth between the oldest sample kept (the last one at least ``window``
    seconds old) and the newest, per second of the time between them: 0.0
    until two samples exist. Reading never changes the figure.
    """

    def __init__(self, clock: Callable[[], float], window: float = 2.0) -> None:
        if not window > 0:
            raise ValueError("window must be > 0 seconds")
        self._clock = clock
        self.window = window
        self._samples: Dict[str, Deque[Tuple[float, int]]] = {}

    def sample(self, key: str, count: int) -> None:
        now = self._clock()
        samples = self._samples.setdefault(key, deque())
        samples.append((now, count))
        # keep one sample at or before the window's start: the figure always spans a whole window
        while len(samples) > 2 and samples[1][0] <= now - self.window:
            samples.popleft()

    def rate(self, key: str) -> float:
        samples = self._samples.get(key)
        if not samples or len(samples) < 2:
            return 0.0
        (t0, c0), (t1, c1) = samples[0], samples[-1]
        return max(0, c1 - c0) / (t1 - t0) if t1 > t0 else 0.0


@dataclass
class BookTop:
    """The top of one book, read at one moment (floats as the compiled book holds them)."""

    pair: str
    synced: bool
    update_id: int
    bids: List[Tuple[float, float]]
    asks: List[Tuple[float, float]]

    @property
    def best_bid(self) -> Optional[float]:
        return self.bids[0][0] if self.bids else None

    @property
    def best_ask(self) -> Optional[float]:
        return self.asks[0][0] if self.asks else None

    @property
    def mid(self) -> Optional[float]:
        return (self.bids[0][0] + self.asks[0][0]) / 2 if self.bids and self.asks else None

    @property
    def spread(self) -> Optional[float]:
        return self.asks[0][0] - self.bids[0][0] if self.bids and self.asks else None


def read_top(pair: str, book: Any, levels: int) -> BookTop:
    """The best ``levels`` of each side of a compiled ``OrderBook`` (``bid_entries`` / ``ask_entries``)."""
    bids = [(row.price, row.amount) for row in book.bid_entries()[:levels]] if book.is_synced else []
    asks = [(row.price, row.amount) for row in book.ask_entries()[:levels]] if book.is_synced else []
    return BookTop(pair, bool(book.is_synced), int(book.last_diff_uid), bids, asks)


@dataclass
class Health:
    """One pair's health figures (see the module doc)."""

    pair: str
    diffs_per_s: float
    p50_ms: float
    p99_ms: float
    gaps: int
    resyncs: int
    reconnects: int
    stale: int


def sample_diffs(meter: RateMeter, pair_metrics: Mapping[str, Any]) -> None:
    """One look at every pair's ``diffs_applied`` (``OrderBookTrackerMetrics.pairs``); call it on a fixed cadence."""
    for pair, metrics in list(pair_metrics.items()):
        meter.sample(pair, metrics.diffs_applied)


def read_health(pair: str, metrics: Any, meter: RateMeter) -> Health:
    """Health of ``pair`` from its ``OrderBookPairMetrics`` and the rate ``meter`` holds (read only)."""
    return Health(pair, meter.rate(pair), metrics.latency.p50 * 1000,
                  metrics.latency.p99 * 1000, metrics.gaps, metrics.resyncs, metrics.stream_interruptions,
                  metrics.diffs_stale)


def rate_text(per_second: float) -> str:
    """A rate for the eye, one decimal: every screen prints the diffs-per-second figure through this."""
    return f"{per_second:.1f}"


def ms_text(value: float) -> str:
    """Milliseconds for the eye: ``-`` for no sample, 3 decimals below 0.1 ms (sub-10 us applies show)."""
    if math.isnan(value):
        return "-"
    return f"{value:.3f}" if value < 0.1 else f"{value:.2f}"


# -- plain lines ---------------------------------------------------------------------------------

def top_line(top: BookTop, fmt: PairFormat) -> str:
    if not top.synced:
        return f"{top.pair}: syncing"
    bid = f"{fmt.price(top.best_bid)} x {fmt.amount(top.bids[0][1])}" if top.bids else "-"
    ask = f"{fmt.price(top.best_ask)} x {fmt.amount(top.asks[0][1])}" if top.asks else "-"
    return (f"{top.pair}: bid {bid} | ask {ask} | mid {_mid(top, fmt)} spread {fmt.price(top.spread)} "
            f"| update {top.update_id}")


def _mid(top: BookTop, fmt: PairFormat) -> str:
    # a mid can fall between ticks: one more decimal than the pair's prices
    return "-" if top.mid is None else _fixed(top.mid, fmt.price_decimals + 1)


def health_line(health: Health) -> str:
    """One pair's health as a plain line: every figure the live table shows, stale diffs included."""
    return (f"{health.pair}: {rate_text(health.diffs_per_s)} diffs/s, apply latency p50 {ms_text(health.p50_ms)} ms "
            f"p99 {ms_text(health.p99_ms)} ms, gaps {health.gaps}, resyncs {health.resyncs}, "
            f"reconnects {health.reconnects}, stale {health.stale}")


def ladder_lines(top: BookTop, fmt: PairFormat) -> List[str]:
    """A text ladder: a header, then one line per level (bid size, bid | ask, ask size)."""
    width_p = max([len(fmt.price(p)) for p, _ in top.bids + top.asks] + [5])
    width_a = max([len(fmt.amount(a)) for _, a in top.bids + top.asks] + [8])
    lines = [f"{top.pair} order book, update {top.update_id}: mid {_mid(top, fmt)}, spread {fmt.price(top.spread)}",
             f"{'bid size':>{width_a}} {'bid':>{width_p}} | {'ask':<{width_p}} {'ask size':<{width_a}}"]
    for i in range(max(len(top.bids), len(top.asks))):
        bid = (f"{fmt.amount(top.bids[i][1]):>{width_a}} {fmt.price(top.bids[i][0]):>{width_p}}"
               if i < len(top.bids) else " " * (width_a + width_p + 1))
        ask = f"{fmt.price(top.asks[i][0]):<{width_p}} {fmt.amount(top.asks[i][1]):<{width_a}}" \
            if i < len(top.asks) else ""
        lines.append(f"{bid} | {ask}".rstrip())
    return lines


# -- screen blocks (rich Text lines, laid out by text_layout) ------------------------------------

def ladder_block(top: BookTop, fmt: PairFormat, levels: int, ours: Iterable[float] = ()) -> "Block":
    """The ladder as screen lines: a title (pair, mid, spread), a header and ``levels`` rows.

    Prices in ``ours`` (our own orders) show as ``*price`` / ``price*`` in reverse video.
    """
    from rich.text import Text

    from hummingbot_conn.cli.text_layout import Column, table

    mine = set(ours)
    title = (Text.assemble((top.pair, "bold"), f" mid {_mid(top, fmt)} spread {fmt.price(top.spread)}")
             if top.synced else Text.assemble((top.pair, "bold"), " ", ("syncing", "yellow")))

    def price(value: float, style: str, left: bool) -> "Text":
        text = fmt.price(value)
        if value not in mine:
            return Text(text, style=style)
        return Text("*" + text if left else text + "*", style=style + " reverse")

    rows: List[List[Any]] = []
    for i in range(levels):
        row: List[Any] = ["", "", "", ""]
        if i < len(top.bids):
            row[0], row[1] = fmt.amount(top.bids[i][1]), price(top.bids[i][0], "bold green", True)
        if i < len(top.asks):
            row[2], row[3] = price(top.asks[i][0], "bold red", False), fmt.amount(top.asks[i][1])
        rows.append(row)
    columns = (Column("size", True, "green"), Column("bid", True), Column("ask"), Column("size", style="red"))
    return table(columns, rows, title=title)


#: the health table's headers after its first (which names the section), and their short forms: the short
#: ones when the full table is wider than the terminal; a column is never dropped
HEALTH_HEADERS = ("diffs/s", "p50 ms", "p99 ms", "gaps", "resyncs", "reconnects", "stale")
HEALTH_SHORT = ("d/s", "p50", "p99", "gaps", "rsyn", "recon", "stale")


def health_block(rows: Sequence[Health], width: Optional[int] = None, name: str = "health",
                 user_reconnects: Optional[int] = None) -> "Block":
    """Health figures as screen lines: a header naming the section, one row per pair, every figure
    (stale diffs included) at every width: the headers shorten (``HEALTH_SHORT``) when the table with
    full headers is wider than ``width`` (None: any width).

    ``user_reconnects``: a last row for the connector's user stream, with its reconnects only.
    """
    from rich.text import Text

    from hummingbot_conn.cli.text_layout import Column, block_width, name_section, table

    def flag(count: int) -> "Text":
        return Text(str(count), style="yellow" if count else "")

    cells: List[List["Cell"]] = []
    for h in rows:
        cells.append([h.pair, rate_text(h.diffs_per_s), ms_text(h.p50_ms), ms_text(h.p99_ms), flag(h.gaps),
                      flag(h.resyncs), flag(h.reconnects), str(h.stale)])   # a few stale diffs are normal
    if user_reconnects is not None:
        cells.append(["user stream", "", "", "", "", "", flag(user_reconnects), ""])

    def build(headers: Sequence[str]) -> "Block":
        return table([Column(name)] + [Column(n, True) for n in headers], cells)

    block = build(HEALTH_HEADERS)
    if width is not None and block_width(block) > width:
        block = build(HEALTH_SHORT)
    return name_section(block, name)
