"""Account events over JetStream against a real nats-server: stored once, handled once by key.

The publisher listens to a connector's event hub (``PubSub``, what
``ExchangePyBase.add_listener`` reaches, and a real ``BinanceExchange`` on the
simulator); the strategy reads with a durable consumer.  Faults: the server
restarted while events are published (they wait and are stored once it is
back), an event reported twice by the connector, and a strategy stopped
mid-session and restarted (it gets what it missed, each event once).
"""
import asyncio
from decimal import Decimal

import pytest
from support import until
from support.nats_server import NatsServer

from hummingbot_conn.bus.account import AccountEventConsumer, AccountEventPublisher
from hummingbot_conn.common import OrderType, TradeType
from hummingbot_conn.core.pubsub import PubSub
from hummingbot_conn.core.trade_fee import AddedToCostTradeFee
from hummingbot_conn.events import MarketEvent, OrderCancelledEvent, OrderFilledEvent


@pytest.fixture
def jetstream():
    with NatsServer(jetstream=True) as server:
        yield server


def _fill(n):
    return OrderFilledEvent(1000.0 + n, f"order-{n // 2}", "BTC-USDT", TradeType.BUY, OrderType.LIMIT,
                            Decimal("100.5"), Decimal("0.00000001") * (n + 1), AddedToCostTradeFee(Decimal("0.001")),
                            exchange_trade_id=f"trade-{n}")


async def _consume(server, handled, stop_after=None, state_path=None, account="main"):
    consumer = AccountEventConsumer(server.url, account, "strategy-a", state_path=state_path, batch=1)

    def handler(event):
        handled.append(event)
        if stop_after is not None and len(handled) >= stop_after:
            consumer.stop()

    task = asyncio.ensure_future(consumer.run(handler))
    return consumer, task


async def test_events_survive_a_server_restart_and_a_strategy_restart_each_once(jetstream, tmp_path):
    hub = PubSub()
    publisher = AccountEventPublisher(jetstream.url, hub, "main")
    await publisher.start()
    try:
        for n in range(4):
            hub.trigger_event(MarketEvent.OrderFilled, _fill(n))
        hub.trigger_event(MarketEvent.OrderFilled, _fill(2))       # the connector reports a fill twice
        await until(lambda: publisher.pending == 0, timeout=10)
        # the server goes away while the connector keeps reporting: nothing is dropped
        await asyncio.to_thread(jetstream.stop)
        for n in range(4, 8):
            hub.trigger_event(MarketEvent.OrderFilled, _fill(n))
        hub.trigger_event(MarketEvent.OrderCancelled, OrderCancelledEvent(2000.0, "order-9"))
        await asyncio.sleep(0.5)
        assert publisher.pending == 5
        await asyncio.to_thread(jetstream.start)
        await until(lambda: publisher.pending == 0, timeout=20)
        assert publisher.stats["stored"] == 9 and publisher.stats["duplicates"] == 1

        state = str(tmp_path / "handled.keys")
        first_run = []
        consumer, task = await _consume(jetstream, first_run, stop_after=3, state_path=state)
        await _wait(task)
        assert len(first_run) == 3
        # restarted mid-session: the rest, each once, in order
        second_run = []
        consumer, task = await _consume(jetstream, second_run, state_path=state)
        await until(lambda: len(second_run) >= 6, timeout=20)
        await asyncio.sleep(0.5)        # anything more would be a duplicate
        consumer.stop()
        await _wait(task)
        keys = [e["key"] for e in first_run + second_run]
        assert len(keys) == 9 and len(set(keys)) == 9
        fills = [e for e in first_run + second_run if e["kind"] == "fill"]
        assert [e["exchange_trade_id"] for e in fills] == [f"trade-{n}" for n in range(8)]
        assert fills[0]["amount"] == "0.00000001" and fills[0]["price"] == "100.5"     # plain decimal text
        assert (first_run + second_run)[-1]["kind"] == "cancelled"
    finally:
        await publisher.stop()


async def test_a_redelivered_event_already_handled_is_skipped(jetstream, tmp_path):
    hub = PubSub()
    publisher = AccountEventPublisher(jetstream.url, hub, "main")
    await publisher.start()
    try:
        hub.trigger_event(MarketEvent.OrderFilled, _fill(0))
        hub.trigger_event(MarketEvent.OrderFilled, _fill(1))
        await until(lambda: publisher.pending == 0, timeout=10)
        state = tmp_path / "handled.keys"
        # handled before a crash whose acknowledgement never reached the server
        state.write_text("fill:order-0:trade-0\n")
        handled = []
        consumer, task = await _consume(jetstream, handled, state_path=str(state))
        await until(lambda: consumer.duplicates == 1 and len(handled) == 1, timeout=20)
        consumer.stop()
        await _wait(task)
        assert [e["exchange_trade_id"] for e in handled] == ["trade-1"]
    finally:
        await publisher.stop()


async def _wait(task):
    async with asyncio.timeout(20):
        await task


async def test_a_real_connectors_order_events_and_fill_reach_the_strategy_once(jetstream):
    """``BinanceExchange`` on the simulator: its own events, as a strategy process would read them."""
    from support.venues import BinanceSpotVenue

    from hummingbot_conn.sim import SimulatedExchange

    async with SimulatedExchange(seed=5) as sim:
        venue = BinanceSpotVenue(sim)
        connector = venue.make_connector()
        await connector.start_network()
        publisher = AccountEventPublisher(jetstream.url, connector, "spot-main")
        handled = []
        consumer = task = None
        try:
            await connector.wait_ready(30)
            await publisher.start()
            order_id = connector.buy(venue.trading_pair, venue.order_amount, OrderType.LIMIT, venue.resting_price)
            await until(lambda: order_id in connector.in_flight_orders, timeout=10)
            venue.counterparty_limit("SELL", venue.order_amount, venue.resting_price)
            await until(lambda: order_id not in connector.in_flight_orders, timeout=20)
            await until(lambda: publisher.pending == 0 and publisher.stats["stored"] >= 3, timeout=20)
            consumer, task = await _consume(jetstream, handled, account="spot-main")
            await until(lambda: len(handled) >= 3, timeout=20)
            await asyncio.sleep(0.5)        # anything more would be a duplicate
            kinds = [e["kind"] for e in handled]
            assert kinds == ["created", "fill", "completed"], kinds
            fill = handled[1]
            assert fill["order_id"] == order_id and fill["exchange_trade_id"] and \
                Decimal(fill["amount"]) == venue.order_amount and Decimal(fill["price"]) == venue.resting_price
            assert fill["key"] == f"fill:{order_id}:{fill['exchange_trade_id']}"
        finally:
            if consumer is not None:
                consumer.stop()
                await _wait(task)
            await publisher.stop()
            await connector.stop_network()
