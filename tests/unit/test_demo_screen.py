"""The live screen of ``hbconn demo``, rendered to text at the sizes users run it in.

Each screen is drawn by rich into a ``Console(width=, height=)`` and read back
as plain lines: every required section (book, our orders, balances, health,
faults with their repair, events) must be there, no line wider than the
terminal, no more lines than it holds. Faults stay listed for a time on the
demo's (injected) clock, whatever the number of newer events; the
diffs-per-second figure is the same in the live screen and the plain status
line, because both read one sampled meter.
"""
import io
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from rich.console import Console

from hummingbot_conn.cli.demo.recorder import DemoCounts, DemoRecorder
from hummingbot_conn.cli.demo.screen import FAULT_HOLD, render
from hummingbot_conn.cli.demo.view import DemoFrame, OpenOrder, status_line
from hummingbot_conn.cli.live_view import BookTop, PairFormat, RateMeter, read_health, sample_diffs
from hummingbot_conn.tracking.order_book_sync import OrderBookSyncEvent, OrderBookTrackerEvent

FORMATS = {"BTC-USDT": PairFormat(2, 5), "ETH-BTC": PairFormat(5, 3)}
DROP = "the exchange drops the next BTC-USDT depth diff"
CLOSE = "the exchange closes our user data socket"


class FakeConnector:
    """The event sources a DemoRecorder subscribes to, fired by hand."""

    def __init__(self):
        self.listeners = {}
        self.order_book_tracker = SimpleNamespace(add_listener=self._add)
        self.user_stream_tracker = SimpleNamespace(add_connection_listener=lambda f: self._add("user", f))

    def _add(self, tag, fn):
        self.listeners.setdefault(tag, []).append(fn)

    add_listener = _add

    def fire(self, tag, event):
        for fn in self.listeners.get(tag, []):
            fn(event)


class Clock:
    def __init__(self, now=0.0):
        self.now = now

    def __call__(self):
        return self.now


def _metrics(applied):
    latency = SimpleNamespace(p50=0.000066, p99=0.000083)
    return SimpleNamespace(diffs_applied=applied, latency=latency, gaps=1, resyncs=1, stream_interruptions=0,
                           diffs_stale=0)


def _recorder_with_both_faults_repaired(clock):
    connector = FakeConnector()
    recorder = DemoRecorder(connector, FORMATS, clock)
    clock.now = 10.0
    recorder.inject(DROP, "book:BTC-USDT")
    clock.now = 10.3
    connector.fire(OrderBookTrackerEvent.BookOutOfSync, OrderBookSyncEvent("BTC-USDT", 10.3, "gap", 123456))
    clock.now = 10.4
    connector.fire(OrderBookTrackerEvent.BookResynced, OrderBookSyncEvent("BTC-USDT", 10.4, "gap", 123470))
    clock.now = 15.0
    recorder.inject(CLOSE, "user")
    clock.now = 15.6
    connector.fire("user", 2)
    return connector, recorder


def _frame(recorder, now, events=150, orders=4, health=None):
    top = BookTop("BTC-USDT", True, 123470, [(60000.0 - 12 * i, 0.00554 + 0.001 * i) for i in range(10)],
                  [(60001.0 + 12 * i, 0.00124 + 0.02 * i) for i in range(10)])
    kinds = [("BTC-USDT", "BUY", "59994.00", "0.00034", "OPEN"), ("BTC-USDT", "SELL", "60006.00", "0.00034",
                                                                  "PENDING_CANCEL"),
             ("ETH-BTC", "BUY", "0.04999", "0.009", "PARTIALLY_FILLED"), ("ETH-BTC", "SELL", "0.05001", "0.008",
                                                                        "PENDING_CREATE")]
    open_orders = [OpenOrder(f"x-MG43PCSNSBCUT66201239ea4f0300{i}", pair, side, Decimal(price), Decimal(amount),
                             Decimal(0), state) for i, (pair, side, price, amount, state) in enumerate(kinds[:orders])]
    for i in range(events):          # newer events pour in after the faults
        recorder.note(f"Created   x-MG43PCSNSBCUT66201239ea4f{i:05d} SELL 0.00034 BTC-USDT @ 60,006.00")
    balances = {"BTC": (Decimal("1.00034"), Decimal("0.99966")), "ETH": (Decimal("10.009"), Decimal("9.991")),
                "USDT": (Decimal("99987.1234567"), Decimal("99967.123"))}
    faults = [r for r in recorder.faults if r.shown_at(now, FAULT_HOLD)]
    return DemoFrame(now, 30, top, FORMATS, open_orders, list(recorder.lines), balances,
                     health or [], DemoCounts(created=12, filled=3, cancelled=2), 1, faults, [])


