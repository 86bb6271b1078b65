"""The Kraken spot matching engine: order rules, price-time matching, holds, fees, execution events.

Built on the kernel's ``MatchingCore`` (books, registry, trade tape, event
delivery). One call is one atomic step; its events go out together once the
step is complete, in Kraken's order (docs/kraken_spot.md, section 7): an
order's ``pending_new`` then ``new``; each fill as ``exec_type`` ``trade`` with
``order_status`` ``partially_filled`` (even the fill that completes it), then a
separate ``filled``; a cancel as ``canceled``. Balance changes go out as
ledger entries after the order events of the step.

Rules checked before anything changes, in this order (section 6): the pair,
price and volume decimals (``pair_decimals`` / ``lot_decimals``), ``ordermin``
(volume), ``costmin`` (price x volume; a market order at the best opposite
price), a duplicate open ``cl_ord_id``, funds (a buy holds price x volume plus
the taker fee in the quote asset, a sell holds the volume), and ``post`` (a
post-only order that would take is refused, ``EOrder:Post only order``).
Fees are paid in the quote asset; the cost and the fee of a fill are rounded down to the
quote asset's decimals, so balances stay on their asset's grid and a buy never spends more
than it holds.
Self-trade prevention is Kraken's default, cancel-newest: a taker that meets
its own account's order stops there and its rest is cancelled.
"""
from __future__ import annotations

import random
from decimal import ROUND_DOWN, ROUND_UP, Decimal

from ..kernel.matching import MatchingCore
from ..kernel.records import Trade
from . import errors as E
from .accounts import KrakenAccount, KrakenAccounts
from .errors import kraken_error
from .pairs import KrakenPair, asset_decimals
from .records import KrakenFill, KrakenOrder, iso, ws_order

__all__ = ["KrakenEngine"]

ZERO = Decimal(0)
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


