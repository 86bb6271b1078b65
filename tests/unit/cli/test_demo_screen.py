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

from hummingbot_conn.cli.demo.live import DemoLive
from hummingbot_conn.cli.demo.recorder import DemoCounts, DemoRecorder
from hummingbot_conn.cli.demo.screen import FAULT_HOLD, render
from hummingbot_conn.cli.demo.view import BalanceCheck, BookCheck, DemoFrame, OpenOrder, status_line, summary_lines
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
                           diffs_stale=2)


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
    assert "…" not in re.sub(r"…[\w-]{8}\b", "", text), text     # nothing cut (order ids are shortened on purpose)
    # the book: its title and the best levels
    assert re.search(r"^BTC-USDT mid 60,000\.500 spread 1\.00", text, re.M), text
    assert re.search(r"^ *0\.00554 60,000\.00 60,001\.00 +0\.00124", text, re.M), text
    # our orders, each one with the end of its client order id, its pair, side, price and state (short names)
    for i, (pair, side, price, state) in enumerate([("BTC-USDT", "BUY", "59,994.00", "open"),
                                                    ("BTC-USDT", "SELL", "60,006.00", "canceling"),
                                                    ("ETH-BTC", "BUY", "0.04999", "partial"),
                                                    ("ETH-BTC", "SELL", "0.05001", "creating")]):
        row = rf"…a4f0300{i} {pair} +{side} +{re.escape(price)} .*\b{state}\b"
        assert re.search(row, text), (row, text)
    # balances, each asset, with thousands separators as in the book
    for row in (r"BTC +1\.00034 +0\.99966", r"ETH +10\.009 +9\.991", r"USDT +99,987\.1234567 +99,967\.123"):
        assert re.search(row, text), (row, text)
    # health, each pair, every figure at every width (stale diffs included), and the user stream's reconnects
    assert re.search(r"^health +diffs/s +p50 ms +p99 ms +gaps +resyncs +reconnects +stale$", text, re.M), text
    assert re.search(r"^BTC-USDT +0\.0 +0\.066 +0\.083 +1 +1 +0 +2$", text, re.M), text
    assert re.search(r"^ETH-BTC +0\.0 .* 2$", text, re.M), text
    assert re.search(r"^user stream +1$", text, re.M), text
    # both faults and their repairs, whole lines
    assert f"  10.0s injected: {DROP}" in lines, text
    assert "  10.4s repaired: gap after update 123456, resynced at update 123470" in lines, text
    assert f"  15.0s injected: {CLOSE}" in lines, text
    assert "  15.6s repaired: reconnected (connection 2), reconciled by REST" in lines, text
    # the events: the newest one is on screen
    assert re.search(r"^events$", text, re.M) and "…a4f00149 SELL 0.00034 BTC-USDT @ 60,006.00" in text, text


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


@pytest.mark.parametrize("width, height", [(80, 24), (100, 30), (120, 40), (160, 50)])
def test_one_state_name_and_one_order_id_form_at_every_width(width, height):
    # a user matches an event to its row by the end of the client order id, and reads one name per state
    clock = Clock()
    _, recorder = _recorder_with_both_faults_repaired(clock)
    frame = _frame(recorder, 16.0, events=3, health=_health(RateMeter(clock)))
    recorder.note("Cancelled x-MG43PCSNSBCUT66201239ea4f03001")
    frame.lines = list(recorder.lines)
    text = "\n".join(_draw(frame, width, height))
    assert re.search(r"…a4f03001 BTC-USDT +SELL .*\bcanceling$", text, re.M), text      # the row
    assert re.search(r"^ +\d+\.\ds Cancelled …a4f03001$", text, re.M), text              # its event
    for full in ("PARTIALLY_FILLED", "PENDING_CANCEL", "PENDING_CREATE", "OPEN"):
        assert full not in text, (full, text)
    assert re.search(r"\bpartial$", text, re.M) and re.search(r"\bcreating$", text, re.M), text


