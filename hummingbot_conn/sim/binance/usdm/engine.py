"""The USDⓈ-M matching engine: orders, positions, margin, mark prices and funding.

``FuturesEngine`` builds on the kernel's ``MatchingCore``
(one price-time book per contract, the order registry, the trade tape, event
delivery: the same as the spot venue's) and matches LIMIT (GTC / IOC / FOK /
GTX) and MARKET orders against it. Each accepted order is checked in the
venue's order (docs/binance_usdm_futures.md section 4): symbol, position side
against the account's mode, parameters, filters, duplicate client id, reduce-only, post-only, then margin. Fills move
positions and the wallet (realised PnL minus commission), append to the
income history, and publish ``ORDER_TRADE_UPDATE`` / ``ACCOUNT_UPDATE``
events to ``user_listeners`` once the step is complete. Funding is settled
per contract whenever the clock passes its next funding time.
"""
from __future__ import annotations

import itertools
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from ...kernel.book import SymbolBook
from ...kernel.matching import MatchingCore
from ..errors import SimError
from . import render
from .margin import FuturesAccount, FuturesAccountRegistry
from .records import FuturesFill, FuturesOrder, FuturesTrade, Income
from .specs import FuturesSymbolSpec

ZERO = Decimal(0)
Q8 = Decimal("0.00000001")
EIGHT_HOURS_MS = 8 * 3600 * 1000

UNKNOWN_ORDER = SimError(-2011, "Unknown order sent.")
NO_SUCH_ORDER = SimError(-2013, "Order does not exist.")
MARGIN_INSUFFICIENT = SimError(-2019, "Margin is insufficient.")
REDUCE_ONLY_REJECTED = SimError(-2022, "ReduceOnly Order is rejected.")
POSITION_SIDE_MISMATCH = SimError(-4061, "Order's position side does not match user's setting.")


