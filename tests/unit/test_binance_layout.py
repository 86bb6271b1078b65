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


def _module(name):
    return importlib.import_module(f"hummingbot_conn.exchanges.{name}")


@pytest.mark.parametrize("path", sorted(THIN))
def test_hummingbots_paths_are_thin_re_exports_of_the_layout(path):
    """Each holds imports, ``__all__`` and aliases only, and every name it offers is the layout's own object."""
    source = (EXCHANGES / (path.replace(".", "/") + ".py")).read_text()
    for node in ast.parse(source).body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue                                                  # the docstring
        if isinstance(node, ast.ImportFrom):
            assert node.module == f"hummingbot_conn.exchanges.{THIN[path]}", path
            continue
        assert isinstance(node, ast.Assign) and len(node.targets) == 1, f"{path}: {ast.unparse(node)}"
        target = node.targets[0]
        assert isinstance(target, ast.Name) and (target.id == "__all__" or isinstance(node.value, ast.Name)), \
            f"{path}: {ast.unparse(node)}"
    thin, layout = _module(path), _module(THIN[path])
    assert thin.__all__
    layout_objects = [value for key, value in vars(layout).items() if not key.startswith("_")]
    for name in thin.__all__:
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