def test_plain_status_line_has_every_health_figure_of_the_screen():
    clock = Clock()
    _, recorder = _recorder_with_both_faults_repaired(clock)
    line = status_line(_frame(recorder, 16.0, events=0, health=_health(RateMeter(clock))))
    for pair in ("BTC-USDT", "ETH-BTC"):
        assert re.search(rf"{pair} 0\.0 diffs/s p50 0\.066 p99 0\.083 ms gaps 1 resyncs 1 reconnects 0 stale 2",
                         line), line
    assert line.endswith("| user stream reconnects 1"), line


def _summary(width):
    counts = DemoCounts(created=40, filled=12, cancelled=27, failed=1, fills=31,
                        fees={"USDT": Decimal("1.23456"), "BTC": Decimal("0.0000123"), "ETH": Decimal("0.00042")})
    for pair, side, n in [("BTC-USDT", "BUY", 3), ("BTC-USDT", "SELL", 3), ("ETH-BTC", "BUY", 12),
                          ("ETH-BTC", "SELL", 4), ("ETH-USDT", "BUY", 9)]:
        counts.traded[(pair, side)] = n
    books = [BookCheck("BTC-USDT", True, 123456789, 20, 20, True), BookCheck("ETH-BTC", True, 98765, 20, 19, False)]
    balances = [BalanceCheck("USDT", (Decimal("99987.1234567"), Decimal("99967.123")),
                             (Decimal("99987.1234567"), Decimal("99967.124")))]
    return summary_lines(counts, books, balances, False, 30.2, width)


@pytest.mark.parametrize("width", [80, 64, 50])
def test_the_summary_wraps_between_fields_for_the_terminal_width(width):
    lines = _summary(width)
    text = "\n".join(lines)
    assert max(map(len, lines)) <= width, text
    # no field is cut: each pair's fills, each fee, each balance figure stays on one line
    for field in ("BTC-USDT buy 3", "BTC-USDT sell 3", "ETH-BTC buy 12", "ETH-BTC sell 4", "ETH-USDT buy 9",
                  "1.23456 USDT", "0.0000123 BTC", "99,987.1234567", "99,967.123", "filled 12", "fills 31"):
        assert any(field in line for line in lines), (field, text)
    assert not any(line.rstrip().endswith("-") for line in lines), text
    # continuation lines hang under their item
    first = next(i for i, line in enumerate(lines) if line.startswith("  fills by pair and side:"))
    assert lines[first + 1].startswith("      ") or len(lines[first]) <= width, text


def test_the_summary_in_a_pipe_keeps_one_line_per_item():
    lines = _summary(None)
    assert "  fills by pair and side: BTC-USDT buy 3, BTC-USDT sell 3, ETH-BTC buy 12, ETH-BTC sell 4, " \
           "ETH-USDT buy 9" in lines
    assert any(line.startswith("    USDT   total   99,987.1234567") for line in lines), lines


def test_what_the_demo_says_while_starting_stays_inside_the_view_and_becomes_its_first_events():
    # a line printed above the live view pushed its top rows off an 80x24 terminal; now the view starts
    # first, shows those lines cut to the width, then hands them to the events
    buf = io.StringIO()
    console = Console(file=buf, width=80, height=24, color_system=None, legacy_windows=False)
    live = DemoLive(console)
    live.start()
    said = ["simulated binance exchange on http://127.0.0.1:45678/api/v3; trading BTC-USDT, ETH-BTC through "
            "BinanceExchange", "metrics on http://127.0.0.1:9464/metrics"]
    for line in said:
        live.say(line)
    live.stop()
    shown = buf.getvalue().rstrip("\n").split("\n")
    assert len(shown) < 24 and max(map(len, shown)) <= 80, shown
    assert shown[0].startswith("hbconn demo") and shown[-1] == said[-1], shown
    assert shown[1].startswith("simulated binance exchange on http://127.0.0.1:45678/api/v3; trading"), shown
    clock = Clock(0.5)
    recorder = DemoRecorder(FakeConnector(), FORMATS, clock)
    live.hand_over(recorder)
    assert [text for _, text in recorder.lines] == [f"Start     {line}" for line in said]
    lines = _draw(_frame(recorder, 1.0, events=0, health=[]), 80, 24)
    assert "   0.5s Start     metrics on http://127.0.0.1:9464/metrics" in lines, lines
