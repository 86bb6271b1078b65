"""``binance-futures-connector``'s ``UMFutures`` (REST, in a thread) and its websocket client
against the USDⓈ-M simulator, pointed at it by ``base_url`` / ``stream_url`` only.

Its websocket client opens the legacy ``/ws`` path and SUBSCRIBEs streams and the
listenKey there (docs/binance_usdm_futures.md sections 1 and 8).
"""
from __future__ import annotations

import asyncio
import json
import threading
from decimal import Decimal

import pytest

from .conftest import WALLET, wait_for

um_futures = pytest.importorskip("binance.um_futures", reason="binance-futures-connector is in the test extra")
binance_error = pytest.importorskip("binance.error")
um_ws = pytest.importorskip("binance.websocket.um_futures.websocket_client",
                            reason="binance-futures-connector's websocket client")


async def test_binance_futures_connector_session(venue):
    sim, key, secret = venue
    client = um_futures.UMFutures(key, secret, base_url=sim.rest_url)
    account_id = sim.accounts.by_key(key).account_id

    def session() -> dict:
        out = {"time": client.time(), "info": client.exchange_info()}
        out["depth"] = client.depth("BTCUSDT", limit=5)
        out["trades"] = client.trades("BTCUSDT")
        out["mark"] = client.mark_price("BTCUSDT")
        out["funding"] = client.funding_rate("BTCUSDT")
        out["funding_info"] = client.funding_info()        # (this client reads /fapi/v1/fundingRate here)
        out["ticker_24hr"] = client.ticker_24hr_price_change("BTCUSDT")
        out["price"] = client.ticker_price("BTCUSDT")
        out["book_ticker"] = client.book_ticker("BTCUSDT")
        out["balance"] = client.balance()
        out["account"] = client.account()
        out["leverage"] = client.change_leverage("BTCUSDT", 10)
        out["brackets"] = client.leverage_brackets(symbol="BTCUSDT")
        try:
            client.change_margin_type("BTCUSDT", "CROSSED")
        except binance_error.ClientError as err:
            out["margin_type"] = (err.status_code, err.error_code, err.error_message)
        out["commission"] = client.commission_rate("BTCUSDT")
        out["symbol_config"] = client.symbol_configuration(symbol="BTCUSDT")
        out["account_config"] = client.futures_account_configuration()
        out["mode"] = client.get_position_mode()
        try:
            client.change_position_mode("false")
        except binance_error.ClientError as err:
            out["mode_change"] = (err.status_code, err.error_code)
        limit = client.new_order("BTCUSDT", "BUY", "LIMIT", quantity="0.01", price="59000", timeInForce="GTC",
                                 newClientOrderId="umf-limit-1")
        out["limit"] = limit
        out["query"] = client.query_order("BTCUSDT", orderId=limit["orderId"])
        out["open_order"] = client.get_open_orders("BTCUSDT", orderId=limit["orderId"])
        out["open_orders"] = client.get_orders(symbol="BTCUSDT")
        out["cancel"] = client.cancel_order("BTCUSDT", origClientOrderId="umf-limit-1")
        out["market"] = client.new_order("BTCUSDT", "BUY", "MARKET", quantity="0.02", newOrderRespType="RESULT")
        try:
            client.new_order("BTCUSDT", "SELL", "STOP_MARKET", quantity="0.01", stopPrice="50000")
        except binance_error.ClientError as err:
            out["stop"] = (err.status_code, err.error_code)
        out["all_orders"] = client.get_all_orders("BTCUSDT")
        out["positions"] = client.get_position_risk(symbol="BTCUSDT")
        out["user_trades"] = client.get_account_trades("BTCUSDT")
        out["agg_trades"] = client.agg_trades("BTCUSDT")
        out["klines"] = client.klines("BTCUSDT", "1m")
        out["open_interest"] = client.open_interest("BTCUSDT")
        out["income"] = client.get_income_history()
        listen_key = client.new_listen_key()["listenKey"]
        out["listen_key"] = listen_key
        out["renew"] = client.renew_listen_key(listen_key)
        return out

    out = await asyncio.to_thread(session)
    assert abs(out["time"]["serverTime"] - sim.clock.now_ms()) < 60_000
    assert out["depth"]["asks"][0] == ["60000", "0.5"]
    assert out["mark"]["symbol"] == "BTCUSDT" and out["funding"][0]["fundingRate"] == "0.00010000"
    assert {r["symbol"] for r in out["funding_info"]} == {"BTCUSDT", "ETHUSDT"}
    assert {"priceChangePercent", "weightedAvgPrice", "highPrice", "lowPrice", "firstId", "lastId"} <= \
        set(out["ticker_24hr"])
    assert out["price"]["symbol"] == "BTCUSDT" and out["book_ticker"]["askPrice"] == "60000"
    [usdt] = out["balance"]
    assert (usdt["asset"], usdt["balance"]) == ("USDT", "10000.00000000") and usdt["updateTime"] > 0
    assert out["account"]["assets"][0]["walletBalance"] == "10000.00000000"
    assert out["leverage"]["leverage"] == 10 and out["brackets"]["brackets"][0]["initialLeverage"] == 125
    assert out["margin_type"] == (400, -4046, "No need to change margin type.")
    assert out["commission"]["takerCommissionRate"] == "0.0005"
    assert out["symbol_config"][0]["leverage"] == 10 and out["account_config"]["dualSidePosition"] is False
    assert out["mode"] == {"dualSidePosition": False} and out["mode_change"] == (400, -4059)
    assert out["query"]["status"] == "NEW" and out["open_order"]["orderId"] == out["limit"]["orderId"]
    assert [o["orderId"] for o in out["open_orders"]] == [out["limit"]["orderId"]]
    assert out["cancel"]["status"] == "CANCELED"
    assert (out["market"]["status"], out["market"]["executedQty"]) == ("FILLED", "0.02")
    assert out["stop"] == (400, -4120)
    assert [o["status"] for o in out["all_orders"]] == ["CANCELED", "FILLED"]
    [position] = out["positions"]
    assert (position["positionAmt"], position["entryPrice"]) == ("0.02", "60000")
    assert sum(Decimal(t["qty"]) for t in out["user_trades"]) == Decimal("0.02")
    assert out["agg_trades"][-1]["q"] == "0.02" and out["open_interest"]["openInterest"] == "0.02"
    assert {i["incomeType"] for i in out["income"]} >= {"COMMISSION"}
    assert out["klines"][-1][5] == "0.02"
    assert out["listen_key"] == sim.listen_keys.key_of(account_id)

    # streams: partial depth and the user data of the listenKey, on the legacy /ws path
    frames: list[dict] = []
    lock = threading.Lock()

    def on_message(_, text):
        with lock:
            frames.append(json.loads(text))

    ws = await asyncio.to_thread(um_ws.UMFuturesWebsocketClient, stream_url=sim.ws_url, on_message=on_message)
    try:
        ws.partial_book_depth(symbol="btcusdt", level=5, speed=100)
        ws.user_data(listen_key=out["listen_key"])
        await wait_for(lambda: sim.streams.user_connections.get(out["listen_key"]), what="user-data subscription")
        await asyncio.to_thread(client.new_order, "BTCUSDT", "SELL", "MARKET", quantity="0.02", reduceOnly="true")

        def seen(kind):
            with lock:
                return [f for f in frames if f.get("e") == kind]
        await wait_for(lambda: seen("ORDER_TRADE_UPDATE") and seen("ACCOUNT_UPDATE") and seen("depthUpdate"),
                       what="user events and partial depth")
        assert seen("ORDER_TRADE_UPDATE")[-1]["o"]["X"] == "FILLED"
        assert seen("ACCOUNT_UPDATE")[-1]["a"]["P"][0]["pa"] == "0"
        assert len(seen("depthUpdate")[-1]["b"]) == 5
    finally:
        await asyncio.to_thread(ws.stop)
    balance = await asyncio.to_thread(client.balance)
    assert Decimal(balance[0]["balance"]) < Decimal(WALLET)
