"""The venues the ``hbconn`` commands know, by hummingbot's connector names.

``binance``, ``binance_perpetual`` and ``kraken``.

One :class:`Venue` per market holds what each command needs of it, so a
command takes ``--venue`` from :data:`VENUES` and never branches on a name:

* ``commands``: which commands take the venue (``book``, ``demo``, ``sim``, ``feed``);
  :func:`venue_named` refuses a venue a command does not take in one sentence
  that names the venues it does take.
* ``hbconn book``: how URLs become the connector's endpoints, the exchangeInfo
  request, which symbols are tradable, the order book data source and the
  socket that carries the depth diffs (its probes: ``cli/probes.py``).
* the simulator that stands in for the venue when no URL is given (``book``)
  or that the demo trades on: its class and its default symbols, imported only
  when a simulator is started.
* ``hbconn demo``: the connector class, built on an account of the simulator;
  the simulator account's balances (``account_balances``), the faults the
  demo injects on purpose (``demo_faults``, the simulator's kind names) and
  its default pairs.  The demo's exit checks compare spot balances (total
  and available per asset) with the simulator's account, and its market
  maker sells base assets it holds; a perpetual's margin wallet and positions
  would need their own checks, so the demo takes the spot venues only and
  says so.

``hbconn sim`` runs ``hummingbot_conn.sim.__main__``, which keeps its own
table of the same names: ``python -m hummingbot_conn.sim`` runs with the
simulator alone, and the simulator imports nothing of ours outside ``sim``
(docs/architecture.md, "Dependency direction"), so it cannot read this one.
``tests/unit/cli/test_cli_venues.py`` keeps the two tables naming the same venues.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, AsyncIterator, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from hummingbot_conn.cli.live_view import PairFormat, formats_from_exchange_info
from hummingbot_conn.exchanges.binance import binance_constants as SPOT, binance_web_utils as spot_web
from hummingbot_conn.exchanges.binance.binance_api_order_book_data_source import (
    BinanceAPIOrderBookDataSource,
    symbol_map_from_exchange_info,
)
from hummingbot_conn.exchanges.binance_perpetual import (
    binance_perpetual_constants as PERP,
    binance_perpetual_utils as perp_utils,
    binance_perpetual_web_utils as perp_web,
)
from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_api_order_book_data_source import (
    BinancePerpetualAPIOrderBookDataSource,
)
from hummingbot_conn.exchanges.kraken import KrakenAPIOrderBookDataSource, KrakenEndpoints, constants as KRAKEN
from hummingbot_conn.exchanges.kraken.pairs import KrakenPairs
from hummingbot_conn.exchanges.kraken.web_utils import build_public_factory as kraken_factory
from hummingbot_conn.tracking.order_book_tracker_data_source import OrderBookTrackerDataSource
from hummingbot_conn.web.web_assistants_factory import WebAssistantsFactory

__all__ = ["COMMANDS", "Venue", "VENUES", "venue_named", "venues_for"]

#: the commands that take ``--venue``
COMMANDS = ("book", "demo", "sim", "feed")

#: (api key, secret, trading pairs, endpoints) -> a connector, not started
ConnectorFactory = Callable[[str, str, Sequence[str], Any], Any]


@dataclass(frozen=True)
class Venue:
    """One venue's facts for the commands (see the module doc)."""

    name: str                           # hummingbot's connector name
    title: str
    commands: Tuple[str, ...]           # the commands that take it, a subset of COMMANDS
    rest_example: str                   # the live venue's URLs, for the help and the hints
    stream_example: str
    exchange_info_path: str             # also the throttler's limit id
    endpoints: Callable[[str, str], Any]        # (REST base, stream base) -> endpoints
    local: Callable[[str], Any]                 # "127.0.0.1:PORT" -> endpoints of a simulator
    factory: Callable[[], WebAssistantsFactory]
    symbol_map: Callable[[Mapping[str, Any]], Dict[str, str]]
    data_source: Callable[[Sequence[str], Any, WebAssistantsFactory, Dict[str, str]], OrderBookTrackerDataSource]
    depth_stream_url: Callable[[Any], str]      # the socket the data source opens for depth diffs
    simulator_class: Callable[[], type]         # the simulator's class, imported when called
    simulator_symbols: Callable[[], List[Any]]  # its default symbol specs (symbol, base_asset, quote_asset)
    connector: Optional[ConnectorFactory] = None    # hbconn demo's connector (the venues whose commands have demo)
    #: the exchangeInfo-like document -> ``{exchange symbol: PairFormat}`` (hbconn book's ladder)
    formats: Callable[[Mapping[str, Any]], Dict[str, PairFormat]] = formats_from_exchange_info
    #: (simulator, api key) -> ``{asset: (total, available)}`` of that account (hbconn demo's exit check)
    account_balances: Optional[Callable[[Any, str], Dict[str, Tuple[Any, Any]]]] = None
    #: the simulator's fault kinds hbconn demo injects on purpose, in order
    demo_faults: Tuple[str, ...] = ("drop_diff", "close_user_sockets")
    demo_pairs: Tuple[str, ...] = ()            # hbconn demo's default pairs

    def document_ok(self, info: Any) -> bool:
        """Whether ``info`` (the answer at ``exchange_info_path``) is this venue's document."""
        return isinstance(info, dict) and isinstance(info.get(self.info_field), (list, dict))

    info_field: str = "symbols"                 # the field that lists the symbols in that document

    def rest_url(self, endpoints: Any) -> str:
        return endpoints.rest_url(self.exchange_info_path)

    def pairs(self) -> Dict[str, str]:
        """``{"BTC-USDT": "BTCUSDT", ...}``: the simulator's trading pairs and their symbols."""
        return {f"{s.base_asset}-{s.quote_asset}": s.symbol for s in self.simulator_symbols()}

    @contextlib.asynccontextmanager
    async def simulator(self, seed: int, traders: Optional[Mapping[str, Any]],
                        symbols: Optional[Sequence[Any]] = None) -> AsyncIterator[Any]:
        """This venue's simulator on a free port of 127.0.0.1, started and stopped around the block.

        ``traders``: the background traders' settings (the simulator's ``traders`` argument) or None;
        ``symbols``: a subset of :meth:`simulator_symbols` (default: all of them).
        """
        cls = self.simulator_class()
        symbols = list(symbols) if symbols is not None else None
        async with cls(seed=seed, symbols=symbols, traders=dict(traders) if traders else None) as sim:
            yield sim

    def endpoints_of(self, sim: Any) -> Any:
        """The connector's endpoints for a started simulator of this venue."""
        return self.local(sim.rest_url.split("://", 1)[1])


