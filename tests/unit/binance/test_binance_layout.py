"""The Binance layout (docs/architecture.md, "One layout per venue"): ``binance/_common`` shared by
``spot`` and ``usdm``, one constants naming scheme, hummingbot's module paths as thin re-exports, and
the one rule for which symbol serves a trading pair (``binance/_common/symbols.py``)."""
import ast
import importlib
from pathlib import Path

import pytest

from hummingbot_conn.exchanges.binance._common import constants as COMMON
from hummingbot_conn.exchanges.binance._common.symbols import symbol_pairs_from_exchange_info
from hummingbot_conn.exchanges.binance.spot import constants as SPOT, utils as spot_utils
from hummingbot_conn.exchanges.binance.usdm import constants as USDM, utils as usdm_utils

EXCHANGES = Path(importlib.import_module("hummingbot_conn.exchanges").__file__).parent

# hummingbot's module path -> the module of the layout it re-exports
THIN = {
    "binance.binance_auth": "binance._common.auth",
    "binance.binance_constants": "binance.spot.constants",
    "binance.binance_web_utils": "binance.spot.web_utils",
    "binance.binance_utils": "binance.spot.utils",
    "binance.binance_order_book": "binance.spot.order_book",
    "binance.binance_api_order_book_data_source": "binance.spot.order_book_data_source",
    "binance.binance_api_user_stream_data_source": "binance.spot.user_stream_data_source",
    "binance.binance_user_events": "binance.spot.user_events",
    "binance.binance_exchange": "binance.spot.exchange",
    "binance_perpetual.binance_perpetual_auth": "binance.usdm.auth",
    "binance_perpetual.binance_perpetual_constants": "binance.usdm.constants",
    "binance_perpetual.binance_perpetual_web_utils": "binance.usdm.web_utils",
    "binance_perpetual.binance_perpetual_utils": "binance.usdm.utils",
    "binance_perpetual.binance_perpetual_api_order_book_data_source": "binance.usdm.order_book_data_source",
    "binance_perpetual.binance_perpetual_user_stream_data_source": "binance.usdm.user_stream_data_source",
    "binance_perpetual.binance_perpetual_user_events": "binance.usdm.user_events",
    "binance_perpetual.binance_perpetual_derivative": "binance.usdm.derivative",
}

