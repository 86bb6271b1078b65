"""The Binance spot matching engine: order entry, price-time matching, balances, events.

``MatchingEngine`` builds on the kernel's ``MatchingCore``
(one price-time book per symbol, the order registry, the trade tape, event
delivery) and adds what spot means. ``place_order`` validates (filters -> duplicate client id ->
balance, docs/binance_spot.md section 8), locks funds, matches at the resting orders'
prices in price-time priority, then rests, expires or fills the order, and
publishes executionReports / outboundAccountPosition to ``user_listeners``
and public trades to ``trade_listeners``. Everything is synchronous: one call
is one atomic matching step, which is what keeps event order exact.
"""
from __future__ import annotations

import random
from decimal import ROUND_DOWN, Decimal
from typing import Callable

from ...kernel.book import SymbolBook
from ...kernel.matching import MatchingCore
from .. import errors as E
from ..errors import SimError
from . import reports
from .accounts import Account, AccountRegistry
from .filters import SymbolSpec
from .records import Fill, Order, Trade

ZERO = Decimal(0)
COMMISSION_QUANTUM = Decimal("0.00000001")


class MatchingEngine(MatchingCore[SymbolSpec, Order]):
    """Matches orders for several symbols; ``clock`` gives every timestamp, ``seed`` the generated ids."""

    def __init__(self, specs: list[SymbolSpec], accounts: AccountRegistry, clock, seed: int = 0,
                 trade_history: int = 1000) -> None:
        super().__init__(specs, accounts, clock, trade_history=trade_history)
        self.accounts: AccountRegistry = accounts
        self._rng = random.Random(seed)
        self._next_exec_id = 1
        self._next_prevented_id = 1
        # user events are rendered only for accounts someone listens to (rendering is the
        # costliest part of a match); None = every account with any listener registered
        self.user_event_filter: Callable[[int], bool] | None = None

    # -- helpers --------------------------------------------------------------
    def unknown_symbol(self) -> SimError:
        return E.invalid_symbol()

    def new_client_id(self) -> str:
        return "sim" + format(self._rng.getrandbits(96), "024x")

    def _wants(self, account_id: int) -> bool:
        if not self.user_listeners:
            return False
        return self.user_event_filter is None or self.user_event_filter(account_id)

    def _exec_id(self) -> int:
        self._next_exec_id += 1
        return self._next_exec_id

    def _report(self, order: Order, exec_type: str, now: int, fill: Fill | None = None,
                cancel_client_id: str | None = None) -> None:
        if not self._wants(order.account_id):
            self._exec_id()  # ids must not depend on who happens to be listening
            return
        self._pending.append((order.account_id, reports.execution_report(
            order, exec_type, now, now, self._exec_id(), fill, cancel_client_id)))

    def _flush(self, now: int) -> None:
        """Publish the step's events: executionReports first, then one position per touched account."""
        events, self._pending = self._pending, []
        for account in self.accounts:
            if account.changed:
                account.update_time = now
                if self._wants(account.account_id):
                    events.append((account.account_id, reports.account_position(account, account.changed, now)))
                account.changed = set()
        self._deliver(events)

    def reference_price(self, symbol: str, side: str) -> Decimal | None:
        """Price used for MARKET notional checks: last trade, else the best opposite price."""
        last = self.last_price.get(symbol)
        if last is not None:
            return last
        book = self.books[symbol]
        level = book.best_ask() if side == "BUY" else book.best_bid()
        return level.price if level is not None else None

    # -- order entry -----------------------------------------------------------
    def validate_order(self, symbol: str, side: str, order_type: str, *,
                       quantity: Decimal | None = None, quote_order_qty: Decimal | None = None,
                       price: Decimal | None = None, time_in_force: str | None = None,
                       stp_mode: str | None = None) -> tuple[SymbolSpec, str, str]:
        """Symbol, type and filter checks (no balance, no book): (spec, timeInForce, STP mode).

        ``POST /api/v3/order/test`` stops here; ``place_order`` goes on.
        """
        spec = self.spec(symbol)
        if spec.status != "TRADING":
            raise E.new_order_rejected(E.MARKET_CLOSED)
        if side not in ("BUY", "SELL"):
            raise SimError(-1117, "Invalid side.")
        if order_type not in spec.order_types:
            raise SimError(-1116, "Invalid orderType.")
        stp_mode = stp_mode or spec.default_stp_mode
        if stp_mode not in spec.allowed_stp_modes:
            raise E.invalid_value("selfTradePreventionMode")
        is_market = order_type == "MARKET"
        for name, value in (("quantity", quantity), ("quoteOrderQty", quote_order_qty), ("price", price)):
            if value is not None and not value.is_finite():
                raise E.illegal_chars(name)
        if is_market:
            tif = "GTC"
            if (quantity is None) == (quote_order_qty is None):
                raise SimError(-1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!"
                               if quantity is None else "Parameter 'quoteOrderQty' sent when not required.")
            if quote_order_qty is not None:
                if not spec.quote_order_qty_market_allowed:
                    raise E.new_order_rejected(E.QUOTE_QTY_NOT_SUPPORTED)
                if quote_order_qty <= ZERO:
                    raise SimError(-1013, "Invalid quantity.")
                spec.check_notional(quote_order_qty, True)
            else:
                assert quantity is not None     # exactly one of the two was checked above
                spec.check_quantity(quantity)
                ref = self.reference_price(symbol, side)
                if ref is not None:
                    spec.check_notional(ref * quantity, True)
        else:
            if price is None:
                raise E.mandatory("price")
            if quantity is None:
                raise E.mandatory("quantity")
            given_tif = "GTC" if order_type == "LIMIT_MAKER" else time_in_force
            if given_tif is None or given_tif not in ("GTC", "IOC", "FOK"):
                raise SimError(-1115, "Invalid timeInForce.")
            tif = given_tif
            spec.check_price(price)
            spec.check_quantity(quantity)
            spec.check_notional(price * quantity, False)
        return spec, tif, stp_mode

    def place_order(self, account: Account, symbol: str, side: str, order_type: str, *,
                    quantity: Decimal | None = None, quote_order_qty: Decimal | None = None,
                    price: Decimal | None = None, time_in_force: str | None = None,
                    client_order_id: str | None = None, stp_mode: str | None = None,
                    ) -> tuple[Order, list[Fill]]:
        """Validate, lock, match and publish one new order; returns it and its fills.

        Raises :class:`SimError` (nothing changed) when the order is rejected.
        Cost: O(k log n) for k price levels crossed.
        """
        spec, tif, stp_mode = self.validate_order(symbol, side, order_type, quantity=quantity,
                                                  quote_order_qty=quote_order_qty, price=price,
                                                  time_in_force=time_in_force, stp_mode=stp_mode)
        book = self.books[symbol]
        is_market = order_type == "MARKET"
        client_order_id = client_order_id or self.new_client_id()
        if self.is_open_client_id(account.account_id, symbol, client_order_id):
            raise E.new_order_rejected(E.DUPLICATE_ORDER)
        if order_type == "LIMIT_MAKER":
            assert price is not None            # validate_order requires it
            best = book.best_ask() if side == "BUY" else book.best_bid()
            if best is not None and (price >= best.price if side == "BUY" else price <= best.price):
                raise E.new_order_rejected(E.WOULD_TAKE)

        # funds to lock: exact for MARKET (the step is atomic), worst case for LIMIT
        spend_asset = spec.quote_asset if side == "BUY" else spec.base_asset
        if is_market:
            lock_amount, qty = self._market_needs(spec, book, side, quantity, quote_order_qty)
        else:
            assert price is not None and quantity is not None   # validate_order requires both
            qty = quantity
            lock_amount = price * qty if side == "BUY" else qty
        account.lock(spend_asset, lock_amount)

        now = self.clock.now_ms()
        order = Order(symbol, self._new_order_id(symbol), client_order_id, account.account_id, side, order_type,
                      tif, price if price is not None else ZERO, qty, now, now,
                      orig_quote_qty=quote_order_qty if quote_order_qty is not None else ZERO, stp_mode=stp_mode,
                      working_time=now, locked=lock_amount)
        self._register(order)
        self._report(order, "NEW", now)

        fills: list[Fill] = []
        if tif == "FOK" and book.fillable(side, order.price, qty) < qty:
            self._finish(order, "EXPIRED", "UNFILLED_FOK_ORDER_EXPIRED", now)
        else:
            self._match(spec, book, order, account, fills, now)
            if order.is_open:
                if order.remaining <= ZERO:
                    order.status = "FILLED"
                    self._release(order, account)
                elif order.type in ("LIMIT", "LIMIT_MAKER") and tif == "GTC":
                    order.on_book = True
                    book.add(order)
                else:
                    reason = "INSUFFICIENT_LIQUIDITY" if is_market else "UNFILLED_IOC_QUANTITY_EXPIRED"
                    self._finish(order, "EXPIRED", reason, now)
        if not order.is_open:
            self._closed(order)
        self._flush(now)
        return order, fills

    def _market_needs(self, spec: SymbolSpec, book: SymbolBook, side: str,
                      quantity: Decimal | None, quote_qty: Decimal | None) -> tuple[Decimal, Decimal]:
        """Walk the book: (amount of the spent asset to lock, base quantity to trade)."""
        best = book.best_ask() if side == "BUY" else book.best_bid()
        if best is None:
            if quantity is None:
                raise E.new_order_rejected(E.LIQUIDITY_BELOW_MIN)
            return ZERO, quantity
        got_base = got_quote = ZERO
        for level in book.opposite_levels(side):
            if quantity is not None:
                take = min(level.total, quantity - got_base)
            else:
                assert quote_qty is not None    # validate_order: exactly one of the two
                take = min(level.total, spec.floor_to_step((quote_qty - got_quote) / level.price))
            if take <= ZERO:
                break
            got_base += take
            got_quote += take * level.price
        if quantity is None:
            if got_base < spec.min_qty:
                raise E.new_order_rejected(E.LIQUIDITY_BELOW_LOT)
            quantity = got_base
        return (got_quote if side == "BUY" else quantity), quantity

    def _match(self, spec: SymbolSpec, book: SymbolBook, taker: Order, account: Account,
               fills: list[Fill], now: int) -> None:
        while (found := self._maker_for(book, taker)) is not None:
            level, maker = found
            if maker.account_id == taker.account_id and taker.stp_mode != "NONE":
                if not self._prevent(book, taker, maker, account, now):
                    return
                continue
            qty = min(taker.remaining, maker.remaining)
            if taker.type == "MARKET" and taker.side == "BUY":
                # never spend beyond the walk's lock (self-trade prevention can skip cheap levels)
                qty = min(qty, spec.floor_to_step(taker.locked / level.price))
                if qty <= ZERO:
                    return
            self._trade(spec, book, taker, maker, qty, level.price, fills, now)

    def _prevent(self, book: SymbolBook, taker: Order, maker: Order, account: Account, now: int) -> bool:
        """Self-trade prevention by the taker's mode; returns whether matching may go on."""
        match_id = self._next_prevented_id
        self._next_prevented_id += 1
        qty = min(taker.remaining, maker.remaining)
        expire_maker = taker.stp_mode in ("EXPIRE_MAKER", "EXPIRE_BOTH")
        expire_taker = taker.stp_mode in ("EXPIRE_TAKER", "EXPIRE_BOTH")
        if expire_maker:
            maker.prevented_match_id, maker.prevented_qty = match_id, qty
            book.remove(maker)
            maker.on_book = False
            maker.status = "EXPIRED_IN_MATCH"
            self._release(maker, self.accounts.by_id(maker.account_id))
            self._closed(maker)
            maker.update_time = now
            self._report(maker, "TRADE_PREVENTION", now)
        if expire_taker:
            taker.prevented_match_id, taker.prevented_qty = match_id, qty
            taker.status = "EXPIRED_IN_MATCH"
            taker.update_time = now
            self._release(taker, account)
            self._report(taker, "TRADE_PREVENTION", now)
            return False
        return True

    def _trade(self, spec: SymbolSpec, book: SymbolBook, taker: Order, maker: Order, qty: Decimal,
               price: Decimal, fills: list[Fill], now: int) -> None:
        symbol = spec.symbol
        trade_id = self._new_trade(symbol)
        book.reduce(maker, qty)
        quote = price * qty
        taker_fill = self._settle(spec, taker, qty, price, quote, trade_id, False, now)
        maker_fill = self._settle(spec, maker, qty, price, quote, trade_id, True, now)
        if maker.remaining <= ZERO:
            maker.on_book = False
        fills.append(taker_fill)
        self._report(taker, "TRADE", now, taker_fill)
        self._report(maker, "TRADE", now, maker_fill)
        self._print_trade(symbol, Trade(trade_id, price, qty, now, buyer_is_maker=maker.side == "BUY"))

    def _settle(self, spec: SymbolSpec, order: Order, qty: Decimal, price: Decimal, quote: Decimal,
                trade_id: int, is_maker: bool, now: int) -> Fill:
        """Move funds for one side of a trade and update the order."""
        account = self.accounts.by_id(order.account_id)
        rate = account.maker_rate if is_maker else account.taker_rate
        if order.side == "BUY":
            account.spend_locked(spec.quote_asset, quote)
            order.locked -= quote
            received_asset, received = spec.base_asset, qty
        else:
            account.spend_locked(spec.base_asset, qty)
            order.locked -= qty
            received_asset, received = spec.quote_asset, quote
        commission = (received * rate).quantize(COMMISSION_QUANTUM, rounding=ROUND_DOWN)
        account.credit(received_asset, received - commission)
        order.executed_qty += qty
        order.cum_quote += quote
        order.update_time = now
        order.status = "FILLED" if order.remaining <= ZERO else "PARTIALLY_FILLED"
        if order.side == "BUY" and order.type != "MARKET":
            # a BUY filled below its limit frees the difference beyond what the rest still needs
            excess = order.locked - order.remaining * order.price
            if excess > ZERO:
                account.unlock(spec.quote_asset, excess)
                order.locked -= excess
        if order.status == "FILLED":
            self._release(order, account)
            self._closed(order)
        fill = Fill(trade_id, order.order_id, price, qty, commission, received_asset, is_maker,
                    order.side == "BUY", now)
        self._record_fill(order, fill)
        return fill

    def _release(self, order: Order, account: Account) -> None:
        if order.locked:
            spec = self.specs[order.symbol]
            account.unlock(spec.quote_asset if order.side == "BUY" else spec.base_asset, order.locked)
            order.locked = ZERO

    def _finish(self, order: Order, status: str, reason: str | None, now: int,
                cancel_client_id: str | None = None) -> None:
        order.status = status
        order.expiry_reason = reason
        order.update_time = now
        self._finish_quiet(order, self.accounts.by_id(order.account_id))
        self._report(order, status, now, cancel_client_id=cancel_client_id)

    def _finish_quiet(self, order: Order, account: Account) -> None:
        if order.on_book:
            self.books[order.symbol].remove(order)
            order.on_book = False
        self._release(order, account)
        self._closed(order)
        if order.type == "MARKET" and order.orig_quote_qty:
            order.orig_qty = order.executed_qty

    # -- cancel / query ---------------------------------------------------------------
    def find_order(self, account: Account, symbol: str, order_id: int | None,
                   orig_client_id: str | None) -> Order | None:
        """The account's order by id, else by its latest client id (no check that the two agree)."""
        return self._lookup(account.account_id, symbol, order_id, orig_client_id)

    def get_order(self, account: Account, symbol: str, order_id: int | None = None,
                  orig_client_id: str | None = None) -> Order:
        self.spec(symbol)
        order = self.find_order(account, symbol, order_id, orig_client_id)
        if order is None:
            raise E.no_such_order()
        if order_id is not None and orig_client_id is not None and order.client_order_id != orig_client_id:
            raise SimError(-2039, "Client order ID is not correct for this order ID.")
        return order

    def cancel_order(self, account: Account, symbol: str, order_id: int | None = None,
                     orig_client_id: str | None = None, new_client_id: str | None = None,
                     cancel_restrictions: str | None = None) -> tuple[Order, str, int]:
        """Cancel one open order; returns (order, cancel client id, transact time). O(log n)."""
        self.spec(symbol)
        order = self.find_order(account, symbol, order_id, orig_client_id)
        if order is None or not order.is_open:
            raise E.cancel_rejected()
        if order_id is not None and orig_client_id is not None and order.client_order_id != orig_client_id:
            raise E.cancel_rejected()
        if cancel_restrictions == "ONLY_NEW" and order.status != "NEW" or \
                cancel_restrictions == "ONLY_PARTIALLY_FILLED" and order.status != "PARTIALLY_FILLED":
            raise E.cancel_rejected("Order was not canceled due to cancel restrictions.")
        now = self.clock.now_ms()
        cancel_id = new_client_id or self.new_client_id()
        self._finish(order, "CANCELED", None, now, cancel_client_id=cancel_id)
        self._flush(now)
        return order, cancel_id, now

    def cancel_all(self, account: Account, symbol: str) -> list[tuple[Order, str, int]]:
        self.spec(symbol)
        open_orders = self.open_orders(account, symbol)
        if not open_orders:
            raise E.cancel_rejected()
        cancel_id = self.new_client_id()
        return [self.cancel_order(account, symbol, o.order_id, new_client_id=cancel_id) for o in open_orders]

    def deposit(self, account: Account, asset: str, delta: Decimal) -> None:
        """Credit (or debit, if negative and covered) ``asset``: balanceUpdate + outboundAccountPosition."""
        if not delta.is_finite() or account.free(asset) + delta < ZERO:
            raise E.new_order_rejected(E.INSUFFICIENT_BALANCE)
        now = self.clock.now_ms()
        account.credit(asset, delta)
        self._pending.append((account.account_id, reports.balance_update(asset, delta, now)))
        self._flush(now)
