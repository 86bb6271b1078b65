"""An unmodified third-party client (binance-connector, Binance's own Python SDK) against the sim.

It signs and encodes requests its own way (``urlencode`` of the params, signature appended,
``X-MBX-APIKEY`` header, everything in the query string, ``requests`` as transport), so this
checks that the simulator speaks the protocol, not just our reading of it.
"""
import asyncio
from decimal import Decimal

import pytest

from hummingbot_conn.sim import SimulatedExchange

spot = pytest.importorskip("binance.spot", reason="binance-connector is in the test extra")
binance_error = pytest.importorskip("binance.error")


async def test_binance_connector_signed_order_account_and_errors():
    async with SimulatedExchange(seed=4, traders={"rate": 0, "seed_levels": 5}, auto_flush=False) as sim:
        key, secret = sim.create_account({"USDT": "50000", "BTC": "1"})
        client = spot.Spot(api_key=key, api_secret=secret, base_url=sim.rest_url, show_limit_usage=True)

        def drive():
            out = {"time": client.time()["data"], "info": client.exchange_info(symbol="BTCUSDT")["data"]}
            out["depth"] = client.depth("BTCUSDT", limit=5)["data"]
            out["taker"] = client.new_order("BTCUSDT", "BUY", "MARKET", quantity="0.001",
                                            newClientOrderId="sdk:taker/1")
            out["maker"] = client.new_order("BTCUSDT", "SELL", "LIMIT_MAKER", quantity="0.01", price="90000.00")
            out["query"] = client.get_order("BTCUSDT", origClientOrderId="sdk:taker/1")
            out["open"] = client.get_open_orders("BTCUSDT")
            out["cancel"] = client.cancel_order("BTCUSDT", orderId=out["maker"]["data"]["orderId"])
            out["account"] = client.account()
            out["trades"] = client.my_trades("BTCUSDT")
            try:
                client.new_order("BTCUSDT", "BUY", "LIMIT", timeInForce="GTC", quantity="100", price="60000")
            except binance_error.ClientError as err:
                out["error"] = (err.status_code, err.error_code, err.error_message)
            bad = spot.Spot(api_key=key, api_secret="0" * 64, base_url=sim.rest_url)
            try:
                bad.account()
            except binance_error.ClientError as err:
                out["bad_sig"] = (err.status_code, err.error_code)
            return out

        out = await asyncio.to_thread(drive)
        assert out["info"]["symbols"][0]["symbol"] == "BTCUSDT"
        taker = out["taker"]["data"]
        assert len(out["depth"]["asks"]) == 5 and out["depth"]["lastUpdateId"] > 0
        assert taker["status"] == "FILLED" and taker["clientOrderId"] == "sdk:taker/1"
        assert sum(Decimal(f["qty"]) for f in taker["fills"]) == Decimal("0.001")
        fees = sum(Decimal(f["commission"]) for f in taker["fills"])
        assert out["taker"]["limit_usage"]["x-mbx-order-count-10s"] == "1"
        assert out["query"]["data"]["status"] == "FILLED"
        assert [o["orderId"] for o in out["open"]["data"]] == [out["maker"]["data"]["orderId"]]
        assert out["cancel"]["data"]["status"] == "CANCELED"
        balances = {b["asset"]: b for b in out["account"]["data"]["balances"]}
        assert Decimal(balances["BTC"]["free"]) == Decimal("1.001") - fees
        assert balances["BTC"]["locked"] == "0.00000000"
        assert {t["orderId"] for t in out["trades"]["data"]} == {taker["orderId"]}
        assert out["error"] == (400, -2010, "Account has insufficient balance for requested action.")
        assert out["bad_sig"] == (400, -1022)
        assert "x-mbx-used-weight-1m" in out["account"]["limit_usage"]