# every public name each of hummingbot's paths defined before the layout (none may go missing)
ORIGINAL_NAMES = {
    "binance.binance_api_order_book_data_source": (
        "MAX_STREAMS_PER_CONNECTION STREAMS_PER_PAIR DEFAULT_PAIRS_PER_CONNECTION DEFAULT_SNAPSHOT_LIMIT "
        "SYMBOL_MAP_REFRESH_S SymbolMapSource symbol_map_from_exchange_info BinanceAPIOrderBookDataSource"
    ).split(),
    "binance.binance_api_user_stream_data_source": (
        "BinanceAPIUserStreamDataSource"
    ).split(),
    "binance.binance_auth": (
        "API_KEY_HEADER BinanceAuth"
    ).split(),
    "binance.binance_constants": (
        "DEFAULT_DOMAIN HBOT_ORDER_ID_PREFIX MAX_ORDER_ID_LEN REST_URL_FORMAT WSS_URL_FORMAT "
        "WSS_COMBINED_URL_FORMAT WSS_API_URL_FORMAT PUBLIC_API_VERSION PRIVATE_API_VERSION BinanceEndpoints "
        "DOMAINS TICKER_PRICE_CHANGE_PATH_URL TICKER_BOOK_PATH_URL PRICES_PATH_URL EXCHANGE_INFO_PATH_URL "
        "PING_PATH_URL SNAPSHOT_PATH_URL SERVER_TIME_PATH_URL ACCOUNTS_PATH_URL MY_TRADES_PATH_URL "
        "ORDER_PATH_URL ORDER_STATUS_LIMIT_ID CANCEL_ORDER_LIMIT_ID OPEN_ORDERS_PATH_URL "
        "WS_USER_STREAM_SUBSCRIBE_METHOD WS_USER_STREAM_UNSUBSCRIBE_METHOD WS_HEARTBEAT_TIME_INTERVAL "
        "AUTH_ERROR_CODES WS_MESSAGE_TIMEOUT SIDE_BUY SIDE_SELL TIME_IN_FORCE_GTC TIME_IN_FORCE_IOC TIME_IN_FORCE_FOK "
        "DEFAULT_RECV_WINDOW_MS REQUEST_WEIGHT ORDERS ORDERS_24HR RAW_REQUESTS WS_CONNECTIONS ONE_SECOND "
        "ONE_MINUTE ONE_DAY MAX_REQUEST POOLS ENDPOINT_PRIORITIES SNAPSHOT_WEIGHT_TIERS snapshot_limit_id "
        "ENDPOINT_WEIGHTS RATE_LIMITS USED_WEIGHT_HEADERS TOO_MANY_REQUESTS_ERROR_CODE "
        "TOO_MANY_ORDERS_ERROR_CODE TIMESTAMP_ERROR_CODE INVALID_SIGNATURE_ERROR_CODE "
        "ORDER_NOT_EXIST_ERROR_CODE ORDER_NOT_EXIST_MESSAGE UNKNOWN_ORDER_ERROR_CODE UNKNOWN_ORDER_MESSAGE "
        "OUTCOME_UNKNOWN_ERROR_CODES PAUSE_SCOPES ORDER_STATE_NAMES DIFF_EVENT_TYPE TRADE_EVENT_TYPE"
    ).split(),
    "binance.binance_exchange": (
        "BinanceExchange"
    ).split(),
    "binance.binance_order_book": (
        "BinanceOrderBook"
    ).split(),
    "binance_perpetual.binance_perpetual_api_order_book_data_source": (
        "MAX_STREAMS_PER_CONNECTION DEFAULT_PAIRS_PER_CONNECTION SymbolMapSource "
        "BinancePerpetualAPIOrderBookDataSource"
    ).split(),
    "binance_perpetual.binance_perpetual_auth": (
        "BinancePerpetualAuth"
    ).split(),
    "binance_perpetual.binance_perpetual_constants": (
        "AUTH_ERROR_CODES EXCHANGE_NAME DOMAIN TESTNET_DOMAIN BROKER_ID MAX_ORDER_ID_LEN "
        "BinancePerpetualEndpoints DOMAINS "
        "PING_URL SERVER_TIME_PATH_URL EXCHANGE_INFO_URL SNAPSHOT_REST_URL TICKER_PRICE_CHANGE_URL "
        "MARK_PRICE_URL ORDER_URL OPEN_ORDERS_URL CANCEL_ALL_OPEN_ORDERS_URL ACCOUNT_TRADE_LIST_URL "
        "SET_LEVERAGE_URL MAX_LEVERAGE GET_INCOME_HISTORY_URL FUNDING_RATE_URL CHANGE_POSITION_MODE_URL "
        "ACCOUNT_INFO_URL POSITION_INFORMATION_URL BINANCE_USER_STREAM_ENDPOINT POST_ORDER_LIMIT_ID "
        "GET_ORDER_LIMIT_ID DELETE_ORDER_LIMIT_ID POST_POSITION_MODE_LIMIT_ID GET_POSITION_MODE_LIMIT_ID "
        "TIME_IN_FORCE_GTC TIME_IN_FORCE_GTX TIME_IN_FORCE_IOC TIME_IN_FORCE_FOK SNAPSHOT_LIMIT "
        "FUNDING_SETTLEMENT_DURATION LISTEN_KEY_KEEP_ALIVE_INTERVAL WS_HEARTBEAT_TIME_INTERVAL "
        "WS_MESSAGE_TIMEOUT REQUEST_WEIGHT ORDERS_1MIN ORDERS_10SEC FUNDING_RATE_5MIN ONE_MINUTE MAX_REQUEST "
        "POOLS ENDPOINT_WEIGHTS ENDPOINT_PRIORITIES RATE_LIMITS USED_WEIGHT_HEADERS "
        "TOO_MANY_REQUESTS_ERROR_CODE TOO_MANY_ORDERS_ERROR_CODE TIMESTAMP_ERROR_CODE "
        "LISTEN_KEY_NOT_EXIST_ERROR_CODE UNKNOWN_ORDER_ERROR_CODE ORDER_NOT_EXIST_ERROR_CODE "
        "NO_NEED_TO_CHANGE_POSITION_SIDE_CODE OUTCOME_UNKNOWN_ERROR_CODES PAUSE_SCOPES ORDER_STATE_NAMES "
        "DIFF_EVENT_TYPE MARK_PRICE_EVENT_TYPE AGG_TRADE_EVENT_TYPE"
    ).split(),
    "binance_perpetual.binance_perpetual_derivative": (
        "BinancePerpetualDerivative"
    ).split(),
    "binance_perpetual.binance_perpetual_user_events": (
        "check_order_trade_update check_account_update check_account_config_update "
        "BinancePerpetualUserEventHandler"
    ).split(),
    "binance_perpetual.binance_perpetual_user_stream_data_source": (
        "BinancePerpetualUserStreamDataSource"
    ).split(),
    "binance_perpetual.binance_perpetual_utils": (
        "DEFAULT_FEES ORDER_STATE finite_decimal trading_pair_of trading_rule_from_symbol_info "
        "known_position_action position_action_of fill_fee order_update_from_order order_update_from_event "
        "trade_update_from_event trade_update_from_user_trade position_side_of income_row_id "
        "funding_payment_of"
    ).split(),
    "binance_perpetual.binance_perpetual_web_utils": (
        "is_auth_error Domain endpoints public_rest_url private_rest_url create_throttler is_time_synchronizer_error "
        "is_exchange_information_valid build_api_factory get_current_server_time"
    ).split(),
    "binance.binance_user_events": (
        "check_execution_report check_account_position check_balance_update BinanceUserEventHandler"
    ).split(),
    "binance.binance_utils": (
        "CENTRALIZED EXAMPLE_PAIR DEFAULT_FEES ORDER_STATE finite_decimal is_exchange_information_valid "
        "trading_pair_of trading_rule_from_symbol_info fill_fee order_update_from_order_status "
        "order_update_from_execution_report trade_update_from_execution_report trade_update_from_my_trade "
        "trade_updates_from_order_response"
    ).split(),
    "binance.binance_web_utils": (
        "is_auth_error Domain endpoints public_rest_url private_rest_url wss_url wss_api_url create_throttler "
        "is_time_synchronizer_error build_api_factory_without_time_synchronizer_pre_processor "
        "build_api_factory get_current_server_time"
    ).split(),
}


