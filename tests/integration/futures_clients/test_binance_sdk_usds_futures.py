"""Binance's own ``binance-sdk-derivatives-trading-usds-futures`` (REST in a thread, streams on the
loop) against the USDⓈ-M simulator, pointed at it by ``base_path`` / ``stream_url`` only.

Its answers are parsed into the SDK's typed models, so a field of the wrong type
or shape fails here. Its streams open ``/market/stream``, ``/public/stream``
and ``/private/stream`` and SUBSCRIBE the listenKey on the last
(docs/binance_usdm_futures.md sections 1 and 8).
"""
from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from .conftest import WALLET, wait_for

sdk = pytest.importorskip("binance_sdk_derivatives_trading_usds_futures.derivatives_trading_usds_futures",
                          reason="binance-sdk-derivatives-trading-usds-futures is in the test extra")
configuration = pytest.importorskip("binance_common.configuration")
errors = pytest.importorskip("binance_common.errors")


def _plain(model):
    """A model (or list of models) as plain JSON data, by the venue's field names."""
    if isinstance(model, list):
        return [_plain(m) for m in model]
    actual = getattr(model, "actual_instance", None)
    if actual is not None:
        return _plain(actual)
    return model.to_dict() if hasattr(model, "to_dict") else model


async def test_binance_sdk_session(venue):
    sim, key, secret = venue
    client = sdk.DerivativesTradingUsdsFutures(config_rest_api=configuration.ConfigurationRestAPI(
        api_key=key, api_secret=secret, base_path=sim.rest_url, timeout=10_000, retries=0))
    rest = client.rest_api

    def data(response):
        return _plain(response.data())

    def session() -> dict:
        out = {"time": data(rest.check_server_time()), "info": data(rest.exchange_information())}
        out["depth"] = data(rest.order_book("BTCUSDT", limit=5))
        out["trades"] = data(rest.recent_trades_list("BTCUSDT"))
        out["mark"] = data(rest.mark_price(symbol="BTCUSDT"))
        out["funding_history"] = data(rest.get_funding_rate_history(symbol="BTCUSDT"))
        out["funding_info"] = data(rest.get_funding_rate_info())
        out["ticker"] = data(rest.ticker24hr_price_change_statistics(symbol="BTCUSDT"))
        out["price"] = data(rest.symbol_price_ticker_v2(symbol="BTCUSDT"))
        out["book_ticker"] = data(rest.symbol_order_book_ticker(symbol="BTCUSDT"))
        out["balance"] = data(rest.futures_account_balance_v3())
        out["account"] = data(rest.account_information_v3())
        out["leverage"] = data(rest.change_initial_leverage("BTCUSDT", 10))
        out["brackets"] = data(rest.notional_and_leverage_brackets(symbol="BTCUSDT"))
        try:
            rest.change_margin_type("BTCUSDT", "CROSSED")
        except errors.BadRequestError as err:
            out["margin_type"] = err.error_message
        out["commission"] = data(rest.user_commission_rate("BTCUSDT"))
        out["symbol_config"] = data(rest.symbol_configuration(symbol="BTCUSDT"))
        out["account_config"] = data(rest.futures_account_configuration())
        out["mode"] = data(rest.get_current_position_mode())
        out["multi_assets"] = data(rest.get_current_multi_assets_mode())
        limit = data(rest.new_order("BTCUSDT", "BUY", "LIMIT", time_in_force="GTC", quantity=0.01, price=59000.0,
                                    new_client_order_id="sdk-limit-1"))
        out["limit"] = limit
        out["query"] = data(rest.query_order("BTCUSDT", order_id=limit["orderId"]))
        out["open_order"] = data(rest.query_current_open_order("BTCUSDT", order_id=limit["orderId"]))
        out["open"] = data(rest.current_all_open_orders(symbol="BTCUSDT"))
        out["cancel"] = data(rest.cancel_order("BTCUSDT", orig_client_order_id="sdk-limit-1"))
        out["market"] = data(rest.new_order("BTCUSDT", "BUY", "MARKET", quantity=0.02, new_order_resp_type="RESULT"))
        try:
            rest.new_order("BTCUSDT", "SELL", "STOP_MARKET", quantity=0.01)     # (no stopPrice in this SDK)
        except errors.BadRequestError as err:
            out["stop"] = err.error_message
        out["all_orders"] = data(rest.all_orders(symbol="BTCUSDT"))
        out["agg_trades"] = data(rest.compressed_aggregate_trades_list("BTCUSDT"))
        out["klines"] = data(rest.kline_candlestick_data("BTCUSDT", "1m"))
        out["open_interest"] = data(rest.open_interest("BTCUSDT"))
        out["positions"] = data(rest.position_information_v3(symbol="BTCUSDT"))
        out["user_trades"] = data(rest.account_trade_list("BTCUSDT"))
        out["income"] = data(rest.get_income_history())
        out["listen_key"] = data(rest.start_user_data_stream())["listenKey"]
        out["keepalive"] = data(rest.keepalive_user_data_stream())
        return out

    out = await asyncio.to_thread(session)
    assert abs(out["time"]["serverTime"] - sim.clock.now_ms()) < 60_000
    assert out["info"]["symbols"][0]["symbol"] == "BTCUSDT" and out["depth"]["asks"][0] == ["60000", "0.5"]
    assert out["klines"][-1][5] == "0.02" and out["agg_trades"][-1]["q"] == "0.02"
    assert out["mark"]["symbol"] == "BTCUSDT" and out["funding_info"][0]["symbol"] == "BTCUSDT"
    assert out["ticker"]["lastPrice"] == "60000" and out["price"]["price"] == "60000"
    assert out["book_ticker"]["askPrice"] == "60000" and out["open_interest"]["openInterest"] == "0.02"
    [usdt] = out["balance"]
    assert usdt["balance"] == "10000.00000000" and usdt["updateTime"] > 0
    assert out["account"]["assets"][0]["walletBalance"] == "10000.00000000" and out["account"]["positions"] == []
    assert out["leverage"]["leverage"] == 10 and out["brackets"]["brackets"][0]["initialLeverage"] == 125
    assert out["margin_type"] == "No need to change margin type."
    assert out["commission"]["makerCommissionRate"] == "0.0002"
    assert out["symbol_config"][0]["leverage"] == 10 and out["account_config"]["canTrade"] is True
    assert out["mode"]["dualSidePosition"] is False and out["multi_assets"]["multiAssetsMargin"] is False
    assert out["query"]["status"] == "NEW" and out["open_order"]["orderId"] == out["limit"]["orderId"]
    assert [o["orderId"] for o in out["open"]] == [out["limit"]["orderId"]]
    assert out["cancel"]["status"] == "CANCELED" and out["market"]["status"] == "FILLED"
    assert "Algo Order API" in out["stop"]
    assert [o["status"] for o in out["all_orders"]] == ["CANCELED", "FILLED"]
    [position] = out["positions"]
    assert position["positionAmt"] == "0.02"
    assert sum(Decimal(t["qty"]) for t in out["user_trades"]) == Decimal("0.02")
    assert {i["incomeType"] for i in out["income"]} >= {"COMMISSION"}
    assert out["listen_key"] == sim.listen_keys.key_of(sim.accounts.by_key(key).account_id)


