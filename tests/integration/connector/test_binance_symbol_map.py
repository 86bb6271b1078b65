"""One symbol map for both Binance venues: the same symbols, the same winner of a shared pair, the same
reload rule, in the connectors and in their order book data sources (``binance/_common/symbols.py``).

exchangeInfo is served over real HTTP on 127.0.0.1 by a small server whose symbol list the test edits
(a listing after start); the connectors and data sources use their real web stacks.  Staleness is read
from injected clocks (``SYMBOL_MAP_REFRESH_S``), never from the wall clock.
"""
from decimal import Decimal

import pytest
from aiohttp import web

from hummingbot_conn.exchanges.binance._common.symbols import SYMBOL_MAP_REFRESH_S
from hummingbot_conn.exchanges.binance.binance_api_order_book_data_source import BinanceAPIOrderBookDataSource
from hummingbot_conn.exchanges.binance.binance_constants import BinanceEndpoints
from hummingbot_conn.exchanges.binance.binance_exchange import BinanceExchange
from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_api_order_book_data_source import (
    BinancePerpetualAPIOrderBookDataSource,
)
from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_constants import BinancePerpetualEndpoints
from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_derivative import BinancePerpetualDerivative
from hummingbot_conn.tracking.order_book_tracker_data_source import UnknownTradingPairError

KEY, SECRET = "k" * 64, "s" * 64
TICK = "0.01"             # the price increment of every symbol that serves its pair
OTHER_TICK = "0.5"        # ... and of a symbol that loses its pair to another


def filters(tick=TICK):
    return [{"filterType": "PRICE_FILTER", "minPrice": "0.01", "maxPrice": "1000000", "tickSize": tick},
            {"filterType": "LOT_SIZE", "minQty": "0.001", "maxQty": "1000", "stepSize": "0.001"}]


def spot(symbol, base, quote, status="TRADING", tick=TICK, **fields):
    info = {"symbol": symbol, "status": status, "baseAsset": base, "quoteAsset": quote, "filters": filters(tick),
            "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET"], "permissionSets": [["SPOT"]], "permissions": []}
    info.update(fields)
    return info


def perp(symbol, base, quote, contract="PERPETUAL", status="TRADING", tick=TICK):
    return {"symbol": symbol, "pair": base + quote, "contractType": contract, "status": status, "baseAsset": base,
            "quoteAsset": quote, "marginAsset": quote, "filters": filters(tick)}


class ExchangeInfoServer:
    """``GET exchangeInfo`` (``symbols``: the test's list, read at each request) and ``GET time``."""

    def __init__(self, symbols):
        self.symbols = list(symbols)
        self.requests = 0
        self.failing = False        # answer 500 (a failed reload)

    async def exchange_info(self, request):
        self.requests += 1
        if self.failing:
            return web.json_response({"code": -1000, "msg": "An unknown error occurred"}, status=500)
        if self.symbols is None:
            return web.json_response({"timezone": "UTC"})       # an answer without symbols
        return web.json_response({"timezone": "UTC", "symbols": self.symbols})

    async def time(self, request):
        return web.json_response({"serverTime": 1_700_000_000_000})


@pytest.fixture
async def venue():
    """(server, spot endpoints, perpetual endpoints): one server answers both venues' paths."""
    server = ExchangeInfoServer([])
    app = web.Application()
    app.router.add_get("/api/v3/exchangeInfo", server.exchange_info)
    app.router.add_get("/fapi/v1/exchangeInfo", server.exchange_info)
    app.router.add_get("/api/v3/time", server.time)
    app.router.add_get("/fapi/v1/time", server.time)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host = f"127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield server, BinanceEndpoints.local(host), BinancePerpetualEndpoints.local(host)
    finally:
        await runner.cleanup()


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


VENUES = {
    "spot": (lambda key, secret, pairs, domain, **kw: BinanceExchange(key, secret, trading_pairs=pairs, domain=domain,
                                                                    **kw),
             BinanceAPIOrderBookDataSource, spot, 1),
    "usdm": (lambda key, secret, pairs, domain, **kw: BinancePerpetualDerivative(key, secret, trading_pairs=pairs,
                                                                               domain=domain, **kw),
             BinancePerpetualAPIOrderBookDataSource, perp, 2),
}


def _domain(venue, name):
    return venue[VENUES[name][3]]


async def _closed(*parts):
    for part in parts:
        await part.close()


# ---- which symbols, and which symbol wins a pair: the connector and its data sources agree ------------------