def _module(name):
    return importlib.import_module(f"hummingbot_conn.exchanges.{name}")


@pytest.mark.parametrize("path", sorted(THIN))
def test_hummingbots_paths_are_thin_re_exports_of_the_layout(path):
    """Each holds imports of its layout module and aliases only; it offers every name it had before
    the layout, each the layout's own object."""
    source = (EXCHANGES / (path.replace(".", "/") + ".py")).read_text()
    for node in ast.parse(source).body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue                                                  # the docstring
        if isinstance(node, ast.ImportFrom):
            assert node.module == f"hummingbot_conn.exchanges.{THIN[path]}", path
            continue
        assert isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
            and isinstance(node.value, ast.Name), f"{path}: {ast.unparse(node)}"
    thin, layout = _module(path), _module(THIN[path])
    layout_objects = [value for key, value in vars(layout).items() if not key.startswith("_")]
    missing = [name for name in ORIGINAL_NAMES[path] if not hasattr(thin, name)]
    assert missing == [], f"{path} lost {missing}"
    for name in ORIGINAL_NAMES[path]:
        assert any(getattr(thin, name) is value for value in layout_objects), f"{path}.{name}"


def test_both_venues_define_every_constant_the_shared_code_reads():
    for constants in (SPOT, USDM):
        missing = [name for name in COMMON.VENUE_CONSTANTS if not hasattr(constants, name)]
        assert missing == [], f"{constants.__name__} lacks {missing}"


def test_a_fact_both_venues_share_is_one_name_and_one_value():
    shared = [name for name in vars(COMMON) if name.isupper() and name != "VENUE_CONSTANTS"]
    assert {"TIMESTAMP_ERROR_CODE", "AUTH_ERROR_CODES", "TIME_IN_FORCE_GTC", "MAX_ORDER_ID_LEN"} <= set(shared)
    for name in shared:
        assert getattr(SPOT, name) is getattr(COMMON, name) is getattr(USDM, name), name
    hummingbot_usdm = _module("binance_perpetual.binance_perpetual_constants")
    assert (hummingbot_usdm.EXCHANGE_INFO_URL, hummingbot_usdm.ORDER_URL, hummingbot_usdm.BROKER_ID) == (
        USDM.EXCHANGE_INFO_PATH_URL, USDM.ORDER_PATH_URL, USDM.HBOT_ORDER_ID_PREFIX)
    hummingbot_spot = _module("binance.binance_constants")
    assert (hummingbot_spot.ORDER_STATUS_LIMIT_ID, hummingbot_spot.CANCEL_ORDER_LIMIT_ID) == (
        SPOT.GET_ORDER_LIMIT_ID, SPOT.DELETE_ORDER_LIMIT_ID)


