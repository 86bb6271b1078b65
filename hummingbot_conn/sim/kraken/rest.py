"""Kraken's REST API on the kernel's pipeline: ``/0/public/...`` and the signed ``/0/private/...``.

Parameters come from the query string and from the body, form-encoded or
JSON (python-kraken-sdk sends some calls as JSON); JSON numbers are read as
exact decimals. A private call (docs/kraken_spot.md, section 5) carries
``API-Key`` and ``API-Sign`` = base64(HMAC-SHA512(base64-decoded secret,
path + SHA-256(nonce + body))), with ``nonce`` strictly increasing per key:
refused in that order with ``EAPI:Invalid key``, ``EAPI:Invalid signature``,
``EAPI:Invalid nonce``, then counted on the call counter (``ratelimit.py``).
Every answer is ``{"error": [...], "result": {...}}`` with HTTP 200.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from decimal import Decimal
from email.utils import formatdate
from typing import Any, Callable
from urllib.parse import parse_qsl

from aiohttp import web

from ..kernel.rest import RestPipeline
from . import errors as E
from .engine import KrakenEngine
from .errors import KRAKEN_ERRORS, kraken_error
from .pairs import ASSETS, KrakenPair, asset_key, fixed
from .private import PrivateApi
from .ratelimit import KrakenLimits

__all__ = ["KrakenRest", "ok", "sign"]

#: private endpoints that weigh 2 on the call counter; the order endpoints weigh 0 there
CALL_COST = {"TradesHistory": 2, "QueryTrades": 2, "Ledgers": 2, "QueryLedgers": 2,
             "AddOrder": 0, "CancelOrder": 0, "CancelAll": 0}


def ok(result: Any) -> dict:
    return {"error": [], "result": result}


def sign(secret: str, path: str, nonce: str, body: str) -> str:
    """Kraken's ``API-Sign`` of a request (the simulator's own implementation, shared with no client)."""
    digest = hashlib.sha256((nonce + body).encode()).digest()
    mac = hmac.new(base64.b64decode(secret), path.encode() + digest, hashlib.sha512)
    return base64.b64encode(mac.digest()).decode()


class KrakenRest(RestPipeline):
    """The endpoint table and Kraken's parsing and authentication."""

    def __init__(self, engine: KrakenEngine, limits: KrakenLimits, tokens, **kwargs) -> None:
        super().__init__(errors=KRAKEN_ERRORS, **kwargs)
        self.engine = engine
        self.limits = limits
        self.private = PrivateApi(engine, limits, tokens)
        public: dict[str, Callable[[dict, Any, dict], Any]] = {
            "Time": self.time, "Assets": self.assets, "AssetPairs": self.asset_pairs, "Depth": self.depth,
            "Ticker": self.ticker, "Trades": self.trades}
        for name, handler in public.items():
            for method in ("GET", "POST"):
                self.endpoints[(method, f"/0/public/{name}")] = (handler, 1, "public")
        for name, handler in self.private.handlers().items():
            self.endpoints[("POST", f"/0/private/{name}")] = (handler, 1, "private")

    # -- the pipeline's hooks ------------------------------------------------------------------------
    def parse(self, raw_query: str, raw_body: str) -> dict[str, Any]:
        params: dict[str, Any] = dict(parse_qsl(raw_query, keep_blank_values=True))
        body = raw_body.strip()
        if body.startswith("{"):
            try:
                data = json.loads(body, parse_float=Decimal)
            except ValueError:
                raise kraken_error(E.INVALID_ARGUMENTS) from None
            if not isinstance(data, dict):
                raise kraken_error(E.INVALID_ARGUMENTS)
            params.update({k: _text(v) for k, v in data.items()})
        elif body:
            params.update(parse_qsl(body, keep_blank_values=True))
        return params

    def authenticate(self, security: str, request: web.Request, raw_query: str, raw_body: str,
                     params: dict[str, Any]) -> Any:
        if security != "private":
            return None
        account = self.engine.accounts.by_key(request.headers.get("API-Key", ""))
        if account is None:
            raise kraken_error(E.INVALID_KEY)
        nonce = str(params.get("nonce", ""))
        path = request.path + (f"?{raw_query}" if raw_query else "")
        given = request.headers.get("API-Sign", "")
        try:
            expected = sign(account.secret, path, nonce, raw_body)
            good = hmac.compare_digest(base64.b64decode(given, validate=True), base64.b64decode(expected))
        except (binascii.Error, ValueError):
            good = False
        if not good:
            raise kraken_error(E.INVALID_SIGNATURE)
        if not nonce.isdigit() or int(nonce) <= account.last_nonce:
            raise kraken_error(E.INVALID_NONCE)
        account.last_nonce = int(nonce)
        name = request.path.rsplit("/", 1)[-1]
        self.limits.charge_call(account.api_key, CALL_COST.get(name, 1))
        return account

    def fault_symbol(self, params: dict[str, Any]) -> str | None:
        pair = params.get("pair")
        if isinstance(pair, str):
            spec = self.engine._names.get(pair.strip().upper())
            return spec.symbol if spec is not None else pair
        return None

    # -- public endpoints -----------------------------------------------------------------------------
    def _pairs(self, params: dict[str, Any], required: bool) -> list[tuple[str, KrakenPair]]:
        """(name asked, pair) of ``pair=a,b``; every pair under its REST key when none is asked."""
        raw = str(params.get("pair", "")).strip()
        if not raw:
            if required:
                raise kraken_error(E.INVALID_ARGUMENTS, "pair")
            return [(spec.rest_name, spec) for spec in self.engine.specs.values()]
        out = []
        for name in raw.split(","):
            spec = self.engine.pair(name)
            # a WS-style name is answered under that name, the others under the REST key
            out.append((name.strip() if "/" in name else spec.rest_name, spec))
        return out

    def time(self, params, account, headers) -> dict:
        now = self.clock.now_ms()
        return ok({"unixtime": now // 1000, "rfc1123": formatdate(now / 1000, usegmt=True)})

    def assets(self, params, account, headers) -> dict:
        wanted = {asset_key(a) for a in str(params.get("asset", "")).split(",") if a.strip()}
        out = {}
        for asset in ASSETS.values():
            if not wanted or asset.name in wanted:
                out[asset.rest_id] = {"aclass": "currency", "altname": asset.altname, "decimals": asset.decimals,
                                      "display_decimals": asset.display_decimals, "status": "enabled"}
        if wanted and not out:
            raise kraken_error("EQuery:Unknown asset")
        return ok(out)

    def asset_pairs(self, params, account, headers) -> dict:
        return ok({name: self._pair_info(spec) for name, spec in self._pairs(params, required=False)})

    @staticmethod
    def _pair_info(spec: KrakenPair) -> dict:
        base, quote = ASSETS[spec.base_asset], ASSETS[spec.quote_asset]
        return {"altname": spec.altname, "wsname": spec.symbol, "aclass_base": "currency", "base": base.rest_id,
                "aclass_quote": "currency", "quote": quote.rest_id, "lot": "unit",
                "cost_decimals": spec.cost_decimals, "pair_decimals": spec.pair_decimals,
                "lot_decimals": spec.lot_decimals, "lot_multiplier": 1, "leverage_buy": [], "leverage_sell": [],
                "fees": [[0, float(spec.taker_fee * 100)]], "fees_maker": [[0, float(spec.maker_fee * 100)]],
                "fee_volume_currency": "ZUSD", "margin_call": 80, "margin_stop": 40,
                "ordermin": f"{spec.ordermin:f}", "costmin": f"{spec.costmin:f}",
                "tick_size": f"{spec.tick_size:f}", "status": "online"}

    def depth(self, params, account, headers) -> dict:
        (name, spec), = self._pairs(params, required=True)[:1]
        count = _int(params.get("count", 100), "count")
        count = 500 if count <= 0 else min(count, 500)
        stale = self.faults.take("stale_snapshot", spec.symbol)
        if stale is not None and stale.snapshot is not None:      # the levels captured when the rule was added
            bids, asks = stale.snapshot["bids"][:count], stale.snapshot["asks"][:count]
        else:
            bids, asks = self.engine.books[spec.symbol].depth(count)
        stamp = self.clock.now_ms() // 1000
        p, q = spec.pair_decimals, spec.lot_decimals
        return ok({name: {"asks": [[fixed(pr, p), fixed(qt, q), stamp] for pr, qt in asks],
                          "bids": [[fixed(pr, p), fixed(qt, q), stamp] for pr, qt in bids]}})

    def ticker(self, params, account, headers) -> dict:
        out = {}
        for name, spec in self._pairs(params, required=False):
            bids, asks = self.engine.books[spec.symbol].depth(1)
            trades = list(self.engine.trades[spec.symbol])
            p, q = spec.pair_decimals, spec.lot_decimals
            zero = Decimal(0)
            last = trades[-1] if trades else None
            vol = sum((t.qty for t in trades), zero)
            vwap = sum((t.qty * t.price for t in trades), zero) / vol if vol else zero
            low = min((t.price for t in trades), default=zero)
            high = max((t.price for t in trades), default=zero)
            out[name] = {
                "a": [fixed(asks[0][0], p), "1", fixed(asks[0][1], q)] if asks else ["0", "0", "0"],
                "b": [fixed(bids[0][0], p), "1", fixed(bids[0][1], q)] if bids else ["0", "0", "0"],
                "c": [fixed(last.price, p), fixed(last.qty, q)] if last else ["0", "0"],
                "v": [fixed(vol, q)] * 2, "p": [fixed(vwap, p)] * 2, "t": [len(trades)] * 2,
                "l": [fixed(low, p)] * 2, "h": [fixed(high, p)] * 2,
                "o": fixed(trades[0].price, p) if trades else "0"}
        return ok(out)

    def trades(self, params, account, headers) -> dict:
        (name, spec), = self._pairs(params, required=True)[:1]
        rows = [[fixed(t.price, spec.pair_decimals), fixed(t.qty, spec.lot_decimals), t.time / 1000,
                 "s" if t.buyer_is_maker else "b", "l", "", t.trade_id] for t in self.engine.trades[spec.symbol]]
        last = str(self.engine.trades[spec.symbol][-1].time * 1_000_000) if rows else "0"
        return ok({name: rows, "last": last})


def _text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    return value


def _int(value: Any, name: str) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise kraken_error(E.INVALID_ARGUMENTS, name) from None