def _draw(frame, width, height):
    buf = io.StringIO()
    Console(file=buf, width=width, height=height, color_system=None, legacy_windows=False).print(
        render(frame, width, height))
    return buf.getvalue().rstrip("\n").split("\n")


def _health(meter):
    return [read_health(p, _metrics(0), meter) for p in ("BTC-USDT", "ETH-BTC")]


SIZES = [(80, 24), (120, 40), (140, 45), (160, 50)]


@pytest.mark.parametrize("width, height", SIZES)
def test_every_section_fits_the_terminal_and_nothing_is_cut(width, height):
    clock = Clock()
    _, recorder = _recorder_with_both_faults_repaired(clock)
    meter = RateMeter(clock)
    frame = _frame(recorder, 16.0, health=_health(meter))
    lines = _draw(frame, width, height)
    text = "\n".join(lines)
    assert len(lines) < height, text                          # within the height (the cursor's line stays free)
    assert max(len(line) for line in lines) <= width, text   # no line wider than the terminal
    assert "…" not in text.replace("x-…", ""), text           # nothing cut (order ids are shortened on purpose)
    # the book: its title and the best levels
    assert re.search(r"^BTC-USDT mid 60,000\.500 spread 1\.00", text, re.M), text
    assert re.search(r"^ *0\.00554 60,000\.00 60,001\.00 +0\.00124", text, re.M), text
    # our orders, each one
    for price in ("59,994.00", "60,006.00", "0.04999", "0.05001"):
        assert re.search(rf"(BUY|SELL) +{re.escape(price)} ", text), (price, text)
    # balances, each asset
    for row in (r"BTC +1\.00034 +0\.99966", r"ETH +10\.009 +9\.991", r"USDT +99987\.1234567 +99967\.123"):
        assert re.search(row, text), (row, text)
    # health, each pair
    assert re.search(r"^health +diffs/s +p50 ms +p99 ms +gaps +resyncs +reconnects", text, re.M), text
    assert re.search(r"^BTC-USDT +0\.0 +0\.066 +0\.083 +1 +1 +0", text, re.M), text
    assert re.search(r"^ETH-BTC +0\.0 ", text, re.M), text
    # both faults and their repairs, whole lines
    assert f"  10.0s injected: {DROP}" in lines, text
    assert "  10.4s repaired: gap after update 123456, resynced at update 123470" in lines, text
    assert f"  15.0s injected: {CLOSE}" in lines, text
    assert "  15.6s repaired: reconnected (connection 2), reconciled by REST" in lines, text
    # the events: the newest one is on screen
    assert re.search(r"^events$", text, re.M) and "x-…a4f00149 SELL 0.00034 BTC-USDT @ 60,006.00" in text, text


@pytest.mark.parametrize("width", range(80, 221, 7))
@pytest.mark.parametrize("height", range(24, 71, 5))
def test_any_terminal_from_80x24_holds_every_section(width, height):
    clock = Clock()
    _, recorder = _recorder_with_both_faults_repaired(clock)
    lines = _draw(_frame(recorder, 16.0, health=_health(RateMeter(clock))), width, height)
    text = "\n".join(lines)
    assert len(lines) < height and max(map(len, lines)) <= width, text
    for needle in ("BTC-USDT mid", "orders", "balance", "health", f"injected: {DROP}", "resynced at update 123470",
                   f"injected: {CLOSE}", "reconciled by REST", "events"):
        assert needle in text, (needle, text)
    assert "too small" not in text


@pytest.mark.parametrize("width, height", [(40, 12), (60, 20), (79, 23)])
def test_a_smaller_terminal_gets_what_fits_and_the_size_that_shows_everything(width, height):
    clock = Clock()
    _, recorder = _recorder_with_both_faults_repaired(clock)
    lines = _draw(_frame(recorder, 16.0, health=_health(RateMeter(clock))), width, height)
    assert len(lines) < height and max(map(len, lines)) <= width, lines
    text = "\n".join(lines)
    shown = all(needle in text for needle in ("orders", "balance", "health", "reconciled by REST", "events"))
    assert shown or lines[-1] == "too small: 80x24 shows it all", text