SPOT_SYMBOLS = [
    spot("BTCUSDT", "BTC", "USDT"),
    spot("OLDUSDT", "OLD", "USDT", permissionSets=[], permissions=["SPOT"]),          # the older field only
    spot("GRPUSDT", "GRP", "USDT", permissionSets=[["TRD_GRP_004"]], permissions=["SPOT"]),
    spot("MRGUSDT", "MRG", "USDT", permissionSets=[["MARGIN"]]),                       # not spot
    spot("BARE", "BAR", "USDT", permissionSets=None, permissions=None),                # states no permission
    spot("HLTUSDT", "HLT", "USDT", status="HALT"),
    spot("ETHUSDT", "ETH", "USDT"),
    spot("ETHUSDT2", "ETH", "USDT", tick=OTHER_TICK),                                  # a second ETH-USDT
]
PERP_SYMBOLS = [
    perp("BTCUSDT", "BTC", "USDT"),
    perp("BTCUSDT_260626", "BTC", "USDT", contract="CURRENT_QUARTER"),                 # delivery: never
    perp("XAUUSDT", "XAU", "USDT", contract="TRADIFI_PERPETUAL"),
    perp("ETHUSDT_X", "ETH", "USDT", contract="TRADIFI_PERPETUAL", tick=OTHER_TICK),   # listed first ...
    perp("ETHUSDT", "ETH", "USDT"),                                                    # ... BASEQUOTE wins
    perp("SOLUSDT_A", "SOL", "USDT"),                                                  # no BASEQUOTE: first wins
    perp("SOLUSDT_B", "SOL", "USDT", tick=OTHER_TICK),
    perp("DOGEUSDT", "DOGE", "USDT", status="SETTLING"),
]
EXPECTED = {
    "spot": {"BTCUSDT": "BTC-USDT", "OLDUSDT": "OLD-USDT", "GRPUSDT": "GRP-USDT", "ETHUSDT": "ETH-USDT"},
    "usdm": {"BTCUSDT": "BTC-USDT", "XAUUSDT": "XAU-USDT", "ETHUSDT": "ETH-USDT", "SOLUSDT_A": "SOL-USDT"},
}


@pytest.mark.parametrize("name", ["spot", "usdm"])
async def test_the_connector_and_a_standalone_data_source_build_the_same_map(venue, name):
    server, make, source_class, _, _ = (venue[0], *VENUES[name])
    server.symbols = SPOT_SYMBOLS if name == "spot" else PERP_SYMBOLS
    connector = make(KEY, SECRET, ["BTC-USDT"], _domain(venue, name), trading_required=False)
    source = source_class(["BTC-USDT"], domain=_domain(venue, name))
    try:
        assert await connector.trading_pair_symbol_map() == EXPECTED[name]
        assert await source.trading_pair_symbol_map() == EXPECTED[name]
        for symbol, pair in EXPECTED[name].items():
            assert await connector.exchange_symbol_associated_to_pair(pair) == symbol
            assert await source.exchange_symbol_associated_to_pair(pair) == symbol
            assert await source.trading_pair_associated_to_exchange_symbol(symbol) == pair
        rules = await connector._format_trading_rules({"symbols": server.symbols})
        assert sorted(rule.trading_pair for rule in rules) == sorted(EXPECTED[name].values())
        # each pair's rule is read from the symbol that serves it, never from the one it won over
        assert {rule.min_price_increment for rule in rules} == {Decimal(TICK)}
    finally:
        await _closed(source, connector._web_assistants_factory)


# ---- a pair listed after start becomes known, on one reload rule ----------------------------------------

@pytest.mark.parametrize("name", ["spot", "usdm"])
async def test_a_standalone_data_source_learns_a_pair_listed_after_start(venue, name):
    server, _, source_class, symbol_info, _ = (venue[0], *VENUES[name])
    server.symbols = [symbol_info("BTCUSDT", "BTC", "USDT")]
    clock = Clock()
    source = source_class(["BTC-USDT"], domain=_domain(venue, name), clock=clock)
    try:
        assert await source.exchange_symbol_associated_to_pair("BTC-USDT") == "BTCUSDT"
        server.symbols.append(symbol_info("NEWUSDT", "NEW", "USDT"))
        with pytest.raises(UnknownTradingPairError):          # the map is fresh: no reload yet
            await source.exchange_symbol_associated_to_pair("NEW-USDT")
        assert server.requests == 1
        clock.now += SYMBOL_MAP_REFRESH_S
        assert await source.exchange_symbol_associated_to_pair("NEW-USDT") == "NEWUSDT"
        assert await source.check_trading_pairs(["NEW-USDT", "BTC-USDT"]) == {}
        assert server.requests == 2
        errors = await source.check_trading_pairs(["ZZZ-USDT"])      # fresh again: costs nothing
        assert list(errors) == ["ZZZ-USDT"] and server.requests == 2
    finally:
        await source.close()


