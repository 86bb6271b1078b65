"""The soak harness shared by the spot and the perpetual soak.

A soak runs a connector against its simulator over real sockets for
``HBCONN_SOAK_SECONDS`` while a seeded strategy trades and a seeded
:class:`FaultDriver` injects every fault kind the simulator offers
(``hummingbot_conn.sim.kernel.faults.RULE_KINDS`` and ``ACTION_KINDS``). Then the
faults stop, the market goes quiet, the connector reconciles by itself
(:func:`reconcile`: its own polls, no call into it) and the audit compares it
with the simulator's own records:

* every order (:func:`audit_orders`): one Created event, first; one fill event
  per trade id of the exchange, with its price, amount and fee; one terminal
  event matching the exchange's final status (none while the order is open,
  and then the connector tracks it with the exchange's executed amount); an
  order the exchange never had ends with exactly one failure event;
* every book (:func:`book_discrepancies`): level for level, in sync;
* balances, positions and funding payments: in the venue's test file.

Everything random comes from one ``random.Random(HBCONN_SOAK_SEED)`` per part;
the market and the network still interleave differently from run to run (wall
clock, real sockets), so a seed reproduces the schedule, not every byte.
"""
from __future__ import annotations

import abc
import asyncio
import os
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Iterable, Mapping, Sequence

from support import until  # the suite's polling helper

from hummingbot_conn.core.in_flight_order import OrderState
from hummingbot_conn.event_logger import EventLogger
from hummingbot_conn.events import (
    BuyOrderCompletedEvent,
    BuyOrderCreatedEvent,
    MarketOrderFailureEvent,
    OrderCancelledEvent,
    OrderExpiredEvent,
    OrderFilledEvent,
    SellOrderCompletedEvent,
    SellOrderCreatedEvent,
)
from hummingbot_conn.sim.kernel.faults import ACTION_KINDS, RULE_KINDS

# CI (CI=true) trades 24 s instead of 40 with faults 40/24 times as often: as many faults as the full
# run (about 32, two decks of every kind), the same audit and checks, 16 s less of CI time a soak
_CI = os.environ.get("CI") == "true"
SOAK_SECONDS = float(os.environ.get("HBCONN_SOAK_SECONDS", "24" if _CI else "40"))
#: faults a second (seeded expovariate): 0.8, or under CI enough for a 40 s run's count in SOAK_SECONDS
FAULT_RATE = float(os.environ.get("HBCONN_SOAK_FAULT_RATE", max(0.8, 0.8 * 40 / SOAK_SECONDS) if _CI else 0.8))
SOAK_SEED = int(os.environ.get("HBCONN_SOAK_SEED", "16"))
# clock skews also jump back (the simulator's clock then runs backwards, which no venue does)
BACKWARD_SKEW = os.environ.get("HBCONN_SOAK_BACKWARD_SKEW") == "1"
# how long the connector gets, once the faults stop, to become provably current
RECONCILE_SECONDS = float(os.environ.get("HBCONN_SOAK_RECONCILE_SECONDS", "90"))

CREATED = (BuyOrderCreatedEvent, SellOrderCreatedEvent)
COMPLETED = (BuyOrderCompletedEvent, SellOrderCompletedEvent)
TERMINAL = COMPLETED + (OrderCancelledEvent, OrderExpiredEvent, MarketOrderFailureEvent)
# the venue's final status -> the one terminal event it must give (both venues' vocabulary)
TERMINAL_EVENT_OF_STATUS = {"FILLED": COMPLETED, "CANCELED": (OrderCancelledEvent,),
                            "EXPIRED": (OrderExpiredEvent,), "EXPIRED_IN_MATCH": (OrderExpiredEvent,)}
OPEN_STATUSES = ("NEW", "PARTIALLY_FILLED")
LIVE_STATES = (OrderState.OPEN, OrderState.PARTIALLY_FILLED)


async def within(condition: Callable[[], bool], timeout: float) -> bool:
    """``until`` as a bounded wait: True when ``condition()`` held within ``timeout`` seconds."""
    try:
        await until(condition, timeout)
    except (asyncio.TimeoutError, TimeoutError):
        return False
    return True


