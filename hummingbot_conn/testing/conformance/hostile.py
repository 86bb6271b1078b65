"""Hostile frames on a connector's streams: what the kit sends and the checks that hold the connector
to the rule for bad input (docs/contracts.md, "Contract 1" and "Contract 4"): a frame that cannot
be read changes nothing (no book level, no fill, no balance), is refused and counted, never crashes
a loop, and the connector keeps following the venue afterwards.

The frames: malformed JSON, JSON of the wrong shape, every field of a venue's sample frames
(``VenueFixture.sample_frames``) replaced in turn by a wrong type or a non-finite or unreadable
number (``NaN``, ``Infinity``, an exponent no arithmetic survives), the sample frames themselves
(which change nothing the checks compare: a stale book update, a fill of an order the connector
does not know), and one frame larger than the framework's WebSocket limit.  A venue whose fixture
cannot put a raw frame on its streams (no ``inject_frame``) skips these checks, saying so.
"""
from __future__ import annotations

import asyncio
import json
from typing import Any, Callable, Iterator, List

import pytest

from ...common import OrderType
from ...web.connections import WSConnection
from .session import COMPLETED, CREATED, FILLED, Session, balances_equal_venue, book_equals_venue, until
from .venue import STREAMS, VenueFixture, VenueFixtureDefaults

__all__ = ["MALFORMED", "WRONG_SHAPES", "OVERSIZED_FRAME_BYTES", "mutations", "oversized_frame",
           "HostileFrameChecks"]

#: text that is not JSON at all
MALFORMED = ["{", '{"e":', "[1, 2", "not json", "\x00\x01\x02", '{"stream": "x", "data": ', '"unterminated', "]",
             "{'single': 'quotes'}", "NaN", "1e999999999"]
#: JSON of a shape no venue frame has
WRONG_SHAPES = ["null", "0", "-1.5", "true", '"text"', "[]", "{}", "[{}]", '{"data": null}', '{"event": []}',
                '{"stream": 1, "data": [1]}', '{"subscriptionId": "x", "event": "x"}', '{"result": null, "id": null}']
#: one frame beyond the framework's WebSocket message limit (``WSConnection.MAX_MSG_SIZE``)
OVERSIZED_FRAME_BYTES = WSConnection.MAX_MSG_SIZE + 64 * 1024
#: at most this many mutated frames per sample frame (a frame of 40 fields gives about 250)
MUTATIONS_PER_SAMPLE = 300

# replacements of a number written as text (Binance's amounts and prices) ...
_BAD_NUMBERS: List[Any] = ["NaN", "Infinity", "-Infinity", "1E+999999999", "1E-999999999", "0x10", "", " 1"]
# ... and of any field: a value of another type
_WRONG_TYPES: List[Any] = [None, True, [], {"x": 1}, 1e308]


