"""Keeping the order path warm: a dry rehearsal of the last order, every few milliseconds.

Hot, ``buy()`` to the request's bytes handed to the socket takes about 25 us of our Python on
the development machine; the first ``buy()`` after 100 ms of doing other things took 150 to
400 us, because its code and data had left the CPU caches meanwhile (README, "Performance",
"Warm order path" has the measurements).  A latency-sensitive bot therefore asks the connector
to rehearse: every ``interval`` seconds the warmer runs the stages of the last order placed --
check and quantise against the trading rules, a client order id, the ``InFlightOrder``, and the
venue's request built and signed (``_rehearse_send``) -- and keeps nothing of it.

What a rehearsal never does: track an order, send anything, fire an event, take rate-limit
capacity (the throttler is asked whether it would admit, never charged) or touch a balance.  A
rehearsal that raises is counted (``failures``), its first error logged, and the next one tried
as usual: warming is an optimisation and must never disturb trading.  Off by default: each round
is a loop wake-up and a rehearsal that itself starts partly cold, 200 to 350 us of CPU on the
development machine, so 2 to 3.5 % of a core at the default 10 ms.  ``ExchangePyBase.warm_order_path`` turns it on.
"""
from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from typing import Any, Optional, Tuple

from ..common import OrderType, TradeType
from .client_order_id import ClientOrderIdGenerator

_logger = logging.getLogger(__name__)

#: seconds between two rehearsals when none is given: in tick to trade on the development machine,
#: 1, 5 and 20 ms gave the same order path; a connector idle between orders gains more from shorter
#: intervals, for more CPU (README, "Warm order path", has both)
DEFAULT_INTERVAL = 0.01
#: the id rehearsals use when the connector's id generator is the caller's own (never called here:
#: it may have effects we must not repeat)
REHEARSAL_ORDER_ID = "warm-0"

# (trading_pair, trade_type, order_type, amount, price, keyword arguments) of the last order sent
LastOrder = Tuple[str, TradeType, OrderType, Decimal, Optional[Decimal], dict]


def positive_interval(interval: Any) -> float:
    """``interval`` as float seconds; ``ValueError`` unless it is a finite number > 0 and <= 1."""
    if isinstance(interval, bool) or not isinstance(interval, (int, float)) or not 0 < interval <= 1:
        raise ValueError(f"interval must be a number of seconds > 0 and <= 1, not {interval!r}")
    return float(interval)


class OrderPathWarmer:
    """Rehearses the last order placed through ``connector`` (see the module doc).

    ``remember(...)`` is called by the order placer for each order it sent; ``run()`` is the loop
    (a network task of the connector); ``rehearse()`` one round (True when it ran).
    """

    def __init__(self, connector: Any, interval: float = DEFAULT_INTERVAL) -> None:
        self._connector = connector
        self.interval = positive_interval(interval)
        self.last: Optional[LastOrder] = None
        self.rehearsals = 0
        self.failures = 0

    def remember(self, trading_pair: str, trade_type: TradeType, order_type: OrderType, amount: Decimal,
                 price: Optional[Decimal], kwargs: dict) -> None:
        """The order just sent (its checked, quantised terms): what the next rehearsals run."""
        self.last = (trading_pair, trade_type, order_type, amount, price, kwargs)

    async def run(self) -> None:
        """Rehearse every ``interval`` seconds until cancelled."""
        while True:
            await asyncio.sleep(self.interval)
            self.rehearse()

    def rehearse(self) -> bool:
        """One rehearsal of the last order; False when there is none yet or it could not run."""
        last = self.last
        if last is None:
            return False
        connector = self._connector
        trading_pair, trade_type, order_type, amount, price, kwargs = last
        try:
            generator = connector._new_client_order_id
            order_id = generator(trade_type is TradeType.BUY, trading_pair) \
                if type(generator) is ClientOrderIdGenerator else REHEARSAL_ORDER_ID
            reference = None
            if order_type is OrderType.MARKET:
                reference = connector._market_reference_price(trading_pair, trade_type is TradeType.BUY)
            amount, price = connector._trading_rules_part.check_order(
                trading_pair, order_type, amount, price, reference)
            order = connector._create_in_flight_order(order_id, trading_pair, order_type, trade_type, amount, price,
                                                      **kwargs)
            connector._rehearse_send(order)
        except Exception:   # noqa: BLE001 - warming must never disturb trading: count, log once, go on
            self.failures += 1
            if self.failures == 1:
                _logger.warning("Rehearsing the order path of %s failed; rehearsals go on (counted in "
                                "failures).", trading_pair, exc_info=True)
            return False
        self.rehearsals += 1
        return True