@pytest.mark.parametrize("name", ["spot", "usdm"])
async def test_the_connector_learns_a_pair_listed_after_start_with_its_rules(venue, name):
    server, make, _, symbol_info, _ = (venue[0], *VENUES[name])
    server.symbols = [symbol_info("BTCUSDT", "BTC", "USDT")]
    clock = Clock()
    connector = make(KEY, SECRET, ["BTC-USDT"], _domain(venue, name), trading_required=False, clock=clock)
    try:
        assert await connector.exchange_symbol_associated_to_pair("BTC-USDT") == "BTCUSDT"
        server.symbols.append(symbol_info("NEWUSDT", "NEW", "USDT"))
        with pytest.raises(KeyError, match="NEW-USDT"):
            await connector.exchange_symbol_associated_to_pair("NEW-USDT")
        with pytest.raises(KeyError, match="NEWUSDT"):
            await connector.trading_pair_associated_to_exchange_symbol("NEWUSDT")
        assert server.requests == 1
        clock.now += SYMBOL_MAP_REFRESH_S
        assert await connector.exchange_symbol_associated_to_pair("NEW-USDT") == "NEWUSDT"
        assert "NEW-USDT" in connector.trading_rules             # loaded with the symbols: tradable at once
        assert await connector.trading_pair_associated_to_exchange_symbol("NEWUSDT") == "NEW-USDT"
        with pytest.raises(KeyError):
            await connector.exchange_symbol_associated_to_pair("ZZZ-USDT")
        assert server.requests == 2                               # one reload per interval, whatever misses
    finally:
        await connector._web_assistants_factory.close()


@pytest.mark.parametrize("name", ["spot", "usdm"])
async def test_the_connectors_data_source_learns_a_new_listing_through_the_connector(venue, name):
    server, make, _, symbol_info, _ = (venue[0], *VENUES[name])
    server.symbols = [symbol_info("BTCUSDT", "BTC", "USDT")]
    connector_clock, source_clock = Clock(), Clock(50.0)
    connector = make(KEY, SECRET, ["BTC-USDT"], _domain(venue, name), trading_required=False, clock=connector_clock)
    source = connector._create_order_book_data_source()          # as the connector builds it
    source._clock = source_clock
    try:
        assert await source.exchange_symbol_associated_to_pair("BTC-USDT") == "BTCUSDT"
        assert server.requests == 1                               # the connector's map, fetched once
        server.symbols.append(symbol_info("NEWUSDT", "NEW", "USDT"))
        connector_clock.now += SYMBOL_MAP_REFRESH_S
        source_clock.now += SYMBOL_MAP_REFRESH_S
        assert await source.exchange_symbol_associated_to_pair("NEW-USDT") == "NEWUSDT"
        assert await connector.exchange_symbol_associated_to_pair("NEW-USDT") == "NEWUSDT"
        assert server.requests == 2                               # one reload served both
    finally:
        await _closed(source, connector._web_assistants_factory)


@pytest.mark.parametrize("failure", ["http 500", "no symbols list"])
async def test_a_failed_reload_keeps_the_map_and_the_rules(venue, failure):
    server, _, _ = venue
    server.symbols = [spot("BTCUSDT", "BTC", "USDT")]
    clock = Clock()
    connector = BinanceExchange(KEY, SECRET, trading_pairs=["BTC-USDT"], domain=venue[1], trading_required=False,
                                clock=clock)
    try:
        assert await connector.exchange_symbol_associated_to_pair("BTC-USDT") == "BTCUSDT"
        await connector._update_trading_rules()
        if failure == "http 500":
            server.failing = True
        else:
            server.symbols = "not a list"
        clock.now += SYMBOL_MAP_REFRESH_S
        with pytest.raises(KeyError, match="NEW-USDT"):
            await connector.exchange_symbol_associated_to_pair("NEW-USDT")
        assert await connector.exchange_symbol_associated_to_pair("BTC-USDT") == "BTCUSDT"
        assert list(connector.trading_rules) == ["BTC-USDT"]
    finally:
        await connector._web_assistants_factory.close()


@pytest.mark.parametrize("name", ["spot", "usdm"])
@pytest.mark.parametrize("symbols", [None, "BTCUSDT"])
async def test_an_exchange_info_without_a_symbols_list_never_empties_the_rules_or_the_map(venue, name, symbols):
    server, make, _, symbol_info, _ = (venue[0], *VENUES[name])
    server.symbols = [symbol_info("BTCUSDT", "BTC", "USDT")]
    connector = make(KEY, SECRET, ["BTC-USDT"], _domain(venue, name), trading_required=False)
    try:
        await connector._update_trading_rules()                  # what the rules loop runs
        server.symbols = symbols
        with pytest.raises(ValueError, match="symbols list"):
            await connector._update_trading_rules()
        assert list(connector.trading_rules) == ["BTC-USDT"]
        assert await connector.trading_pair_symbol_map() == {"BTCUSDT": "BTC-USDT"}
    finally:
        await connector._web_assistants_factory.close()