def event_log(connector: Any, tags: Iterable[Any]) -> EventLogger:
    """A logger of every event of ``tags``, bounded far beyond the longest soak's count (an
    ``EventLogger`` drops its oldest events past the bound; the default 10 000 could)."""
    return EventLogger(max_events=5_000_000).subscribe(connector, list(tags))


# ---- faults ---------------------------------------------------------------------------------------------------
@dataclass
class FaultVenue:
    """What a fault schedule may aim at on one venue."""
    symbols: Sequence[str]
    # "METHOD /path" the connector uses; None in the list means any endpoint
    endpoints: Sequence[str | None]
    # the endpoints of requests that change state (lost / late answers matter most there)
    order_endpoints: Sequence[str]
    # largest forward clock jump (ms): the perpetual venue keeps it under its funding interval
    max_skew_step_ms: int = 6_000


class FaultDriver:
    """Injects one fault every ``1 / rate`` seconds (seeded), cycling through every kind.

    Each kind comes once per shuffled round, so a run of ``len(kinds)`` faults
    covers all of them. Rules fire once (``count=1``); ``fired`` counts the
    ones that did (actions count when run), ``unfired`` those still waiting when
    the schedule stopped (cleared then). A ``stale_snapshot`` or
    ``future_snapshot`` is followed by a ``drop_diff`` on its symbol, so a
    resync comes to be served that snapshot. Clock skews only move forward unless ``HBCONN_SOAK_BACKWARD_SKEW=1``:
    a real venue's clock never runs back, and a skew is relative to ours either way.
    """

    KINDS = tuple(RULE_KINDS) + tuple(ACTION_KINDS)

    def __init__(self, sim: Any, venue: FaultVenue, seed: int, rate: float = FAULT_RATE) -> None:
        self.sim, self.venue, self.rate = sim, venue, rate
        self._rng = random.Random(seed)
        self._deck: list[str] = []
        self._rules: list[Any] = []
        self.fired: Counter[str] = Counter()
        self.unfired: Counter[str] = Counter()
        self.skew_ms = 0

    def _next_kind(self) -> str:
        if not self._deck:
            self._deck = list(self.KINDS)
            self._rng.shuffle(self._deck)
        return self._deck.pop()

    def _params(self, kind: str) -> dict:
        rng, venue = self._rng, self.venue
        if kind in ("drop_diff", "duplicate_diff", "reorder_diff", "stale_snapshot", "future_diff_id",
                    "future_snapshot"):
            return {"symbol": rng.choice(venue.symbols)}
        if kind in ("close_market_sockets", "restart_ids"):
            return {"symbol": rng.choice(list(venue.symbols) + [None])}
        if kind in ("close_user_sockets", "mute_user_sockets"):
            return {}
        if kind == "skew_clock":
            step = rng.choice((250, 900, 2_500, venue.max_skew_step_ms))
            self.skew_ms += -step if BACKWARD_SKEW and rng.random() < 0.4 else step
            return {"ms": self.skew_ms}
        if kind in ("lose_response", "delay_response"):
            params: dict = {"endpoint": rng.choice(list(venue.order_endpoints) * 3 + list(venue.endpoints))}
            if kind == "delay_response":
                # up to past the connector's 10 s request timeout: an answer that never comes in time
                params["delay"] = rng.choice((0.3, 1.0, 2.5, 11.0))
            return params
        if kind == "http_error":
            return {"endpoint": rng.choice(venue.endpoints), "status": rng.choice((500, 502, 503, 504))}
        if kind == "http_429":
            return {"endpoint": rng.choice(venue.endpoints)}
        raise AssertionError(f"the soak has no schedule for the fault kind {kind!r}: add one")

    def inject(self) -> str:
        kind = self._next_kind()
        params = self._params(kind)
        self._add(kind, params)
        if kind in ("stale_snapshot", "future_snapshot"):
            self._add("drop_diff", {"symbol": params["symbol"]})
        return kind

    def _add(self, kind: str, params: dict) -> None:
        endpoint = params.get("endpoint")
        if endpoint is None:
            params.pop("endpoint", None)
        rule = self.sim.faults.add(kind, **params)
        if rule is None:
            self.fired[kind] += 1
        else:
            self._rules.append(rule)

    async def run(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            await asyncio.sleep(self._rng.expovariate(self.rate))
            self.inject()

    def pending(self) -> int:
        """Rules added and not fired yet (a fired rule of count 1 leaves the simulator's list)."""
        return len(self.sim.faults.rules)

    def stop(self) -> None:
        """Clear the rules still waiting and count what fired."""
        self.sim.faults.clear()
        for rule in self._rules:
            (self.fired if rule.fired else self.unfired)[rule.kind] += 1
        self._rules.clear()

    def every_kind_fired(self) -> bool:
        """Whether every kind has fired at least once so far (the rules still waiting included)."""
        fired = {k for k, n in self.fired.items() if n} | {r.kind for r in self._rules if r.fired}
        return all(k in fired for k in self.KINDS)

    def missing_kinds(self) -> list[str]:
        return [k for k in self.KINDS if not self.fired[k]]


# ---- the run ---------------------------------------------------------------------------------------------------
class Strategy(abc.ABC):
    """The seeded trading loop of a soak: ``step()`` one action (a subclass's), every ``1 / rate`` s on average."""

    def __init__(self, seed: int, rate: float) -> None:
        self.rng = random.Random(seed)
        self.rate = rate
        self.placed: list[str] = []
        self._tasks: set[asyncio.Future] = set()

    def spawn(self, coro: Any) -> None:
        """Run an action that takes time (a cancel_all, a leverage change) beside the loop."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @abc.abstractmethod
    def step(self) -> None:
        """One decision of the strategy (each soak's own)."""

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await asyncio.sleep(self.rng.expovariate(self.rate))
            self.step()

    async def finish(self) -> None:
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def drive(seconds: float, faults: FaultDriver, strategies: Sequence[Strategy], drain: float = 20.0) -> None:
    """Trade and inject faults for ``seconds``; keep trading (up to ``drain`` s) until the last
    rules have fired or every kind has, so a short run still injects every kind; then stop both and
    clear the rules.  (A rule on an endpoint the strategy seldom calls may wait the whole drain for
    nothing once its kind has fired: 20 of a CI perpetual soak's 53 s.)"""
    stop = asyncio.Event()
    loops = [asyncio.ensure_future(s.run(stop)) for s in strategies]
    try:
        await faults.run(seconds)
        await within(lambda: faults.pending() == 0 or faults.every_kind_fired(), drain)
    finally:
        stop.set()
        await asyncio.gather(*loops)
        faults.stop()
        for strategy in strategies:
            await strategy.finish()


# ---- the venue's records, venue-neutral -------------------------------------------------------------------------
@dataclass
class ExchangeFill:
    price: Decimal
    amount: Decimal
    fee_asset: str
    fee: Decimal


@dataclass
class ExchangeOrder:
    """The simulator's record of one of our orders."""
    status: str
    executed: Decimal
    fills: dict[str, ExchangeFill] = field(default_factory=dict)   # by trade id (text)


def _fee_amount(event: OrderFilledEvent, asset: str) -> Decimal:
    return sum((f.amount for f in event.trade_fee.flat_fees if f.token == asset), Decimal(0))


def audit_orders(placed: Sequence[str], exchange: Mapping[str, ExchangeOrder | None], events: Sequence[Any],
                 connector: Any, positions: Mapping[str, str] | None = None) -> tuple[list[str], Counter]:
    """Every placed order's events and state against the exchange's record (module docstring).

    ``exchange``: every order of the account at the exchange by client id, and None
    for a placed order the exchange never had. ``positions``
    (perpetual): the position action each order was sent with. Returns
    (discrepancies, figures: orders by final status, ``fills``, ``events``).
    """
    out: list[str] = []
    figures: Counter = Counter()
    by_order: dict[str, list[Any]] = defaultdict(list)
    for event in events:
        order_id = getattr(event, "order_id", None)
        if order_id is not None:
            by_order[order_id].append(event)
    placed_set = set(placed)
    for order_id in by_order.keys() - placed_set:
        out.append(f"{order_id}: events for an order the strategy never placed: {_kinds(by_order[order_id])}")
    for order_id in exchange.keys() - placed_set:
        out.append(f"{order_id}: at the exchange, never placed by the strategy (sent twice?)")
    tracked = connector.in_flight_orders
    for cid in placed:
        evs = by_order.get(cid, [])
        figures["events"] += len(evs)
        record = exchange.get(cid)
        problems = _audit_one(cid, record, evs, tracked.get(cid), positions.get(cid) if positions else None)
        figures[record.status if record is not None else "NEVER_AT_EXCHANGE"] += 1
        figures["fills"] += len(record.fills) if record is not None else 0
        if problems:
            where = f"{record.status} executed {record.executed}" if record is not None else "never there"
            out.append(f"{cid}: {'; '.join(problems)} [exchange: {where}; events: {_kinds(evs)}]")
    return out, figures


def _kinds(events: Iterable[Any]) -> list[str]:
    return [type(e).__name__ for e in events]


def _audit_one(cid: str, record: ExchangeOrder | None, evs: list[Any], tracked: Any,
               position: str | None) -> list[str]:
    kinds = _kinds(evs)
    if record is None:
        # rejected, or never reached the exchange: exactly one failure, nothing else
        if kinds != ["MarketOrderFailureEvent"]:
            return [f"the exchange never had it; events {kinds}, expected one MarketOrderFailureEvent"]
        return [f"the exchange never had it but it is still tracked ({tracked.current_state.name})"] \
            if tracked is not None else []
    problems = []
    created = [e for e in evs if isinstance(e, CREATED)]
    if len(created) != 1 or not isinstance(evs[0], CREATED):
        problems.append(f"{len(created)} Created events (must be exactly one, first): {kinds}")
    fills = [e for e in evs if isinstance(e, OrderFilledEvent)]
    seen = Counter(e.exchange_trade_id for e in fills)
    doubled = sorted(t for t, n in seen.items() if n > 1)
    missing = sorted(set(record.fills) - set(seen))
    extra = sorted(set(seen) - set(record.fills))
    if doubled or missing or extra:
        problems.append(f"fills by trade id: doubled {doubled}, missing {missing}, unknown {extra}")
    for event in fills:
        fill = record.fills.get(event.exchange_trade_id)
        if fill is None:
            continue
        fee = _fee_amount(event, fill.fee_asset)
        if (event.price, event.amount, fee) != (fill.price, fill.amount, fill.fee):
            problems.append(f"fill {event.exchange_trade_id}: ours (price, amount, fee) "
                            f"{(event.price, event.amount, fee)} != exchange's {(fill.price, fill.amount, fill.fee)}")
    if position is not None:
        wrong = [type(e).__name__ for e in created + fills if e.position != position]
        if wrong:
            problems.append(f"sent as {position}, reported with another position action in {wrong}")
    terminal = [e for e in evs if isinstance(e, TERMINAL)]
    if record.status in OPEN_STATUSES:
        if terminal:
            problems.append(f"open at the exchange ({record.status}) but ended here: {kinds}")
        elif tracked is None:
            problems.append(f"open at the exchange ({record.status}) but not tracked")
        else:
            if tracked.current_state not in LIVE_STATES:
                problems.append(f"open at the exchange ({record.status}), {tracked.current_state.name} here")
            if tracked.executed_amount_base != record.executed:
                problems.append(f"executed {tracked.executed_amount_base} here, {record.executed} at the exchange")
        return problems
    expected = TERMINAL_EVENT_OF_STATUS.get(record.status)
    if expected is None:
        return problems + [f"the exchange's status {record.status} is not one the soak knows"]
    if len(terminal) != 1 or not isinstance(terminal[0], expected):
        problems.append(f"{record.status} at the exchange; terminal events here {_kinds(terminal)}")
    elif isinstance(terminal[0], COMPLETED):
        if evs[-1] is not terminal[0]:
            problems.append(f"events after the Completed event: {kinds}")
        if terminal[0].base_asset_amount != record.executed:
            problems.append(f"completed with {terminal[0].base_asset_amount}, executed {record.executed}")
    if tracked is not None:
        problems.append(f"{record.status} at the exchange, still tracked as {tracked.current_state.name}")
    executed = sum((e.amount for e in fills), Decimal(0))
    if executed != record.executed:
        problems.append(f"fill events sum to {executed}, the exchange executed {record.executed}")
    return problems


# ---- books --------------------------------------------------------------------------------------------------------
def book_discrepancies(connector: Any, sim: Any, pairs: Mapping[str, str]) -> list[str]:
    """Each pair's book against the simulator's, level for level (``pairs``: trading pair -> symbol)."""
    out = []
    for pair, symbol in pairs.items():
        book = connector.order_books.get(pair)
        if book is None:
            out.append(f"book {pair}: none")
            continue
        if not book.is_synced:
            out.append(f"book {pair}: not in sync")
        bids, asks = sim.book_levels(symbol)
        for side, ours, theirs in (("bids", book.bid_entries(), bids), ("asks", book.ask_entries(), asks)):
            mine = {r.price: r.amount for r in ours}
            exchange = {float(p): float(q) for p, q in theirs.items()}
            if mine != exchange:
                diff = sorted(set(mine.items()) ^ set(exchange.items()))[:6]
                out.append(f"book {pair} {side}: {len(mine)} levels here, {len(exchange)} at the exchange; "
                           f"first differences {diff}")
    return out


# ---- reconciliation -----------------------------------------------------------------------------------------------
async def reconcile(connectors: Sequence[Any], audit: Callable[[], list[str]],
                    timeout: float = RECONCILE_SECONDS) -> tuple[list[str], float]:
    """Wait (bounded) until the connectors are provably current, then until ``audit()`` is clean.

    Provably current: no placement in flight, no unknown outcome being resolved,
    no fill fetch running, ready, and two full polls of their own completed
    after this call (the first may have started while faults were still on).
    Returns (the last audit's discrepancies, seconds it took).
    """
    start = time.monotonic()
    polls = [c._status_poller.poll_count for c in connectors]

    def current() -> bool:
        return all(c.ready and not c._order_placer.placing and not c._status_poller.resolving()
                   and not c._order_tracker._fill_fetches and c._status_poller.poll_count >= n + 2
                   for c, n in zip(connectors, polls))

    problems: list[str] = []
    if not await within(current, timeout):
        problems = [f"not provably current after {timeout:g} s: " + "; ".join(
            f"ready={c.ready} placing={len(c._order_placer.placing)} resolving={len(c._status_poller.resolving())} "
            f"polls={c._status_poller.poll_count - n}" for c, n in zip(connectors, polls))]
    deadline = start + max(timeout, time.monotonic() - start + 1.0)
    while True:
        # the audit walks every order and event: every half second, not at until's 10 ms pace
        result = audit()
        if not result or time.monotonic() >= deadline:
            return problems + result, time.monotonic() - start
        await asyncio.sleep(0.5)


def summary(name: str, seconds: float, seed: int, figures: Mapping[str, Any], faults: FaultDriver,
            discrepancies: Sequence[str], extra: str = "") -> str:
    """The one line a soak prints, to be quoted (RESULTS and reports quote it as printed)."""
    statuses = " ".join(f"{k.lower()}={v}" for k, v in sorted(figures.items()) if k not in ("fills", "events",
                                                                                             "orders"))
    fired = sum(faults.fired.values())
    kinds = ",".join(f"{k}:{n}" for k, n in sorted(faults.fired.items()))
    return (f"SOAK {name} seed={seed} seconds={seconds:g} orders={figures.get('orders', 0)} ({statuses}) "
            f"fills={figures.get('fills', 0)} events={figures.get('events', 0)} faults={fired} [{kinds}] "
            f"unfired={sum(faults.unfired.values())} {extra}discrepancies={len(discrepancies)}")