def _info(*symbols):
    return {"symbols": [{"symbol": s, "baseAsset": b, "quoteAsset": q, "ok": ok} for s, b, q, ok in symbols]}


def _ok(info):
    return info["ok"]


@pytest.mark.parametrize("symbols, expected", [
    # the symbol spelled BASE + QUOTE serves the pair, wherever it stands
    ([("BTCUSDT_X", "BTC", "USDT", True), ("BTCUSDT", "BTC", "USDT", True)], [("BTCUSDT", "BTC-USDT")]),
    ([("BTCUSDT", "BTC", "USDT", True), ("BTCUSDT_X", "BTC", "USDT", True)], [("BTCUSDT", "BTC-USDT")]),
    # none is: the first in exchangeInfo order
    ([("SOL_B", "SOL", "USDT", True), ("SOL_A", "SOL", "USDT", True)], [("SOL_B", "SOL-USDT")]),
    # a symbol the filter refuses never wins, even spelled BASE + QUOTE
    ([("ETH_X", "ETH", "USDT", True), ("ETHUSDT", "ETH", "USDT", False)], [("ETH_X", "ETH-USDT")]),
    # an entry without text names is left out; the others keep their map
    ([("BAD", None, "USDT", True), ("ADAUSDT", "ADA", "USDT", True)], [("ADAUSDT", "ADA-USDT")]),
])
def test_which_symbol_serves_a_pair(symbols, expected):
    assert symbol_pairs_from_exchange_info(_info(*symbols), _ok) == expected


@pytest.mark.parametrize("answer", [{}, {"symbols": None}, {"symbols": "BTCUSDT"}, [], "exchangeInfo"])
def test_an_exchange_info_without_a_symbols_list_is_an_error_not_an_empty_map(answer):
    with pytest.raises(ValueError, match="symbols list"):
        symbol_pairs_from_exchange_info(answer, _ok)


@pytest.mark.parametrize("fields, tradable", [
    ({"permissionSets": [["SPOT", "MARGIN"]], "permissions": []}, True),
    ({"permissionSets": [["TRD_GRP_004"]], "permissions": ["SPOT"]}, True),       # the older field says so
    ({"permissions": ["SPOT"]}, True),                                            # Binance.US
    ({"permissionSets": [["MARGIN"]], "permissions": []}, False),
    ({}, False),                                                                  # states no permission
    ({"permissionSets": ["SPOT"], "permissions": "SPOT"}, False),                 # not lists of names
])
def test_one_test_of_a_tradable_spot_symbol(fields, tradable):
    info = {"symbol": "BTCUSDT", "status": "TRADING", "baseAsset": "BTC", "quoteAsset": "USDT", **fields}
    assert spot_utils.is_exchange_information_valid(info) is tradable
    assert spot_utils.symbol_map_from_exchange_info({"symbols": [info]}) == ({"BTCUSDT": "BTC-USDT"} if tradable
                                                                             else {})
    assert not spot_utils.is_exchange_information_valid({**info, "status": "BREAK"})


def test_one_test_of_a_tradable_perpetual():
    info = {"symbol": "BTCUSDT", "status": "TRADING", "baseAsset": "BTC", "quoteAsset": "USDT"}
    assert usdm_utils.is_exchange_information_valid({**info, "contractType": "PERPETUAL"})
    assert usdm_utils.is_exchange_information_valid({**info, "contractType": "TRADIFI_PERPETUAL"})
    assert not usdm_utils.is_exchange_information_valid({**info, "contractType": "CURRENT_QUARTER"})
    assert not usdm_utils.is_exchange_information_valid({**info, "contractType": "PERPETUAL", "status": "SETTLING"})