class FuturesEngine(MatchingCore[FuturesSymbolSpec, FuturesOrder]):
    """Matching, margin and funding for several contracts; ``clock`` gives every timestamp."""

    def __init__(self, specs: list[FuturesSymbolSpec], accounts: FuturesAccountRegistry, clock, *,
                 funding_interval_ms: int = EIGHT_HOURS_MS, funding_rate: Decimal | str = "0.0001",
                 trade_history: int = 1000) -> None:
        if funding_interval_ms <= 0:
            raise ValueError("funding_interval_ms must be > 0")
        super().__init__(specs, accounts, clock, trade_history=trade_history)
        self.accounts: FuturesAccountRegistry = accounts
        now = clock.now_ms()
        self.mark = {s.symbol: s.initial_price for s in specs}
        self.index = {s.symbol: s.initial_price for s in specs}
        self.funding_rate = {s.symbol: Decimal(funding_rate) for s in specs}
        self.funding_interval_ms = funding_interval_ms
        self.next_funding = {s.symbol: now - now % funding_interval_ms + funding_interval_ms for s in specs}
        self._tran_ids = itertools.count(1)
        self._client_ids = itertools.count(1)
        self.income: dict[int, list[Income]] = {}
        # symbol -> (funding time ms, rate, mark price) of every settlement: GET /fapi/v1/fundingRate
        self.funding_history: dict[str, list[tuple[int, Decimal, Decimal]]] = {s.symbol: [] for s in specs}

    # -- helpers ---------------------------------------------------------------------
    def unknown_symbol(self) -> SimError:
        return SimError(-1121, "Invalid symbol.")

    def leverage(self, account: FuturesAccount, symbol: str) -> int:
        return account.leverage.get(symbol, self.specs[symbol].default_leverage)

    def position_initial_margin(self, account: FuturesAccount) -> Decimal:
        return sum((abs(p.amount) * self.mark[s] / self.leverage(account, s)
                    for (s, _), p in account.positions.items() if p.amount), ZERO)

    def open_order_initial_margin(self, account: FuturesAccount) -> Decimal:
        return sum((o.remaining * o.price / self.leverage(account, o.symbol)
                    for o in self.open_orders(account) if not o.reduce_only and not self._is_closing(o)), ZERO)

    def unrealized(self, account: FuturesAccount) -> Decimal:
        return sum((p.unrealized(self.mark[s]) for (s, _), p in account.positions.items()), ZERO)

    def available(self, account: FuturesAccount) -> Decimal:
        """Cross-margin available balance (docs/binance_usdm_futures.md section 7)."""
        return (account.wallet + self.unrealized(account) - self.position_initial_margin(account)
                - self.open_order_initial_margin(account))

    @staticmethod
    def _is_closing(order: FuturesOrder) -> bool:
        # hedge mode: SELL on LONG and BUY on SHORT only reduce
        return (order.position_side == "LONG" and order.side == "SELL") or \
            (order.position_side == "SHORT" and order.side == "BUY")

    def _emit(self, account_id: int, event: dict) -> None:
        self._pending.append((account_id, event))

    def _flush(self, now: int, reason: str = "ORDER") -> None:
        """Publish the step: ORDER_TRADE_UPDATEs, then one ACCOUNT_UPDATE per touched account."""
        events, self._pending = self._pending, []
        for account in self.accounts:
            if account.touched or account.wallet_touched:
                account.update_time = max(account.update_time, now)
                positions = [account.position(s, ps) for s, ps in sorted(account.touched)]
                events.append((account.account_id, render.account_update(
                    account, reason, positions, self.mark, now)))
                account.touched = set()
                account.wallet_touched = False
        self._deliver(events)

    def _record_income(self, account: FuturesAccount, symbol: str, kind: str, amount: Decimal, now: int,
                       trade_id: str = "", info: str = "") -> None:
        self.income.setdefault(account.account_id, []).append(
            Income(symbol, kind, amount, account.asset, now, next(self._tran_ids), trade_id, info))

    def reference_price(self, symbol: str, side: str) -> Decimal:
        book = self.books[symbol]
        level = book.best_ask() if side == "BUY" else book.best_bid()
        return level.price if level is not None else self.mark[symbol]

    # -- order entry ------------------------------------------------------------------
    def place_order(self, account: FuturesAccount, symbol: str, side: str, order_type: str, *,
                    quantity: Decimal | None, price: Decimal | None = None, time_in_force: str | None = None,
                    position_side: str | None = None, reduce_only: bool = False,
                    client_order_id: str | None = None) -> tuple[FuturesOrder, dict]:
        """Validate, match and publish one order; returns (order, its state as first accepted).

        Raises :class:`~hummingbot_conn.sim.SimError` with nothing changed when the order is rejected.
        """
        spec = self.spec(symbol)
        if spec.status != "TRADING":
            raise SimError(-4048, "Symbol is not trading.")
        if side not in ("BUY", "SELL"):
            raise SimError(-1117, "Invalid side.")
        if account.dual_side:
            if position_side not in ("LONG", "SHORT"):
                raise POSITION_SIDE_MISMATCH
            if reduce_only:
                raise SimError(-1106, "Parameter 'reduceonly' sent when not required.")
        else:
            if position_side not in (None, "BOTH"):
                raise POSITION_SIDE_MISMATCH
            position_side = "BOTH"
        if quantity is None:
            raise SimError(-1102, "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed.")
        for name, value in (("quantity", quantity), ("price", price)):
            if value is not None and not value.is_finite():
                raise SimError(-1100, f"Illegal characters found in parameter '{name}'.")
        is_market = order_type == "MARKET"
        if is_market:
            if price is not None:
                raise SimError(-1106, "Parameter 'price' sent when not required.")
            tif = "GTC"
        elif order_type == "LIMIT":
            if price is None:
                raise SimError(-1102, "Mandatory parameter 'price' was not sent, was empty/null, or malformed.")
            if time_in_force is None:
                raise SimError(-1102, "Mandatory parameter 'timeInForce' was not sent, was empty/null, "
                               "or malformed.")
            if time_in_force not in ("GTC", "IOC", "FOK", "GTX"):
                raise SimError(-1115, "Invalid timeInForce.")
            tif = time_in_force
            spec.check_price(price)
        else:
            raise SimError(-1116, "Invalid orderType.")
        spec.check_quantity(quantity, is_market)
        ref = self.reference_price(symbol, side) if price is None else price
        closing = self._closing_qty(account, symbol, side, position_side, quantity, reduce_only)
        spec.check_notional(ref * quantity, reduce_only or closing >= quantity)
        client_order_id = client_order_id or f"sim{next(self._client_ids):020d}"
        if self.is_open_client_id(account.account_id, symbol, client_order_id):
            raise SimError(-4116, "ClientOrderId is duplicated.")
        book = self.books[symbol]
        if tif == "GTX":
            best = book.best_ask() if side == "BUY" else book.best_bid()
            if best is not None and (ref >= best.price if side == "BUY" else ref <= best.price):
                raise SimError(-5022, "Due to the order could not be executed as maker, the Post Only order "
                               "will be rejected.")
        opening = quantity - closing
        if opening > ZERO and opening * ref / self.leverage(account, symbol) > self.available(account):
            raise MARGIN_INSUFFICIENT

        now = self.clock.now_ms()
        order = FuturesOrder(symbol, self._new_order_id(symbol), client_order_id, account.account_id, side,
                             order_type, tif, price if price is not None else ZERO, quantity, now, now,
                             position_side=position_side, reduce_only=reduce_only)
        self._register(order)
        accepted = render.order_json(order)
        self._emit(account.account_id, render.order_trade_update(order, "NEW", now))
        if tif == "FOK" and book.fillable(side, order.price, quantity) < quantity:
            self._finish(order, "EXPIRED", now)
        else:
            self._match(spec, book, order, now)
            if order.is_open:
                if order.type == "LIMIT" and tif in ("GTC", "GTX"):
                    order.on_book = True
                    book.add(order)
                else:
                    self._finish(order, "EXPIRED", now)
        if not order.is_open:
            self._closed(order)
        self._flush(now)
        return order, accepted

    def _closing_qty(self, account: FuturesAccount, symbol: str, side: str, position_side: str,
                     qty: Decimal, reduce_only: bool) -> Decimal:
        """How much of ``qty`` would reduce an existing position (rejects invalid reductions)."""
        signed = qty if side == "BUY" else -qty
        if position_side == "BOTH":
            amount = account.position(symbol, "BOTH").amount
            opposite = amount != ZERO and (amount > ZERO) != (signed > ZERO)
            if reduce_only and (not opposite or qty > abs(amount)):
                raise REDUCE_ONLY_REJECTED
            return min(qty, abs(amount)) if opposite else ZERO
        amount = account.position(symbol, position_side).amount
        closing = (position_side == "LONG") == (side == "SELL")
        if not closing:
            return ZERO
        if qty > abs(amount):
            raise REDUCE_ONLY_REJECTED
        return qty

    def _match(self, spec: FuturesSymbolSpec, book: SymbolBook, taker: FuturesOrder, now: int) -> None:
        while (found := self._maker_for(book, taker)) is not None:
            level, maker = found
            if maker.account_id == taker.account_id:
                # self-trade prevention, EXPIRE_TAKER (the venue's default mode)
                taker.status = "EXPIRED_IN_MATCH"
                taker.update_time = now
                self._emit(taker.account_id, render.order_trade_update(taker, "EXPIRED", now))
                return
            # A reducing order never trades past the position it reduces (docs/binance_usdm_futures.md
            # section 4): it was checked when placed, but the position may have shrunk since.
            qty = min(taker.remaining, maker.remaining)
            room_maker, room_taker = self._reducible(maker), self._reducible(taker)
            if room_maker is not None and room_maker <= ZERO:
                self._finish(maker, "EXPIRED", now)
                continue
            if room_taker is not None and room_taker <= ZERO:
                self._finish(taker, "EXPIRED", now)
                return
            qty = min(qty, room_maker if room_maker is not None else qty, room_taker if room_taker is not None else qty)
            before = [(o, self._position_amount(o)) for o in (taker, maker)]
            self._trade(spec, book, taker, maker, qty, level.price, now)
            for order, amount in before:
                after = self._position_amount(order)
                if after == ZERO or (after > ZERO) != (amount > ZERO):
                    self._expire_unreducible(order.account_id, order.symbol, now)

    def _reducible(self, order: FuturesOrder) -> Decimal | None:
        """How much more a reducing order (one-way reduce-only, hedge-mode close) may trade: the
        position it reduces, 0 when there is none in its direction; None for an order that may open."""
        account = self.accounts.by_id(order.account_id)
        if order.position_side == "BOTH":
            if not order.reduce_only:
                return None
            amount = account.position(order.symbol, "BOTH").amount
            return abs(amount) if amount != ZERO and (amount > ZERO) == (order.side == "SELL") else ZERO
        if not self._is_closing(order):
            return None
        return abs(account.position(order.symbol, order.position_side).amount)

    def _position_amount(self, order: FuturesOrder) -> Decimal:
        return self.accounts.by_id(order.account_id).position(order.symbol, order.position_side).amount

    def _expire_unreducible(self, account_id: int, symbol: str, now: int) -> None:
        """A position closed (or flipped): the account's open reducing orders with nothing left to
        reduce are EXPIRED, as the venue does (docs/binance_usdm_futures.md section 4)."""
        # (a taker that has just filled is still indexed until place_order closes it: only open ones count)
        stale = [o for o in self._open_by_client.values()
                 if o.account_id == account_id and o.symbol == symbol and o.is_open]
        for order in stale:
            room = self._reducible(order)
            if room is not None and room <= ZERO:
                self._finish(order, "EXPIRED", now)

    def _trade(self, spec: FuturesSymbolSpec, book: SymbolBook, taker: FuturesOrder, maker: FuturesOrder,
               qty: Decimal, price: Decimal, now: int) -> None:
        symbol = spec.symbol
        trade_id = self._new_trade(symbol)
        book.reduce(maker, qty)
        for order, is_maker in ((taker, False), (maker, True)):
            fill = self._settle(order, qty, price, trade_id, is_maker, now)
            self._emit(order.account_id, render.order_trade_update(order, "TRADE", now, fill))
        if maker.remaining <= ZERO:
            maker.on_book = False
            self._closed(maker)
        self._print_trade(symbol, FuturesTrade(trade_id, price, qty, now, buyer_is_maker=maker.side == "BUY"))

    def _settle(self, order: FuturesOrder, qty: Decimal, price: Decimal, trade_id: int, is_maker: bool,
                now: int) -> FuturesFill:
        account = self.accounts.by_id(order.account_id)
        position = account.position(order.symbol, order.position_side)
        realized = position.apply_fill(qty if order.side == "BUY" else -qty, price)
        position.update_time = now
        rate = account.maker_rate if is_maker else account.taker_rate
        commission = (price * qty * rate).quantize(Q8, rounding=ROUND_DOWN)
        account.credit(realized - commission)
        account.touched.add((order.symbol, order.position_side))
        if realized:
            self._record_income(account, order.symbol, "REALIZED_PNL", realized, now, str(trade_id))
        if commission:
            self._record_income(account, order.symbol, "COMMISSION", -commission, now, str(trade_id))
        order.executed_qty += qty
        order.cum_quote += qty * price
        order.update_time = now
        order.status = "FILLED" if order.remaining <= ZERO else "PARTIALLY_FILLED"
        fill = FuturesFill(trade_id, order.order_id, order.side, order.position_side, price, qty, commission,
                           realized, is_maker, now)
        self._record_fill(order, fill)
        return fill

    def _finish(self, order: FuturesOrder, status: str, now: int) -> None:
        if order.on_book:
            self.books[order.symbol].remove(order)
            order.on_book = False
        order.status = status
        order.update_time = now
        self._closed(order)
        self._emit(order.account_id, render.order_trade_update(order, status, now))

    # -- cancel / query -----------------------------------------------------------------
    def find_order(self, account: FuturesAccount, symbol: str, order_id: int | None,
                   orig_client_id: str | None) -> FuturesOrder | None:
        self.spec(symbol)
        order = self._lookup(account.account_id, symbol, order_id, orig_client_id)
        if order is not None and order_id is not None and orig_client_id is not None \
                and order.client_order_id != orig_client_id:
            return None         # both ids given and they name different orders
        return order

    def cancel_order(self, account: FuturesAccount, symbol: str, order_id: int | None = None,
                     orig_client_id: str | None = None) -> FuturesOrder:
        order = self.find_order(account, symbol, order_id, orig_client_id)
        if order is None or not order.is_open:
            raise UNKNOWN_ORDER
        now = self.clock.now_ms()
        self._finish(order, "CANCELED", now)
        self._flush(now)
        return order

    def cancel_all(self, account: FuturesAccount, symbol: str) -> int:
        orders = self.open_orders(account, symbol)
        for order in orders:
            self.cancel_order(account, symbol, order.order_id)
        return len(orders)

    # -- account configuration -----------------------------------------------------------
    def set_leverage(self, account: FuturesAccount, symbol: str, leverage: int) -> None:
        spec = self.spec(symbol)
        if not 1 <= leverage <= spec.max_leverage:
            raise SimError(-4028, f"Leverage {leverage} is not valid")
        previous = account.leverage.get(symbol)
        account.leverage[symbol] = leverage
        if self.available(account) < ZERO:
            # the live venue refuses a leverage the current positions cannot carry
            if previous is None:
                del account.leverage[symbol]
            else:
                account.leverage[symbol] = previous
            raise MARGIN_INSUFFICIENT
        now = self.clock.now_ms()
        self._emit(account.account_id, {"e": "ACCOUNT_CONFIG_UPDATE", "E": now, "T": now,
                                        "ac": {"s": symbol, "l": leverage}})
        self._flush(now)

    def set_dual_side(self, account: FuturesAccount, dual: bool) -> None:
        if account.dual_side == dual:
            raise SimError(-4059, "No need to change position side.")
        if self.open_orders(account):
            raise SimError(-4067, "Position side cannot be changed if there exists open orders.")
        if account.has_position():
            raise SimError(-4068, "Position side cannot be changed if there exists position.")
        account.dual_side = dual
        account.positions.clear()

    def deposit(self, account: FuturesAccount, amount: Decimal) -> None:
        """Credit (or debit, when covered) the wallet: a TRANSFER income and ACCOUNT_UPDATE DEPOSIT."""
        if not amount.is_finite() or account.wallet + amount < ZERO:
            raise MARGIN_INSUFFICIENT
        now = self.clock.now_ms()
        account.credit(amount)
        self._record_income(account, "", "TRANSFER", amount, now)
        self._flush(now, "DEPOSIT" if amount >= ZERO else "WITHDRAW")

    # -- mark price and funding -------------------------------------------------------------
    def set_mark_price(self, symbol: str, mark: Decimal, index: Decimal | None = None) -> None:
        self.spec(symbol)
        if not mark.is_finite() or mark <= ZERO:
            raise ValueError("mark price must be a positive finite Decimal")
        self.mark[symbol] = mark
        if index is not None:
            self.index[symbol] = index

    def set_funding_rate(self, symbol: str, rate: Decimal) -> None:
        self.spec(symbol)
        if not rate.is_finite():
            raise ValueError("funding rate must be finite")
        self.funding_rate[symbol] = rate

    def settle_due_funding(self) -> int:
        """Settle every contract whose funding time has passed; returns the settlements made."""
        now = self.clock.now_ms()
        done = 0
        for symbol, due in self.next_funding.items():
            while now >= due:
                self._settle_funding(symbol, due)
                due += self.funding_interval_ms
                done += 1
            self.next_funding[symbol] = due
        return done

    def _settle_funding(self, symbol: str, at: int) -> None:
        """Each open position pays amount * mark * rate (longs pay when the rate is positive).

        The income row is stamped with the funding time ``at``; the wallet change (asset
        ``updateTime``, ``ACCOUNT_UPDATE`` ``E`` / ``T``) with the time the settlement runs, which is
        later when the clock passed several funding times at once: the venue's account times
        never go back.
        """
        mark, rate = self.mark[symbol], self.funding_rate[symbol]
        self.funding_history[symbol].append((at, rate, mark))
        for account in self.accounts:
            total = ZERO
            for (s, _), position in account.positions.items():
                if s == symbol and position.amount:
                    total -= (position.amount * mark * rate).quantize(Q8, rounding=ROUND_HALF_UP)
            if total:
                account.credit(total)
                self._record_income(account, symbol, "FUNDING_FEE", total, at)
        # funding touches only the wallet: ACCOUNT_UPDATE carries B and no P (cross margin)
        self._flush(max(at, self.clock.now_ms()), "FUNDING_FEE")
