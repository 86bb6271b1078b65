"""Background traders on the USDⓈ-M market: the kernel's decisions on the futures engine.

``FuturesBackgroundTraders`` reuses every decision of the kernel's
``BackgroundTraders`` (same random walk, same mix of
resting orders, market orders and cancels, same seed -> same actions as on
the spot venue) and gives only how orders reach this venue:

* resting orders are LIMIT GTX (the futures post-only; the venue has no
  LIMIT_MAKER, docs/binance_usdm_futures.md section 4);
* market orders come from a second account: the venue always prevents
  self-trades (EXPIRE_TAKER), so one account taking its own quotes would print
  no trade at all;
* the mark and index prices follow the traders' mid, so ``@markPrice``,
  positions' unrealised PnL and funding move with the book.

Both accounts are fee-free with a wallet large enough that margin never binds.
"""
from __future__ import annotations

from decimal import Decimal

from ...kernel.traders import BackgroundTraders
from .engine import FuturesEngine
from .margin import FuturesAccount

#: USDT in each trader account's wallet: margin never refuses them
TRADER_WALLET = Decimal("1000000000000")


class FuturesBackgroundTraders(BackgroundTraders):
    """Seeded makers and takers on every contract of ``engine`` (see the module doc)."""

    def __init__(self, engine: FuturesEngine, maker: FuturesAccount, taker: FuturesAccount, *, seed: int = 0,
                 rate: float = 5.0, volatility: float = 0.001, max_orders: int = 200) -> None:
        super().__init__(engine, maker, seed=seed, rate=rate, volatility=volatility, max_orders=max_orders,
                         taker_account=taker)
        for account in (maker, taker):
            for symbol, spec in engine.specs.items():
                account.leverage[symbol] = spec.max_leverage

    def _place_maker(self, symbol: str, side: str, qty: Decimal, price: Decimal) -> None:
        self.engine.place_order(self.account, symbol, side, "LIMIT", quantity=qty, price=price, time_in_force="GTX")

    def _place_market(self, symbol: str, side: str, qty: Decimal) -> None:
        spec = self.engine.specs[symbol]
        self.engine.place_order(self.taker_account, symbol, side, "MARKET", quantity=min(qty, spec.market_max_qty))

    def _cancel(self, symbol: str, order_id: int) -> None:
        self.engine.cancel_order(self.account, symbol, order_id)

    def _moved(self, symbol: str) -> None:
        tick = self.engine.specs[symbol].tick_size
        mark = max(tick, (self.mid[symbol] // tick) * tick)
        self.engine.set_mark_price(symbol, mark, mark)