def test_faults_stay_listed_for_a_time_after_their_repair_not_until_pushed_away():
    clock = Clock()
    _, recorder = _recorder_with_both_faults_repaired(clock)
    # 200 newer events (more than the recorder keeps) do not push the faults off the screen
    lines = "\n".join(_draw(_frame(recorder, 10.4 + FAULT_HOLD - 0.1, events=250, health=[]), 80, 24))
    assert f"injected: {DROP}" in lines and "resynced at update 123470" in lines, lines
    assert f"injected: {DROP}" not in "\n".join(line for line in lines.split("\n") if "Created" in line)
    # the time window on the demo's clock: gone once FAULT_HOLD seconds have passed since the repair
    lines = "\n".join(_draw(_frame(recorder, 10.4 + FAULT_HOLD + 0.05, events=0, health=[]), 80, 24))
    assert f"injected: {DROP}" not in lines and f"injected: {CLOSE}" in lines, lines


def test_a_fault_shows_as_waiting_then_seen_until_repaired_and_an_uninjected_break_is_listed_too():
    clock = Clock()
    connector = FakeConnector()
    recorder = DemoRecorder(connector, FORMATS, clock)
    clock.now = 5.0
    recorder.inject(DROP, "book:BTC-USDT")
    assert "waiting for the connector to notice" in "\n".join(_draw(_frame(recorder, 5.0, events=0), 80, 24))
    clock.now = 5.2
    connector.fire(OrderBookTrackerEvent.BookOutOfSync, OrderBookSyncEvent("BTC-USDT", 5.2, "gap", 77))
    assert "5.2s seen: gap after update 77, repairing" in "\n".join(_draw(_frame(recorder, 5.3, events=0), 80, 24))
    # a gap on the other pair: nobody injected it, the screen lists it as an incident with its repair
    clock.now = 6.0
    connector.fire(OrderBookTrackerEvent.BookOutOfSync, OrderBookSyncEvent("ETH-BTC", 6.0, "gap", 12))
    clock.now = 6.1
    connector.fire(OrderBookTrackerEvent.BookResynced, OrderBookSyncEvent("ETH-BTC", 6.1, "gap", 15))
    text = "\n".join(_draw(_frame(recorder, 6.2, events=0), 80, 24))
    assert "6.0s incident: ETH-BTC book out of sync" in text and "6.1s repaired: gap after update 12, resynced " \
                                                                 "at update 15" in text, text
    assert "5.2s seen: gap after update 77, repairing" in text     # the injected one is still being repaired


def _figures(text, pair):
    """Every diffs/s figure printed for ``pair`` (status line: "PAIR 9.9 diffs/s"; screen: "PAIR  9.9 ...")."""
    return re.findall(rf"{pair} +([\d.]+)(?: diffs/s| +[\d.-]+ +[\d.-]+ +\d)", text)


def test_live_screen_and_plain_line_print_the_same_diffs_per_second_for_the_same_run():
    # one run, scripted on the injected clock: diffs arrive unevenly (bursts and pauses), sampled each
    # 0.2 s step as the demo does in both modes; the live screen is drawn at every step, the plain
    # status line once a second, and each may be drawn any number of times
    clock = Clock(0.0)
    _, recorder = _recorder_with_both_faults_repaired(clock)
    clock.now = 0.0
    meter = RateMeter(clock)
    applied = {"BTC-USDT": 0, "ETH-BTC": 0}
    pattern = [3, 0, 1, 4, 0, 2, 2, 0, 0, 5]
    for step in range(1, 61):
        clock.now = step * 0.2
        applied["BTC-USDT"] += pattern[step % len(pattern)]
        applied["ETH-BTC"] += 2
        sample_diffs(meter, {pair: _metrics(n) for pair, n in applied.items()})
        for _ in range(step % 3 + 1):      # the live view redraws; reading must not change the figure
            health = [read_health(pair, _metrics(applied[pair]), meter) for pair in applied]
            frame = _frame(recorder, clock.now, events=0, health=health)
            screens = {size: "\n".join(_draw(frame, *size)) for size in ((80, 24), (120, 40))}
        if step % 5 == 0:                  # the plain mode prints its status line once a second
            plain = status_line(frame)
            for pair in applied:
                expected = _figures(plain, pair)
                assert len(expected) == 1, plain
                for size, text in screens.items():
                    assert _figures(text, pair) == expected, (step, size, pair, plain, text)
    # and the figure is the run's: 2 diffs per 0.2 s on ETH-BTC is 10 per second, over the trailing window
    assert _figures(plain, "ETH-BTC") == ["10.0"]
    window = sum(pattern) / (len(pattern) * 0.2)          # 17 per 2 s = 8.5 per second
    assert _figures(plain, "BTC-USDT") == [f"{window:.1f}"]
