"""The venues a recording can be replayed on, served or exported for: the hooks each venue supplies.

The recording itself is venue-neutral (records of the transport).  What depends on
the venue is supplied by the venue's own package, as a :class:`ReplayVenue`
(docs/recording.md, "Venues"):

* ``build``: the recorded connector, rebuilt on the recorded URLs (nothing is
  dialled: the transport is the recording) with dummy credentials (secrets are
  never in a file; signatures are not compared).  A header's ``endpoints`` hold
  the connector's base URLs field by field (:func:`endpoints_options`).
* ``order_call``: the strategy's calls read from the recorded requests: each
  order placement and cancel becomes a ``buy`` / ``sell`` / ``cancel`` call on the
  connector at its recorded time, with the recorded client order id
  (docs/recording.md, "Replay").
* ``market``: how the venue's recorded market data reads, for the Parquet export
  and the replay server (:class:`MarketFormat`); None: neither is offered.

A venue's package ``hummingbot_conn.exchanges.<package>`` holds its hooks in a
``recording`` module with a ``REPLAY_VENUES`` dict (one package may serve several
venue names).  They are looked up by venue name, importing that module only then
(:func:`replay_venue`): this package never imports a venue's code, so a venue is
added without touching it.
"""
import abc
import importlib
import importlib.util
import os
import pkgutil
import threading
from dataclasses import dataclass, fields, is_dataclass
from decimal import Decimal
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Tuple, Union

__all__ = ["ReplayVenue", "REPLAY_VENUES", "endpoints_options", "OrderCall", "MarketFormat", "BookSnapshot",
           "DepthDiff", "Trade", "StreamFrame", "replay_venue"]

#: the package whose subpackages are the venues (each may have a ``recording`` module of hooks)
EXCHANGES_PACKAGE = "hummingbot_conn.exchanges"


@dataclass(frozen=True)
class OrderCall:
    """One call of the strategy, read from a recorded request."""

    action: str                 # "buy", "sell" or "cancel"
    symbol: str                 # the exchange's symbol
    client_order_id: str
    order_type: str = ""        # OrderType name (LIMIT, LIMIT_MAKER, MARKET)
    amount: Decimal = Decimal(0)
    price: Decimal = Decimal("NaN")


Levels = List[Tuple[str, str]]      # (price text, amount text) as the venue sent them


@dataclass(frozen=True)
class BookSnapshot:
    """A recorded book snapshot: ``update_id`` its venue id, levels as (price, amount) texts."""

    update_id: int
    bids: Levels
    asks: Levels


@dataclass(frozen=True)
class DepthDiff:
    """A recorded book diff covering the venue's ids ``first_update_id`` .. ``last_update_id``; an amount
    of 0 removes the level; ``event_time_ms`` the venue's time (None when it sent none)."""

    symbol: str
    first_update_id: int
    last_update_id: int
    event_time_ms: Optional[int]
    bids: Levels
    asks: Levels


@dataclass(frozen=True)
class Trade:
    """A recorded public trade; price and amount as the venue's texts."""

    symbol: str
    trade_id: int
    event_time_ms: Optional[int]
    trade_time_ms: Optional[int]
    price: str
    amount: str
    buyer_is_maker: bool


@dataclass(frozen=True)
class StreamFrame:
    """A recorded market frame as the replay server plays it: its symbol (lower case), its stream type
    (the venue's name of the channel) and the text to send; ``diff``: the book change it carries;
    ``damaged``: it claims to change the book but cannot be read as a change (the served book is then
    gapped until the next recorded snapshot, never half applied)."""

    symbol: str
    stream: str
    text: str
    diff: Optional["DepthDiff"] = None
    damaged: bool = False


MarketEvent = Union[DepthDiff, Trade]