# -- the simulators and connectors, imported only when a command asks for them ------------------

def _spot_simulator() -> type:
    from hummingbot_conn.sim import SimulatedExchange

    return SimulatedExchange


def _spot_symbols() -> List[Any]:
    from hummingbot_conn.sim import default_symbols

    return list(default_symbols())


def _perp_simulator() -> type:
    from hummingbot_conn.sim.futures import SimulatedFuturesExchange

    return SimulatedFuturesExchange


def _perp_symbols() -> List[Any]:
    from hummingbot_conn.sim.futures import default_futures_symbols

    return list(default_futures_symbols())


def _spot_connector(api_key: str, secret: str, pairs: Sequence[str], endpoints: Any) -> Any:
    from hummingbot_conn.exchanges.binance.binance_exchange import BinanceExchange

    return BinanceExchange(binance_api_key=api_key, binance_api_secret=secret, trading_pairs=list(pairs),
                           domain=endpoints)


def _spot_balances(sim: Any, api_key: str) -> Dict[str, Tuple[Any, Any]]:
    account = sim.account(api_key)
    return {a: (b.free + b.locked, b.free) for a, b in account.balances.items()}


def _kraken_simulator() -> type:
    from hummingbot_conn.sim.kraken import KrakenSimulatedExchange

    return KrakenSimulatedExchange


def _kraken_symbols() -> List[Any]:
    from hummingbot_conn.sim.kraken import default_pairs

    return list(default_pairs())


def _kraken_connector(api_key: str, secret: str, pairs: Sequence[str], endpoints: Any) -> Any:
    from hummingbot_conn.exchanges.kraken import KrakenExchange

    # the simulator's keys are of its default tier, intermediate (sim/kraken): its rate limits
    return KrakenExchange(kraken_api_key=api_key, kraken_api_secret=secret, trading_pairs=list(pairs),
                          domain=endpoints, api_tier="intermediate")


def _kraken_balances(sim: Any, api_key: str) -> Dict[str, Tuple[Any, Any]]:
    account = sim.accounts.by_key(api_key)
    return {asset: (total, account.available(asset)) for asset, total in account.balance.items()}


