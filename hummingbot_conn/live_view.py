"""What ``hbconn book`` and ``hbconn demo`` show: book ladders and health figures, as rich renderables or plain lines.

Numbers print in each pair's own precision (:class:`PairFormat`, from the
venue's tick and step sizes: ETHBTC's tick of 0.00001 prints five decimals,
BTCUSDT's 0.01 two).  Health comes from the order book tracker's metrics
(``OrderBookPairMetrics``): diffs per second (measured between two looks by
:class:`RateMeter`), message-to-applied latency p50 / p99, gaps, resyncs and
stream interruptions (each one a reconnect).

``rich`` is imported only by the functions that build renderables, so plain
output (``--no-ui``, pipes, CI) never loads it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

if TYPE_CHECKING:  # rich is a runtime dependency, imported lazily (see the module doc)
    from rich.console import RenderableType


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
    """Events per second between two looks at a growing counter (``clock`` in seconds, injected)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._last: Dict[str, Tuple[float, int]] = {}
        self._rate: Dict[str, float] = {}

    def update(self, key: str, count: int, min_interval: float = 0.5) -> float:
        now = self._clock()
        last = self._last.get(key)
        if last is None:
            self._last[key] = (now, count)
            return self._rate.get(key, 0.0)
        elapsed = now - last[0]
        if elapsed >= min_interval:
            self._rate[key] = max(0, count - last[1]) / elapsed
            self._last[key] = (now, count)
        return self._rate.get(key, 0.0)


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


def read_health(pair: str, metrics: Any, meter: RateMeter) -> Health:
    """Health of ``pair`` from its ``OrderBookPairMetrics``."""
    return Health(pair, meter.update(pair, metrics.diffs_applied), metrics.latency.p50 * 1000,
                  metrics.latency.p99 * 1000, metrics.gaps, metrics.resyncs, metrics.stream_interruptions,
                  metrics.diffs_stale)


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
    return (f"{health.pair}: {health.diffs_per_s:.1f} diffs/s, apply latency p50 {ms_text(health.p50_ms)} ms "
            f"p99 {ms_text(health.p99_ms)} ms, gaps {health.gaps}, resyncs {health.resyncs}, "
            f"reconnects {health.reconnects}")


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


# -- rich renderables ------------------------------------------------------------------------------

def ladder_table(top: BookTop, fmt: PairFormat, highlight: Iterable[float] = ()) -> "RenderableType":
    """The ladder as a rich ``Table``; prices in ``highlight`` (our own orders) are marked."""
    from rich.table import Table

    ours = set(highlight)
    title = (f"[b]{top.pair}[/b]  mid {_mid(top, fmt)}  spread {fmt.price(top.spread)}"
             if top.synced else f"[b]{top.pair}[/b]  [yellow]syncing[/yellow]")
    table = Table(title=title, title_justify="left", expand=False, padding=(0, 1))
    table.add_column("bid size", justify="right", style="green")
    table.add_column("bid", justify="right", style="bold green")
    table.add_column("ask", justify="left", style="bold red")
    table.add_column("ask size", justify="left", style="red")
    for i in range(max(len(top.bids), len(top.asks))):
        row = []
        if i < len(top.bids):
            price, amount = top.bids[i]
            row += [fmt.amount(amount), ("* " if price in ours else "") + fmt.price(price)]
        else:
            row += ["", ""]
        if i < len(top.asks):
            price, amount = top.asks[i]
            row += [fmt.price(price) + (" *" if price in ours else ""), fmt.amount(amount)]
        else:
            row += ["", ""]
        table.add_row(*row)
    return table


def health_table(rows: Sequence[Health], title: str = "health") -> "RenderableType":
    from rich.table import Table

    table = Table(title=title, title_justify="left", padding=(0, 1))
    for name in ("pair", "diffs/s", "p50 ms", "p99 ms", "gaps", "resyncs", "reconnects", "stale"):
        table.add_column(name, justify="left" if name == "pair" else "right")
    for h in rows:
        table.add_row(h.pair, f"{h.diffs_per_s:.1f}", ms_text(h.p50_ms), ms_text(h.p99_ms),
                      _flag(h.gaps), _flag(h.resyncs), _flag(h.reconnects), str(h.stale))
    return table


def _flag(count: int) -> str:
    return f"[yellow]{count}[/yellow]" if count else "0"
