"""ccxt's ``binanceusdm`` (REST, run in a thread) and ccxt.pro's (streams) against the USDⓈ-M simulator.

Pointed at the simulator by URL only (``urls["api"]``); ``fetchCurrencies`` is
off because it reads Binance's wallet API (``/sapi``), which the simulator does
not serve (docs/binance_usdm_futures.md section 11). Scope limit: conditional
orders, which ccxt places through the algo-order endpoint (not served).
"""
from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from .conftest import WALLET, wait_for

ccxt = pytest.importorskip("ccxt", reason="ccxt is in the test extra")
ccxt_pro = pytest.importorskip("ccxt.pro", reason="ccxt.pro ships with ccxt")

SYMBOL = "BTC/USDT:USDT"


def _point(exchange, sim) -> None:
    rest = sim.rest_url
    exchange.urls["api"] = {**exchange.urls["api"],
                            "fapiPublic": f"{rest}/fapi/v1", "fapiPublicV2": f"{rest}/fapi/v2",
                            "fapiPublicV3": f"{rest}/fapi/v3", "fapiPrivate": f"{rest}/fapi/v1",
                            "fapiPrivateV2": f"{rest}/fapi/v2", "fapiPrivateV3": f"{rest}/fapi/v3",
                            "fapiData": f"{rest}/futures/data",
                            "ws": {**exchange.urls["api"].get("ws", {}), "future": f"{sim.ws_url}/ws",
                                   "linear": f"{sim.ws_url}/ws"}}


def _client(cls, sim, key, secret):
    exchange = cls({"apiKey": key, "secret": secret, "options": {"fetchCurrencies": False},
                    "enableRateLimit": False})
    _point(exchange, sim)
    return exchange