def _kraken_formats(info: Mapping[str, Any]) -> Dict[str, PairFormat]:
    pairs = KrakenPairs(info.get("result") or {})
    return {p.ws_symbol: PairFormat.from_increments(p.tick_size, p.trading_rule().min_base_amount_increment)
            for p in pairs.by_pair.values()}


VENUES: Dict[str, Venue] = {
    "binance": Venue(
        "binance", "Binance spot", ("book", "demo", "sim", "feed"),
        "https://api.binance.com", "wss://stream.binance.com:9443",
        SPOT.EXCHANGE_INFO_PATH_URL,
        endpoints=lambda rest, stream: SPOT.BinanceEndpoints(rest=rest, stream=stream, ws_api=stream),
        local=SPOT.BinanceEndpoints.local,
        factory=lambda: spot_web.build_api_factory_without_time_synchronizer_pre_processor(
            spot_web.create_throttler()),
        symbol_map=symbol_map_from_exchange_info,
        data_source=lambda pairs, endpoints, factory, symbols: BinanceAPIOrderBookDataSource(
            pairs, domain=endpoints, api_factory=factory, symbol_map=symbols),
        depth_stream_url=lambda endpoints: endpoints.stream_url(),
        simulator_class=_spot_simulator, simulator_symbols=_spot_symbols,
        connector=_spot_connector, account_balances=_spot_balances, demo_pairs=("BTC-USDT", "ETH-BTC")),
    "binance_perpetual": Venue(
        "binance_perpetual", "Binance USDⓈ-M perpetuals", ("book", "sim", "feed"),
        "https://fapi.binance.com", "wss://fstream.binance.com",
        PERP.EXCHANGE_INFO_URL,
        endpoints=lambda rest, stream: PERP.BinancePerpetualEndpoints(rest=rest, stream=stream),
        local=PERP.BinancePerpetualEndpoints.local,
        factory=lambda: perp_web.build_api_factory_without_time_synchronizer_pre_processor(
            perp_web.create_throttler()),
        symbol_map=perp_utils.symbol_map_from_exchange_info,
        data_source=lambda pairs, endpoints, factory, symbols: BinancePerpetualAPIOrderBookDataSource(
            pairs, domain=endpoints, api_factory=factory, symbol_map=symbols),
        depth_stream_url=lambda endpoints: endpoints.public_ws_url(),
        simulator_class=_perp_simulator, simulator_symbols=_perp_symbols),
    "kraken": Venue(
        "kraken", "Kraken spot", ("book", "demo", "sim", "feed"),
        "https://api.kraken.com", "wss://ws.kraken.com/v2",
        KRAKEN.ASSET_PAIRS_PATH_URL,
        # hbconn book reads the public stream only: the private URL is the public one
        endpoints=lambda rest, stream: KrakenEndpoints(rest=rest, ws_public=stream, ws_private=stream),
        local=KrakenEndpoints.local,
        factory=kraken_factory,
        symbol_map=lambda info: KrakenPairs(info.get("result") or {}).symbol_map(),
        data_source=lambda pairs, endpoints, factory, symbols: KrakenAPIOrderBookDataSource(
            pairs, domain=endpoints, api_factory=factory),
        depth_stream_url=lambda endpoints: endpoints.ws_public,
        simulator_class=_kraken_simulator, simulator_symbols=_kraken_symbols,
        connector=_kraken_connector, formats=_kraken_formats, account_balances=_kraken_balances,
        demo_faults=("drop_diff", "corrupt_checksum", "close_user_sockets"), demo_pairs=("BTC-USD", "ETH-USD"),
        info_field="result"),
}


def venues_for(command: str) -> List[str]:
    """The names of the venues ``hbconn COMMAND --venue`` takes, in :data:`VENUES` order."""
    return [name for name, venue in VENUES.items() if command in venue.commands]


def _either(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _both(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def venue_named(text: str, command: str) -> Venue:
    """The venue ``hbconn COMMAND --venue TEXT`` names (``binance-perpetual`` reads as ``binance_perpetual``).

    Raises ``ValueError``, one sentence naming the venues ``command`` takes, for an unknown name or a venue
    ``command`` does not take.
    """
    takes = venues_for(command)
    venue = VENUES.get(text.strip().lower().replace("-", "_"))
    if venue is None:
        raise ValueError(f"unknown venue {text!r}; choose {_either(takes)}")
    if command not in venue.commands:
        others = _both([f"hbconn {c}" for c in venue.commands])
        raise ValueError(f"hbconn {command} takes {_either(takes)} only; {venue.name} ({venue.title}) "
                         f"works with {others}")
    return venue