def _is_number_text(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        float(value)
    except ValueError:
        return False
    return True


def _leaves(frame: Any, path: tuple = ()) -> Iterator[tuple]:
    if isinstance(frame, dict):
        for key, value in frame.items():
            yield from _leaves(value, path + (key,))
    elif isinstance(frame, list) and frame:
        for index, value in enumerate(frame):
            yield from _leaves(value, path + (index,))
    else:
        yield path, frame


def _replaced(frame: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(frame, dict):
        return {k: (_replaced(v, rest, value) if k == head else v) for k, v in frame.items()}
    return [(_replaced(v, rest, value) if i == head else v) for i, v in enumerate(frame)]


def mutations(frame: Any, limit: int = MUTATIONS_PER_SAMPLE) -> List[str]:
    """``frame`` (decoded JSON) with one field at a time replaced by a hostile value, as JSON text:
    every number-as-text field by ``_BAD_NUMBERS``, every field by each of ``_WRONG_TYPES`` and a
    number by text (or text by a number), and every number by the bare ``NaN`` token (not JSON,
    which some decoders accept).  At most ``limit`` frames."""
    out: List[str] = []
    for path, value in _leaves(frame):
        candidates = list(_BAD_NUMBERS) if _is_number_text(value) else []
        candidates += [v for v in _WRONG_TYPES if v != value or type(v) is not type(value)]
        candidates.append(123456789 if isinstance(value, str) else "123456789x")
        for candidate in candidates:
            out.append(json.dumps(_replaced(frame, path, candidate)))
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out.append(json.dumps(_replaced(frame, path, float("nan")), allow_nan=True))
        if len(out) >= limit:
            break
    return out[:limit]


def oversized_frame() -> str:
    """A well-formed JSON object of ``OVERSIZED_FRAME_BYTES``."""
    return '{"pad": "' + "x" * (OVERSIZED_FRAME_BYTES - 11) + '"}'


def _injector(venue: VenueFixture) -> Callable[[str, str], None]:
    inject = getattr(venue, "inject_frame", None)
    return inject if inject is not None else VenueFixtureDefaults().inject_frame


def _samples(venue: VenueFixture, stream: str) -> List[Any]:
    sample = getattr(venue, "sample_frames", None)
    return list(sample(stream)) if sample is not None else []


class _LoopErrors:
    """Exceptions that reached the event loop's handler (a task that died unobserved)."""

    def __enter__(self) -> List[dict]:
        self.loop = asyncio.get_running_loop()
        self.previous = self.loop.get_exception_handler()
        self.seen: List[dict] = []
        self.loop.set_exception_handler(lambda loop, context: self.seen.append(context))
        return self.seen

    def __exit__(self, *exc: Any) -> None:
        self.loop.set_exception_handler(self.previous)


class HostileFrameChecks:
    """The hostile-frame checks of ``ConformanceSuite`` (a mixin: the suite supplies ``session``)."""

    @pytest.mark.parametrize("stream", STREAMS)
    async def test_hostile_frames_change_nothing_and_the_connector_keeps_following_the_venue(
            self, session: Session, venue: VenueFixture, stream: str) -> None:
        inject = _injector(venue)
        c, price = session.connector, venue.resting_price
        tick = price / 1000
        order_id = c.buy(venue.trading_pair, venue.order_amount, OrderType.LIMIT, price, **venue.order_kwargs())
        await session.wait_kinds(order_id, [CREATED])
        venue.counterparty_limit("SELL", venue.order_amount, price + tick)
        await until(lambda: book_equals_venue(c, venue))
        samples = _samples(venue, stream)
        frames = MALFORMED + WRONG_SHAPES + [json.dumps(s) for s in samples]
        for sample in samples:
            frames += mutations(sample)
        refused_before = sum(c.refused_user_events.values())
        with _LoopErrors() as loop_errors:
            for frame in frames:
                inject(stream, frame)
            # frames of one socket arrive in order: once what the venue does next is seen, every
            # hostile frame before it was read
            half = venue.order_amount / 2
            venue.counterparty_limit("SELL", half, price)
            venue.counterparty_limit("BUY", venue.order_amount, price - tick)
            await session.wait_kinds(order_id, [CREATED, FILLED])
            await until(lambda: book_equals_venue(c, venue))
            await session.settle()
            assert session.kinds(order_id) == [CREATED, FILLED] and session.events(order_id)[1].amount == half
            assert c.in_flight_orders[order_id].executed_amount_base == half
            assert venue.venue_open_orders() == [order_id] and c.ready
            c.order_books[venue.trading_pair].check_integrity()
            if stream == "private" and samples:
                assert sum(c.refused_user_events.values()) > refused_before      # refused and counted
            await balances_equal_venue(session, venue)

            # a frame beyond the size limit ends that socket: the connector reconnects and catches up
            inject(stream, oversized_frame())
            venue.counterparty_limit("BUY", venue.order_amount, price - tick * 2)
            venue.counterparty_limit("SELL", half, price)
            await session.wait_kinds(order_id, [CREATED, FILLED, FILLED, COMPLETED], timeout=20)
            await until(lambda: book_equals_venue(c, venue) and c.ready, timeout=20)
            await session.settle()
            assert session.kinds(order_id) == [CREATED, FILLED, FILLED, COMPLETED]
            await balances_equal_venue(session, venue)
        assert loop_errors == [], loop_errors
