"""python-binance's ``Client`` (REST, in a thread) and ``BinanceSocketManager`` (streams) against the
USDⓈ-M simulator, pointed at it by its URL attributes (``FUTURES_URL``, ``FSTREAM_URL``).

Scope limit (docs/binance_usdm_futures.md section 11): python-binance sends the
conditional order types to Binance's algo-order endpoint, which the simulator
does not serve, so this session places LIMIT and MARKET orders only.
"""
from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from .conftest import WALLET, wait_for

binance_client = pytest.importorskip("binance.client", reason="python-binance is in the test extra")
binance_async = pytest.importorskip("binance.async_client", reason="python-binance is in the test extra")
binance_streams = pytest.importorskip("binance.ws.streams", reason="python-binance is in the test extra")
binance_exceptions = pytest.importorskip("binance.exceptions", reason="python-binance is in the test extra")


async def test_python_binance_session(venue):
    sim, key, secret = venue
    client = binance_client.Client(key, secret, ping=False)
    client.FUTURES_URL = f"{sim.rest_url}/fapi"

    def session() -> dict:
        out = {"time": client.futures_time(), "info": client.futures_exchange_info()}
        out["depth"] = client.futures_order_book(symbol="BTCUSDT", limit=5)
        out["ticker"] = client.futures_ticker(symbol="BTCUSDT")
        out["price"] = client.futures_symbol_ticker(symbol="BTCUSDT")
        out["book_ticker"] = client.futures_orderbook_ticker(symbol="BTCUSDT")
        out["mark"] = client.futures_mark_price(symbol="BTCUSDT")
        out["funding"] = client.futures_funding_rate(symbol="BTCUSDT")
        out["klines"] = client.futures_klines(symbol="BTCUSDT", interval="1m")
        out["balance"] = client.futures_account_balance()
        out["account"] = client.futures_account()
        out["leverage"] = client.futures_change_leverage(symbol="BTCUSDT", leverage=10)
        out["brackets"] = client.futures_leverage_bracket()
        try:
            client.futures_change_margin_type(symbol="BTCUSDT", marginType="CROSSED")
        except binance_exceptions.BinanceAPIException as err:
            out["margin_type"] = (err.status_code, err.code)
        out["commission"] = client.futures_commission_rate(symbol="BTCUSDT")
        out["account_config"] = client.futures_account_config()
        out["symbol_config"] = client.futures_symbol_config(symbol="BTCUSDT")
        out["mode"] = client.futures_get_position_mode()
        out["multi_assets"] = client.futures_get_multi_assets_mode()
        limit = client.futures_create_order(symbol="BTCUSDT", side="BUY", type="LIMIT", timeInForce="GTC",
                                            quantity="0.01", price="59000")
        out["limit"] = limit
        out["query"] = client.futures_get_order(symbol="BTCUSDT", orderId=limit["orderId"])
        out["open"] = client.futures_get_open_orders(symbol="BTCUSDT")
        out["cancel"] = client.futures_cancel_order(symbol="BTCUSDT", orderId=limit["orderId"])
        out["market"] = client.futures_create_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.02",
                                                    newOrderRespType="RESULT")
        out["all_orders"] = client.futures_get_all_orders(symbol="BTCUSDT")
        out["positions"] = client.futures_position_information(symbol="BTCUSDT")
        out["trades"] = client.futures_account_trades(symbol="BTCUSDT")
        out["agg_trades"] = client.futures_aggregate_trades(symbol="BTCUSDT")
        out["open_interest"] = client.futures_open_interest(symbol="BTCUSDT")
        out["income"] = client.futures_income_history()
        return out

    out = await asyncio.to_thread(session)
    assert abs(out["time"]["serverTime"] - sim.clock.now_ms()) < 60_000
    assert out["info"]["symbols"][0]["symbol"] == "BTCUSDT" and out["depth"]["bids"][0] == ["59990", "0.5"]
    assert out["ticker"]["highPrice"] and out["price"]["symbol"] == "BTCUSDT"
    assert out["book_ticker"]["bidPrice"] == "59990" and out["mark"]["markPrice"]
    [usdt] = out["balance"]
    assert usdt["balance"] == "10000.00000000" and usdt["updateTime"] > 0
    assert out["account"]["assets"][0]["updateTime"] > 0
    assert out["leverage"]["leverage"] == 10 and out["brackets"][0]["brackets"][0]["bracket"] == 1
    assert out["margin_type"] == (400, -4046)
    assert out["commission"]["makerCommissionRate"] == "0.0002"
    assert out["account_config"]["canTrade"] is True and out["symbol_config"][0]["marginType"] == "CROSSED"
    assert out["mode"]["dualSidePosition"] is False and out["multi_assets"]["multiAssetsMargin"] is False
    assert out["query"]["status"] == "NEW" and [o["orderId"] for o in out["open"]] == [out["limit"]["orderId"]]
    assert out["cancel"]["status"] == "CANCELED" and out["market"]["status"] == "FILLED"
    assert [o["status"] for o in out["all_orders"]] == ["CANCELED", "FILLED"]
    [position] = out["positions"]
    assert position["positionAmt"] == "0.02"
    assert sum(Decimal(t["qty"]) for t in out["trades"]) == Decimal("0.02")
    assert out["agg_trades"] and out["open_interest"]["openInterest"] == "0.02"
    assert {i["incomeType"] for i in out["income"]} >= {"COMMISSION"}


async def test_python_binance_depth_and_user_sockets(venue):
    sim, key, secret = venue
    aclient = binance_async.AsyncClient(key, secret)
    aclient.FUTURES_URL = f"{sim.rest_url}/fapi"
    try:
        manager = binance_streams.BinanceSocketManager(aclient)
        manager.FSTREAM_URL = f"{sim.ws_url}/"
        async with manager.futures_depth_socket("BTCUSDT", depth="5") as depth:
            async with asyncio.timeout(15):
                frame = await depth.recv()
            data = frame.get("data", frame)
            assert data["e"] == "depthUpdate" and len(data["a"]) == 5 and data["a"][0] == ["60000", "0.5"]
        async with manager.futures_user_socket() as user:
            await wait_for(lambda: any(sim.streams.user_connections.values()), what="user socket")
            await aclient.futures_create_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01")
            kinds: dict[str, dict] = {}
            async with asyncio.timeout(15):
                while not {"ORDER_TRADE_UPDATE", "ACCOUNT_UPDATE"} <= set(kinds):
                    event = await user.recv()
                    kinds[event["e"]] = event
            assert kinds["ACCOUNT_UPDATE"]["a"]["P"][0]["pa"] == "0.01"
            assert Decimal(kinds["ACCOUNT_UPDATE"]["a"]["B"][0]["wb"]) < Decimal(WALLET)
    finally:
        await aclient.close_connection()