async def test_binance_sdk_streams_and_user_data(venue):
    sim, key, secret = venue
    client = sdk.DerivativesTradingUsdsFutures(
        config_rest_api=configuration.ConfigurationRestAPI(api_key=key, api_secret=secret,
                                                           base_path=sim.rest_url, timeout=10_000, retries=0),
        config_ws_streams=configuration.ConfigurationWebSocketStreams(stream_url=sim.ws_url, reconnect_attempts=1))
    listen_key = (await asyncio.to_thread(client.rest_api.start_user_data_stream)).data().listen_key
    streams = await client.websocket_streams.create_connection()
    got: dict[str, list] = {"depth": [], "mark": [], "user": []}
    try:
        depth = await streams.partial_book_depth_streams(symbol="btcusdt", levels=5)
        depth.on("message", lambda m: got["depth"].append(_plain(m)))
        mark = await streams.mark_price_stream(symbol="btcusdt", update_speed="1s")
        mark.on("message", lambda m: got["mark"].append(_plain(m)))
        user = await streams.user_data(listen_key)
        # the SDK parses each event into its model (the event type "e" becomes the model's class)
        user.on("message", lambda m: got["user"].append((type(getattr(m, "actual_instance", m)).__name__,
                                                         _plain(m))))
        await wait_for(lambda: sim.streams.user_connections.get(listen_key), what="listenKey subscription")
        await asyncio.to_thread(client.rest_api.new_order, "BTCUSDT", "BUY", "MARKET", quantity=0.01)
        await wait_for(lambda: got["depth"] and got["mark"] and len(got["user"]) >= 2, timeout=15,
                       what="depth, mark price and user events")
        assert len(got["depth"][-1]["a"]) == 5 and got["mark"][-1]["s"] == "BTCUSDT"
        events = dict(got["user"])
        assert {"OrderTradeUpdate", "AccountUpdate"} <= set(events), events
        assert events["OrderTradeUpdate"]["o"]["X"] == "FILLED"
        update = events["AccountUpdate"]
        assert Decimal(update["a"]["B"][0]["wb"]) < Decimal(WALLET)
    finally:
        await streams.close_connection()