async def test_ccxt_binanceusdm_session(venue):
    sim, key, secret = venue
    rest = _client(ccxt.binanceusdm, sim, key, secret)

    def session() -> dict:
        out = {"time": rest.fetch_time(), "markets": rest.load_markets()}
        out["book"] = rest.fetch_order_book(SYMBOL, 5)
        out["ticker"] = rest.fetch_ticker(SYMBOL)
        out["tickers"] = rest.fetch_tickers([SYMBOL])
        out["last_prices"] = rest.fetch_last_prices([SYMBOL])
        out["bids_asks"] = rest.fetch_bids_asks([SYMBOL])
        out["funding_rate"] = rest.fetch_funding_rate(SYMBOL)
        out["mark"] = rest.fetch_mark_price(SYMBOL)
        out["funding_interval"] = rest.fetch_funding_interval(SYMBOL)
        out["balance_before"] = rest.fetch_balance()
        out["set_leverage"] = rest.set_leverage(10, SYMBOL)
        out["leverage"] = rest.fetch_leverage(SYMBOL)
        out["tiers"] = rest.fetch_leverage_tiers([SYMBOL])
        try:        # ccxt raises the venue's -4046 by default (option throwMarginModeAlreadySet)
            rest.set_margin_mode("cross", SYMBOL)
        except ccxt.MarginModeAlreadySet as err:
            out["margin_mode"] = str(err)
        try:
            rest.set_margin_mode("isolated", SYMBOL)
        except ccxt.BadRequest as err:
            out["isolated"] = str(err)
        out["position_mode"] = rest.fetch_position_mode(SYMBOL)
        try:        # already one-way: the venue's -4059, which ccxt raises
            rest.set_position_mode(False, SYMBOL)
        except ccxt.OperationRejected as err:
            out["set_position_mode"] = str(err)
        out["fee"] = rest.fetch_trading_fee(SYMBOL)
        limit = rest.create_order(SYMBOL, "limit", "buy", 0.01, 59000, {"clientOrderId": "ccxt-limit-1"})
        out["limit"] = limit
        out["fetched"] = rest.fetch_order(limit["id"], SYMBOL)
        out["open_order"] = rest.fetch_open_order(limit["id"], SYMBOL)
        out["open"] = rest.fetch_open_orders(SYMBOL)
        out["canceled"] = rest.cancel_order(limit["id"], SYMBOL)
        out["market"] = rest.create_order(SYMBOL, "market", "buy", 0.02)
        try:
            rest.create_order(SYMBOL, "STOP_MARKET", "sell", 0.01, None, {"stopPrice": 50000})
        except ccxt.BaseError as err:
            out["stop"] = (type(err).__name__, str(err))
        out["orders"] = rest.fetch_orders(SYMBOL)
        out["closed"] = rest.fetch_closed_orders(SYMBOL)
        out["trades"] = rest.fetch_my_trades(SYMBOL)
        out["positions"] = rest.fetch_positions([SYMBOL])
        out["positions_account"] = rest.fetch_positions([SYMBOL], {"method": "account"})
        out["public_trades"] = rest.fetch_trades(SYMBOL)
        out["ohlcv"] = rest.fetch_ohlcv(SYMBOL, "1m")
        out["open_interest"] = rest.fetch_open_interest(SYMBOL)
        out["balance"] = rest.fetch_balance()
        out["ledger"] = rest.fetch_ledger("USDT")
        return out

    out = await asyncio.to_thread(session)
    # the position pays funding at the next funding time (every second here): FUNDING_FEE income
    account_id = sim.accounts.by_key(key).account_id
    await wait_for(lambda: any(i.income_type == "FUNDING_FEE" for i in sim.engine.income.get(account_id, [])),
                   what="a funding payment")
    out["funding_rates"] = await asyncio.to_thread(rest.fetch_funding_rate_history, SYMBOL)
    out["funding_paid"] = await asyncio.to_thread(rest.fetch_funding_history, SYMBOL)
    assert abs(out["time"] - sim.clock.now_ms()) < 60_000
    assert out["markets"][SYMBOL]["id"] == "BTCUSDT"
    assert out["book"]["asks"][0] == [60000.0, 0.5] and out["book"]["bids"][0] == [59990.0, 0.5]
    assert out["tickers"][SYMBOL]["last"] == out["ticker"]["last"] and "percentage" in out["ticker"]
    assert out["last_prices"][SYMBOL]["price"] > 0
    assert out["bids_asks"][SYMBOL]["ask"] == 60000.0
    assert out["funding_rate"]["fundingRate"] == 0.0001 and out["mark"]["markPrice"] > 0
    assert out["funding_interval"]["interval"]
    # a funded account that has not traded shows its balance (assets[].updateTime is its funding time)
    assert out["balance_before"]["USDT"]["total"] == float(WALLET)
    assert out["leverage"]["longLeverage"] == 10 and out["leverage"]["marginMode"] == "cross"
    assert out["tiers"][SYMBOL][0]["maxLeverage"] == 125
    assert "-4046" in out["margin_mode"] and "cross margin only" in out["isolated"]
    assert out["position_mode"]["hedged"] is False and "-4059" in out["set_position_mode"]
    assert out["fee"]["maker"] == 0.0002 and out["fee"]["taker"] == 0.0005
    assert out["fetched"]["status"] == "open" and out["open_order"]["id"] == out["limit"]["id"]
    assert [o["id"] for o in out["open"]] == [out["limit"]["id"]]
    assert out["canceled"]["status"] == "canceled"
    # the scope limit: conditional orders (ccxt sends them to the algo-order endpoint, not served;
    # exchangeInfo lists LIMIT and MARKET only, so ccxt refuses them before sending anything)
    assert out["stop"][0] == "InvalidOrder" and "not a valid order type" in out["stop"][1]
    assert {o["id"] for o in out["orders"]} >= {out["limit"]["id"], out["market"]["id"]}
    assert out["market"]["id"] in {o["id"] for o in out["closed"]}
    assert sum(t["amount"] for t in out["trades"]) == pytest.approx(0.02)
    [position] = [p for p in out["positions"] if p["contracts"]]
    # (v3 positionRisk has no leverage field, as on the venue: fetch_leverage reads it above)
    assert position["contracts"] == 0.02 and position["side"] == "long" and position["entryPrice"] == 60000
    assert [p["contracts"] for p in out["positions_account"] if p["contracts"]] == [0.02]
    assert out["public_trades"] and out["ohlcv"] and out["ohlcv"][-1][5] == pytest.approx(0.02)
    assert out["open_interest"]["openInterestAmount"] == 0.02
    fees = sum(Decimal(str(t["fee"]["cost"])) for t in out["trades"])
    assert Decimal(str(out["balance"]["USDT"]["total"])) <= Decimal(WALLET) - fees
    assert {e["type"] for e in out["ledger"]} >= {"commission"}
    assert out["funding_rates"][-1]["fundingRate"] == 0.0001
    # a long pays at a positive rate: 0.02 * mark * 0.0001
    assert out["funding_paid"] and all(f["amount"] < 0 for f in out["funding_paid"])


async def test_ccxt_pro_streams_and_user_data(venue):
    sim, key, secret = venue
    pro = _client(ccxt_pro.binanceusdm, sim, key, secret)
    try:
        await pro.load_markets()
        book = await pro.watch_order_book(SYMBOL)
        assert book["asks"][0][0] == 60000.0
        account_id = sim.accounts.by_key(key).account_id
        trades_task = asyncio.ensure_future(pro.watch_trades(SYMBOL))
        balance_task = asyncio.ensure_future(pro.watch_balance())
        orders_task = asyncio.ensure_future(pro.watch_orders(SYMBOL))
        async with asyncio.timeout(15):      # the first answer is a REST snapshot: nothing held yet
            assert await pro.watch_positions([SYMBOL]) == []
        positions_task = asyncio.ensure_future(pro.watch_positions([SYMBOL]))
        await wait_for(lambda: sim.streams.subscribers.get("btcusdt@trade")
                       and sim.streams.user_connections.get(sim.listen_keys.key_of(account_id) or ""),
                       what="trade and user subscriptions")
        await pro.create_order(SYMBOL, "market", "buy", 0.01)
        async with asyncio.timeout(15):
            trades = await trades_task
            orders = await orders_task
            balance = await balance_task
            positions = await positions_task
        assert trades[-1]["price"] == 60000.0 and trades[-1]["amount"] == 0.01
        assert orders[-1]["symbol"] == SYMBOL and orders[-1]["filled"] == 0.01
        assert balance["USDT"]["total"] < float(WALLET)
        assert [p["contracts"] for p in positions if p["symbol"] == SYMBOL] == [0.01]
    finally:
        await pro.close()