class KrakenEngine(MatchingCore[KrakenPair, KrakenOrder]):
    """Orders of every pair; ``seed`` makes the txids repeatable. Events: ``(account id, event)``
    where event is ``{"kind": "execution", "data": {...}}`` or ``{"kind": "balance", "data": {...}}``."""

    def __init__(self, specs: list[KrakenPair], accounts: KrakenAccounts, clock, seed: int = 0) -> None:
        super().__init__(specs, accounts, clock)
        self.accounts: KrakenAccounts = accounts
        self._rng = random.Random(seed)
        self.by_txid: dict[str, KrakenOrder] = {}
        self.fills: dict[int, list[KrakenFill]] = {}
        self.closed: dict[int, list[KrakenOrder]] = {}
        self._names = {name: spec for spec in specs for name in spec.names()}
        self._ledger_id = 0

    def unknown_symbol(self):
        return kraken_error(E.UNKNOWN_PAIR)

    def pair(self, name: str) -> KrakenPair:
        """A pair by any of its names (``BTC/USD``, ``XBTUSD``, ``XXBTZUSD``, ``BTCUSD``)."""
        spec = self._names.get(name.strip().upper())
        if spec is None:
            raise self.unknown_symbol()
        return spec

    def txid(self, prefix: str = "O") -> str:
        chars = [self._rng.choice(_ALPHABET) for _ in range(16)]
        return f"{prefix}{''.join(chars[:5])}-{''.join(chars[5:10])}-{''.join(chars[10:])}"

    def reference_price(self, symbol: str, side: str) -> Decimal | None:
        """Best opposite price, else the last trade (market order checks, background traders)."""
        book = self.books[symbol]
        level = book.best_ask() if side == "BUY" else book.best_bid()
        if level is not None:
            return level.price
        return self.last_price.get(symbol)

    def _fee_rate(self, account: KrakenAccount, spec: KrakenPair, maker: bool) -> Decimal:
        if account.fee_free:
            return ZERO
        return spec.maker_fee if maker else spec.taker_fee

    def open_by_cl_ord_id(self, account: KrakenAccount, cl_ord_id: str) -> KrakenOrder | None:
        for order in self.open_orders(account):
            if order.cl_ord_id == cl_ord_id:
                return order
        return None

    # -- order entry ---------------------------------------------------------------------------
    def check(self, account: KrakenAccount, spec: KrakenPair, side: str, ordertype: str, volume: Decimal,
              price: Decimal | None, post_only: bool, cl_ord_id: str | None) -> tuple[str, Decimal]:
        """Every rule of an order, nothing changed: (asset to hold, amount). Raises Kraken's error."""
        if not volume.is_finite() or volume <= ZERO:
            raise kraken_error(E.INVALID_ARGUMENTS, "volume")
        if -volume.as_tuple().exponent > spec.lot_decimals:  # type: ignore[operator]
            raise kraken_error(E.INVALID_ARGUMENTS, "volume")
        if ordertype == "LIMIT":
            if price is None or not price.is_finite() or price <= ZERO:
                raise kraken_error(E.INVALID_ARGUMENTS, "price")
            if -price.as_tuple().exponent > spec.pair_decimals:  # type: ignore[operator]
                raise kraken_error("EOrder:Invalid price", f"{spec.altname} price can only be specified up to "
                                                           f"{spec.pair_decimals} decimals.")
        if volume < spec.ordermin:
            raise kraken_error(E.ORDER_MINIMUM)
        book = self.books[spec.symbol]
        ref = price if ordertype == "LIMIT" else self.reference_price(spec.symbol, side)
        if ref is None:
            raise kraken_error("EOrder:Insufficient liquidity")
        if ref * volume < spec.costmin:
            raise kraken_error(E.COST_MINIMUM)
        if cl_ord_id is not None and self.open_by_cl_ord_id(account, cl_ord_id) is not None:
            raise kraken_error("EOrder:Duplicate order")
        rate = self._fee_rate(account, spec, maker=False)
        if side == "BUY":
            cost = price * volume if ordertype == "LIMIT" and price is not None else self._walk_cost(spec, volume)
            need = _up(cost * (1 + rate), asset_decimals(spec.quote_asset))
            asset = spec.quote_asset
        else:
            need, asset = volume, spec.base_asset
        if account.available(asset) < need:
            raise kraken_error(E.INSUFFICIENT_FUNDS)
        if post_only and price is not None:
            best = book.best_ask() if side == "BUY" else book.best_bid()
            if best is not None and (price >= best.price if side == "BUY" else price <= best.price):
                raise kraken_error(E.POST_ONLY)
        return asset, need

    def _walk_cost(self, spec: KrakenPair, volume: Decimal) -> Decimal:
        """What buying ``volume`` at market costs now (the rest, beyond the book, at the worst level)."""
        cost, left, last = ZERO, volume, ZERO
        for level in self.books[spec.symbol].opposite_levels("BUY"):
            take = min(left, level.total)
            cost += take * level.price
            left -= take
            last = level.price
            if left <= ZERO:
                break
        return cost + left * last

    def place(self, account: KrakenAccount, spec: KrakenPair, side: str, ordertype: str, volume: Decimal,
              price: Decimal | None = None, *, post_only: bool = False, cl_ord_id: str | None = None,
              userref: int = 0, validate: bool = False) -> KrakenOrder | None:
        """Check, hold, match and publish one order (None with ``validate``: checked only)."""
        asset, hold = self.check(account, spec, side, ordertype, volume, price, post_only, cl_ord_id)
        if validate:
            return None
        now = self.clock.now_ms()
        txid = self.txid()
        order = KrakenOrder(spec.symbol, self._new_order_id(spec.symbol), txid, account.account_id, side, ordertype,
                            "GTC" if ordertype == "LIMIT" else "IOC", price if price is not None else ZERO, volume,
                            now, now, txid=txid, cl_ord_id=cl_ord_id, userref=userref, post_only=post_only, hold=hold)
        self._register(order)
        self.by_txid[txid] = order
        account.add_hold(asset, hold)
        self._event(order, "pending_new", now, status="pending_new")
        self._event(order, "new", now)
        self._match(spec, order, account, now)
        if order.is_open:
            if order.remaining <= ZERO:
                self._close(order, account, "FILLED", now)
            elif ordertype == "LIMIT":
                order.on_book = True
                self.books[spec.symbol].add(order)
            else:
                self._close(order, account, "CANCELED", now, "Insufficient liquidity")
        self._flush()
        return order

    def _match(self, spec: KrakenPair, taker: KrakenOrder, account: KrakenAccount, now: int) -> None:
        book = self.books[spec.symbol]
        while (found := self._maker_for(book, taker)) is not None:
            level, maker = found
            if maker.account_id == taker.account_id:
                self._close(taker, account, "CANCELED", now, "Self trade prevented")
                return
            qty = min(taker.remaining, maker.remaining)
            trade_id = self._new_trade(spec.symbol)
            book.reduce(maker, qty)
            if maker.remaining - qty <= ZERO:
                maker.on_book = False
            pos = self.txid("T")
            maker_account = self.accounts.by_id(maker.account_id)
            self._settle(spec, taker, account, qty, level.price, trade_id, False, now, pos)
            self._settle(spec, maker, maker_account, qty, level.price, trade_id, True, now, pos)
            self._print_trade(spec.symbol, Trade(trade_id, level.price, qty, now, buyer_is_maker=maker.side == "BUY"))

    def _settle(self, spec: KrakenPair, order: KrakenOrder, account: KrakenAccount, qty: Decimal, price: Decimal,
                trade_id: int, is_maker: bool, now: int, pos: str) -> None:
        # what moves in the quote asset is on that asset's grid (USD: 4 decimals), so every balance
        # Kraken shows is exactly the balance kept; rounded down, so a buy never spends more than
        # the exact cost and fee its hold was computed from (an all-in buy keeps available >= 0)
        quantum = Decimal(1).scaleb(-asset_decimals(spec.quote_asset))
        exact = price * qty
        cost = exact.quantize(quantum, rounding=ROUND_DOWN)
        fee = (exact * self._fee_rate(account, spec, is_maker)).quantize(quantum, rounding=ROUND_DOWN)
        order.executed_qty += qty
        order.cum_quote += exact
        order.fee += fee
        order.update_time = now
        order.status = "FILLED" if order.remaining <= ZERO else "PARTIALLY_FILLED"
        txid = self.txid("T")
        if order.side == "BUY":
            spent = cost + fee
            if order.type == "LIMIT":
                still = _up(order.remaining * order.price * (1 + self._fee_rate(account, spec, False)),
                            asset_decimals(spec.quote_asset))
                release = max(ZERO, min(order.hold, order.hold - still))
            else:
                release = min(order.hold, spent)
            order.hold -= release
            account.add_hold(spec.quote_asset, -release)
            self._ledger(account, spec.quote_asset, -spent, fee, txid, now)
            self._ledger(account, spec.base_asset, qty, ZERO, txid, now)
        else:
            order.hold -= qty
            account.add_hold(spec.base_asset, -qty)
            self._ledger(account, spec.base_asset, -qty, ZERO, txid, now)
            self._ledger(account, spec.quote_asset, cost - fee, fee, txid, now)
        fill = KrakenFill(txid, trade_id, order, price, qty, cost, fee, spec.quote_asset, is_maker, now, pos)
        self.fills.setdefault(account.account_id, []).append(fill)
        self._record_fill(order, fill)
        self._event(order, "trade", now, fill=fill, status="partially_filled")
        if order.status == "FILLED":
            self._close(order, account, "FILLED", now)

    def _close(self, order: KrakenOrder, account: KrakenAccount, status: str, now: int,
               reason: str | None = None) -> None:
        if order.on_book:
            self.books[order.symbol].remove(order)
            order.on_book = False
        spec = self.specs[order.symbol]
        if order.hold:
            account.add_hold(spec.quote_asset if order.side == "BUY" else spec.base_asset, -order.hold)
            order.hold = ZERO
        order.status, order.reason, order.close_time, order.update_time = status, reason, now, now
        self._closed(order)
        self.closed.setdefault(account.account_id, []).append(order)
        self._event(order, "filled" if status == "FILLED" else "canceled", now)

    # -- cancel ---------------------------------------------------------------------------------
    def find(self, account: KrakenAccount, txid: str | None = None, cl_ord_id: str | None = None,
             userref: int | None = None) -> list[KrakenOrder]:
        """The account's orders by txid, open orders by cl_ord_id or userref."""
        if txid is not None:
            order = self.by_txid.get(txid)
            return [order] if order is not None and order.account_id == account.account_id else []
        if cl_ord_id is not None:
            found = self.open_by_cl_ord_id(account, cl_ord_id)
            return [found] if found is not None else []
        if userref is not None:
            return [o for o in self.open_orders(account) if o.userref == userref]
        return []

    def cancel(self, account: KrakenAccount, orders: list[KrakenOrder], reason: str = "User requested") -> int:
        """Cancel the open ones of ``orders``; returns how many were cancelled."""
        now = self.clock.now_ms()
        count = 0
        for order in orders:
            if order.is_open:
                self._close(order, account, "CANCELED", now, reason)
                count += 1
        self._flush()
        return count

    def deposit(self, account: KrakenAccount, asset: str, amount: Decimal) -> None:
        """Credit ``amount`` (a ledger entry of type ``deposit`` on the balances channel)."""
        if not amount.is_finite() or -amount.as_tuple().exponent > asset_decimals(asset):  # type: ignore[operator]
            raise ValueError(f"{asset} has {asset_decimals(asset)} decimals; the amount must be finite and on them")
        if account.balance.get(asset, ZERO) + amount < account.hold.get(asset, ZERO):
            raise kraken_error(E.INSUFFICIENT_FUNDS)
        self._ledger(account, asset, amount, ZERO, self.txid("L"), self.clock.now_ms(), kind="deposit")
        self._flush()

    # -- events ------------------------------------------------------------------------------------
    def _event(self, order: KrakenOrder, exec_type: str, now: int, fill: KrakenFill | None = None,
               status: str | None = None) -> None:
        if self.user_listeners:
            spec = self.specs[order.symbol]
            self._pending.append((order.account_id, {"kind": "execution",
                                                     "data": ws_order(order, spec, exec_type, now, fill, status)}))

    def _ledger(self, account: KrakenAccount, asset: str, amount: Decimal, fee: Decimal, ref: str, now: int,
                kind: str = "trade") -> None:
        account.credit(asset, amount)
        self._ledger_id += 1
        if self.user_listeners:
            self._pending.append((account.account_id, {"kind": "balance", "data": {
                "asset": asset, "asset_class": "currency", "amount": amount, "balance": account.balance[asset],
                "fee": fee, "ledger_id": f"L{self._ledger_id:05d}-SIM-{ref[-6:]}", "ref_id": ref,
                "timestamp": iso(now), "type": kind, "subtype": "", "category": kind,
                "wallet_type": "spot", "wallet_id": "SPOT"}}))

    def _flush(self) -> None:
        events, self._pending = self._pending, []
        # order reports of the step first, then its ledger entries (section 7)
        events.sort(key=lambda e: e[1]["kind"] != "execution")
        self._deliver(events)


def _up(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_UP)