class MarketFormat(abc.ABC):
    """How one venue's recorded market data reads (the Parquet export, the replay server).

    Each method raises ``KeyError``, ``TypeError``, ``ValueError``, ``ArithmeticError`` or
    ``AttributeError`` for a record or text of the wrong shape (the caller counts it damaged and
    goes on); None means "not market data", which is not an error.
    """

    @abc.abstractmethod
    def depth_request_symbol(self, method: str, path: str, query: Mapping[str, str]) -> Optional[str]:
        """The symbol (as sent) of a recorded request for a book snapshot, else None."""

    @abc.abstractmethod
    def snapshot(self, body: str) -> Optional[BookSnapshot]:
        """A recorded answer to such a request as a book; None when it is not one (not JSON, no id)."""

    @abc.abstractmethod
    def market_events(self, text: str) -> Iterator[MarketEvent]:
        """The book diffs and trades of a received frame (none for any other frame)."""

    @abc.abstractmethod
    def stream_frame(self, text: str) -> Optional[StreamFrame]:
        """A received frame as the replay server plays it, or None when it is no market stream frame."""

    @abc.abstractmethod
    def server_protocol(self, server: Any) -> Any:
        """The venue's protocol for ``server`` (a ``serve.RecordingServer``): an object with
        ``add_routes(router)`` (its HTTP and WebSocket routes, aiohttp) and ``error(status, text)``
        (the venue's error answer, an ``aiohttp.web.Response``)."""


@dataclass(frozen=True)
class ReplayVenue:
    """One venue's hooks (see the module)."""

    name: str                           # hummingbot's connector name, as in a header's ``venue``
    build: Callable[..., Any]           # (pairs, endpoints options, trading_required, **connector options)
    order_call: Callable[[Mapping[str, Any]], Optional[OrderCall]]
    market: Optional[MarketFormat] = None


def endpoints_options(endpoints: Any) -> Dict[str, str]:
    """A connector's endpoints object as ``{field: base URL}`` (what a header's ``endpoints`` holds)."""
    if is_dataclass(endpoints):
        return {f.name: str(getattr(endpoints, f.name)) for f in fields(endpoints)}
    return {"domain": str(endpoints)}


class _Venues(Mapping[str, ReplayVenue]):
    """Every venue's hooks by venue name, found once, on first use: the ``recording`` module of each
    package under :data:`EXCHANGES_PACKAGE` that has one (imported by name, see the module)."""

    def __init__(self) -> None:
        self._found: Optional[Dict[str, ReplayVenue]] = None
        self._lock = threading.Lock()

    def _venues(self) -> Dict[str, ReplayVenue]:
        found = self._found
        if found is None:
            with self._lock:
                if self._found is None:
                    self._found = _discover()
                found = self._found
        return found

    def __getitem__(self, name: str) -> ReplayVenue:
        return self._venues()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._venues())

    def __len__(self) -> int:
        return len(self._venues())


def _discover() -> Dict[str, ReplayVenue]:
    spec = importlib.util.find_spec(EXCHANGES_PACKAGE)
    found: Dict[str, ReplayVenue] = {}
    if spec is None or not spec.submodule_search_locations:
        return found
    for location in spec.submodule_search_locations:
        for package in sorted(info.name for info in pkgutil.iter_modules([location]) if info.ispkg):
            # read from the folder: a venue without hooks is not imported
            if not any(info.name == "recording" for info in pkgutil.iter_modules([os.path.join(location, package)])):
                continue
            name = f"{EXCHANGES_PACKAGE}.{package}.recording"
            venues = getattr(importlib.import_module(name), "REPLAY_VENUES", None)
            if not isinstance(venues, dict):
                raise TypeError(f"{name}.REPLAY_VENUES must be a dict of ReplayVenue by venue name")
            for venue_name, venue in venues.items():
                if not isinstance(venue, ReplayVenue) or venue.name != venue_name:
                    raise TypeError(f"{name}.REPLAY_VENUES[{venue_name!r}] is not the ReplayVenue of that name")
                if venue_name in found:
                    raise TypeError(f"the venue {venue_name!r} has hooks in two packages")
                found[venue_name] = venue
    return found


#: every venue that can be replayed, by venue name (read-only; found on first use)
REPLAY_VENUES: Mapping[str, ReplayVenue] = _Venues()


def replay_venue(name: str) -> Optional[ReplayVenue]:
    """The hooks of the venue ``name`` (hummingbot's connector name), None when no venue package has them."""
    return REPLAY_VENUES.get(name)
