"""Kraken orders over the authenticated WebSocket v2 socket (``add_order`` / ``cancel_order``), end to end
against ``KrakenSimulatedExchange`` on real sockets (docs/kraken_spot.md sections 7 and 10): every guarantee
of the REST path (docs/contracts.md, Contract 2) holds over the socket, faults and a hostile venue included.

* the socket is the default, ``order_transport="rest"`` forces REST, REST carries orders and cancels
  while the socket is down, and a request whose token the venue refuses (not processed);
* tracked before sent, never sent twice: a lost answer, the socket closed after the send, no answer
  within ``ws_request_timeout``, answers that cannot be read -- each resolved by client id, with the
  simulator's count of received ``add_order`` frames at one;
* a refusal fails the order with Kraken's code; a rate-limit refusal fails it unsent again and marks the
  pair's trading counter full; a cancel refused so is sent again;
* amounts reach the venue as exact decimals (digits a binary float cannot hold).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable, List, Tuple

import pytest
from support import until

from hummingbot_conn.common import OrderType, TradeType
from hummingbot_conn.events import MarketEvent
from hummingbot_conn.exchanges.kraken import KrakenEndpoints, KrakenExchange
from hummingbot_conn.exchanges.kraken.trading_counter import TradingCounter
from hummingbot_conn.sim.kraken import KrakenSimulatedExchange
from hummingbot_conn.web.backoff import ExponentialBackoff

PAIR, SYMBOL, ALTNAME = "BTC-USD", "BTC/USD", "XBTUSD"
ADD_ORDER, CANCEL_ORDER = "/0/private/AddOrder", "/0/private/CancelOrder"


@pytest.fixture
async def sim():
    async with KrakenSimulatedExchange(seed=3, stream_interval=0.02) as sim:
        yield sim


class Session:
    """A trading connector on ``sim``, its events by order, and counts of what reached the venue."""

    def __init__(self, sim: Any, balances: dict | None = None, **options: Any) -> None:
        self.sim = sim
        self.key, secret = sim.create_account(balances or {"USD": "100000", "BTC": "2"})
        self.account = sim.accounts.by_key(self.key)
        options.setdefault("api_tier", "intermediate")          # the simulator's keys' tier
        options.setdefault("unknown_outcome_retry_delays", (0.1, 0.2, 0.4))
        self.connector = KrakenExchange(self.key, secret, [PAIR],
                                        domain=KrakenEndpoints.local(sim.rest_url.split("://", 1)[1]), **options)
        self.events: List[Tuple[str, Any]] = []
        for tag in MarketEvent:
            self.connector.add_listener(tag, lambda event, tag=tag: self.events.append((tag.name, event)))
        self.rest = {ADD_ORDER: [], CANCEL_ORDER: []}
        for path, calls in self.rest.items():
            handler, weight, security = sim.rest.endpoints[("POST", path)]

            def counting(*args: Any, _handler=handler, _calls=calls) -> Any:
                _calls.append(args[0])
                return _handler(*args)
            sim.rest.endpoints[("POST", path)] = (counting, weight, security)

    def ws(self, method: str) -> int:
        return self.sim.private_ws.requests[method]

    def kinds(self, order_id: str) -> List[str]:
        return [name for name, event in self.events if getattr(event, "order_id", None) == order_id]

    async def wait_kinds(self, order_id: str, kinds: List[str], timeout: float = 30) -> None:
        await until(lambda: self.kinds(order_id) == kinds, timeout=timeout)

    def venue_orders(self) -> List[str]:
        return [o.cl_ord_id for o in self.sim.engine.open_orders(self.account)]

    def venue_txid(self, order_id: str) -> str:
        found = self.sim.engine.find(self.account, cl_ord_id=order_id)
        assert len(found) == 1, found
        return found[0].txid

    async def __aenter__(self) -> "Session":
        await self.connector.start_network()
        await self.connector.wait_ready(timeout=30)
        entry = self.connector.ws_order_entry
        if entry is not None:
            await until(lambda: entry.up)
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.connector.stop_network()


def rewrite_answers(sim: Any, method: str, rewrite: Callable[[dict], Any]) -> None:
    """The venue processes ``method`` as usual and answers ``rewrite(answer)`` instead: a dict is sent
    as JSON, a str as is (text no JSON encoder writes)."""
    ws = sim.private_ws
    reply = ws._reply

    def rewritten(conn: Any, payload: dict) -> None:
        if payload.get("method") != method:
            return reply(conn, payload)
        changed = rewrite(payload)
        if isinstance(changed, str):
            conn.outbox.put(changed)
        else:
            reply(conn, changed)
    ws._reply = rewritten


async def test_orders_and_cancels_go_over_the_socket_by_default(sim):
    async with Session(sim) as s:
        assert s.connector.order_transport == "ws"
        connection = s.connector.ws_order_entry._connection
        assert connection.writes_at_once          # README "Performance": no wait for the loop turn's end
        order_id = s.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
        assert connection._ws._writer.transport.get_write_buffer_size() == 0
        await s.wait_kinds(order_id, ["BuyOrderCreated"])
        assert s.connector.in_flight_orders[order_id].exchange_order_id == s.venue_txid(order_id)
        s.connector.cancel(PAIR, order_id)
        await s.wait_kinds(order_id, ["BuyOrderCreated", "OrderCancelled"])
        assert (s.ws("add_order"), s.ws("cancel_order")) == (1, 1)
        assert s.rest == {ADD_ORDER: [], CANCEL_ORDER: []}
        assert s.venue_orders() == []


async def test_order_path_rehearsals_send_count_and_charge_nothing(sim):
    # connector/order_path_warmer.py on Kraken: the add_order frame is built every millisecond and
    # never written; the trading counter and the throttler only count the one real order
    async with Session(sim) as s:
        connector = s.connector
        connector.warm_order_path(0.001)
        order_id = connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
        await s.wait_kinds(order_id, ["BuyOrderCreated"])
        warmer = connector.order_path_warmer
        counter = connector._trading_counter.value(ALTNAME)
        await until(lambda: warmer.rehearsals >= 30)
        assert warmer.failures == 0
        assert connector._trading_counter.value(ALTNAME) <= counter
        assert list(connector.in_flight_orders) == [order_id]
        assert s.ws("add_order") == 1 and s.rest == {ADD_ORDER: [], CANCEL_ORDER: []}
        connector.cancel(PAIR, order_id)
        await s.wait_kinds(order_id, ["BuyOrderCreated", "OrderCancelled"])
        assert (s.ws("add_order"), s.ws("cancel_order")) == (1, 1)


@pytest.mark.parametrize("order_type", [OrderType.LIMIT, OrderType.MARKET])
async def test_an_order_over_the_socket_fills_and_balances_match_the_venue(sim, order_type):
    async with Session(sim) as s:
        sim.place_liquidity(SYMBOL, "sell", "60000", "0.01")
        await until(lambda: s.connector.get_price(PAIR, True) == Decimal("60000"))
        price = Decimal("60000") if order_type is OrderType.LIMIT else Decimal("NaN")
        order_id = s.connector.buy(PAIR, Decimal("0.002"), order_type, price)
        await s.wait_kinds(order_id, ["BuyOrderCreated", "OrderFilled", "BuyOrderCompleted"])
        await until(lambda: s.connector.get_balance("BTC") == s.account.balance["BTC"]
                    and s.connector.get_available_balance("USD") == s.account.available("USD"), timeout=20)
        assert s.ws("add_order") == 1 and s.rest[ADD_ORDER] == []


async def test_order_transport_rest_sends_everything_over_rest(sim):
    async with Session(sim, order_transport="rest") as s:
        assert s.connector.ws_order_entry is None
        order_id = s.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
        await s.wait_kinds(order_id, ["BuyOrderCreated"])
        s.connector.cancel(PAIR, order_id)
        await s.wait_kinds(order_id, ["BuyOrderCreated", "OrderCancelled"])
        assert (len(s.rest[ADD_ORDER]), len(s.rest[CANCEL_ORDER])) == (1, 1)
        assert (s.ws("add_order"), s.ws("cancel_order")) == (0, 0)


@pytest.mark.parametrize("value", ["websocket", "", None, "WS"])
def test_an_unknown_order_transport_is_refused_at_construction(value):
    with pytest.raises(ValueError, match="order_transport"):
        KrakenExchange("key", "secret", [PAIR], order_transport=value)


async def test_while_the_socket_is_down_orders_and_cancels_go_over_rest(sim):
    async with Session(sim) as s:
        entry = s.connector.ws_order_entry
        entry.reconnect_backoff = ExponentialBackoff(initial=60.0, maximum=60.0, jitter=0.0)
        sim.faults.add("close_user_sockets")
        await until(lambda: not entry.up)
        order_id = s.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
        await s.wait_kinds(order_id, ["BuyOrderCreated"])
        s.connector.cancel(PAIR, order_id)
        await s.wait_kinds(order_id, ["BuyOrderCreated", "OrderCancelled"])
        assert (len(s.rest[ADD_ORDER]), len(s.rest[CANCEL_ORDER])) == (1, 1)
        assert (s.ws("add_order"), s.ws("cancel_order")) == (0, 0)


async def test_a_token_the_venue_refuses_sends_the_order_over_rest_once_then_a_fresh_token(sim):
    async with Session(sim) as s:
        entry = s.connector.ws_order_entry
        entry._token, entry._token_used = b'"revoked-token"', False     # the venue no longer honours it
        first = s.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
        await s.wait_kinds(first, ["BuyOrderCreated"])
        assert s.ws("add_order") == 1 and [c["cl_ord_id"] for c in s.rest[ADD_ORDER]] == [first]
        second = s.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
        await s.wait_kinds(second, ["BuyOrderCreated"])
        assert s.ws("add_order") == 2 and len(s.rest[ADD_ORDER]) == 1
        assert sorted(s.venue_orders()) == sorted([first, second])


@pytest.mark.parametrize("fault", ["lose_response", "close_after_send"])
async def test_a_socket_lost_after_the_send_leaves_one_order_resolved_by_client_id(sim, fault):
    async with Session(sim) as s:
        if fault == "lose_response":
            sim.faults.add("lose_response", endpoint="add_order", count=1)
        else:
            sim.faults.add("delay_response", endpoint="add_order", delay=2.0, count=1)
        order_id = s.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
        assert order_id in s.connector.in_flight_orders           # tracked before anything is sent
        await until(lambda: s.venue_orders() == [order_id])        # the venue took it; no answer yet
        if fault == "close_after_send":
            sim.faults.add("close_user_sockets")
        await s.wait_kinds(order_id, ["BuyOrderCreated"])
        assert s.connector.in_flight_orders[order_id].exchange_order_id == s.venue_txid(order_id)
        assert s.ws("add_order") == 1 and s.rest[ADD_ORDER] == []    # never sent again, on either transport


async def test_no_answer_within_the_timeout_is_an_unknown_outcome_resolved_by_client_id(sim):
    async with Session(sim, ws_request_timeout=0.3) as s:
        entry = s.connector.ws_order_entry
        sim.faults.add("delay_response", endpoint="add_order", delay=1.5, count=1)
        order_id = s.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
        await s.wait_kinds(order_id, ["BuyOrderCreated"])
        assert s.connector.in_flight_orders[order_id].exchange_order_id == s.venue_txid(order_id)
        # nothing came on the socket since the send: it was given up at the timeout, a new one opened
        await until(lambda: entry.up and entry.connect_count == 2)
        assert s.ws("add_order") == 1 and s.rest[ADD_ORDER] == []


async def test_a_late_answer_on_a_socket_that_answers_others_is_dropped_and_the_socket_kept(sim):
    async with Session(sim, ws_request_timeout=0.5) as s:
        entry = s.connector.ws_order_entry
        sim.faults.add("delay_response", endpoint="add_order", delay=1.5, count=1)
        late = s.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
        prompt = s.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
        await s.wait_kinds(prompt, ["BuyOrderCreated"])
        await s.wait_kinds(late, ["BuyOrderCreated"])
        assert s.connector.in_flight_orders[late].exchange_order_id == s.venue_txid(late)
        await until(lambda: entry.dropped_frames == 1)      # the late answer came, and was dropped
        assert entry.up and entry.connect_count == 1
        assert s.ws("add_order") == 2 and s.rest[ADD_ORDER] == []


async def test_a_refusal_fails_the_order_with_krakens_code(sim):
    async with Session(sim, balances={"USD": "100"}) as s:
        order_id = s.connector.buy(PAIR, Decimal("0.01"), OrderType.LIMIT, Decimal("50000"))    # 500 USD
        await s.wait_kinds(order_id, ["OrderFailure"])
        failure = s.events[-1][1]
        assert failure.error_type == "ExchangeError" and "EOrder:Insufficient funds" in failure.error_message
        assert order_id not in s.connector.in_flight_orders
        assert s.ws("add_order") == 1 and s.rest[ADD_ORDER] == []


async def test_a_service_error_is_an_unknown_outcome_never_resent(sim):
    async with Session(sim) as s:
        sim.faults.add("http_error", endpoint="add_order", count=1)      # EService:Unavailable, unprocessed
        order_id = s.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
        # asked by client id until the venue's "no such order" is certain: failed, not resent
        await s.wait_kinds(order_id, ["OrderFailure"])
        assert s.ws("add_order") == 1 and s.rest[ADD_ORDER] == [] and s.venue_orders() == []


async def test_a_rate_limit_refusal_fails_the_order_unsent_and_fills_the_pairs_trading_counter(sim):
    async with Session(sim) as s:
        sim.faults.add("http_429", endpoint="add_order", count=1)        # EOrder:Rate limit exceeded
        order_id = s.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
        await s.wait_kinds(order_id, ["OrderFailure"])
        assert s.events[-1][1].error_type == "RateLimitExceededError"
        counter = s.connector._trading_counter
        assert counter.value(ALTNAME) >= counter.threshold - 1           # held until the venue's decays
        assert s.ws("add_order") == 1 and s.rest[ADD_ORDER] == [] and s.venue_orders() == []


async def test_a_cancel_refused_by_a_rate_limit_is_sent_again(sim):
    async with Session(sim) as s:
        order_id = s.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
        await s.wait_kinds(order_id, ["BuyOrderCreated"])
        sim.faults.add("http_429", endpoint="cancel_order", count=1)     # EAPI:Rate limit exceeded
        assert await s.connector._execute_cancel(PAIR, order_id) is True
        await s.wait_kinds(order_id, ["BuyOrderCreated", "OrderCancelled"])
        assert s.ws("cancel_order") == 2 and s.rest[CANCEL_ORDER] == [] and s.venue_orders() == []


@pytest.mark.parametrize("rewrite", [
    lambda a: {**a, "req_id": a["req_id"] + 1000},                                 # nobody waits for it
    lambda a: {**a, "req_id": str(a["req_id"])},                                   # another type
    lambda a: {**a, "success": False, "error": {"message": "EService:Busy"}},      # an error that is no string
    lambda a: {**a, "success": False, "error": [1, 2]},                            # a list of no strings
    lambda a: {k: v for k, v in a.items() if k != "success"},                      # neither success nor error
    lambda a: {**a, "result": {**a["result"], "cl_ord_id": "someone-else"}},      # another order's answer
    lambda a: {**a, "method": "cancel_order", "result": {"order_id": "OFAKE-FAKE1-FAKE11"}},  # another method's
    lambda a: {k: v for k, v in a.items() if k != "method"},                       # no method
    lambda a: {**a, "result": {"order_id": 12}},                                   # an order id that is no txid
    lambda a: '{"method":"add_order","req_id":%d,"success":true,"result":{"order_id":NaN}}' % a["req_id"],
    lambda a: '{"method":"add_order","req_id":%d,' % a["req_id"],                   # cut short
], ids=["wrong-req-id", "str-req-id", "object-error", "list-error", "no-success", "other-cl-ord-id",
        "other-method", "no-method", "int-order-id", "nan", "truncated"])
async def test_an_answer_that_cannot_be_read_leaves_the_order_found_by_client_id_never_resent(sim, rewrite):
    async with Session(sim, ws_request_timeout=0.5) as s:
        rewrite_answers(sim, "add_order", rewrite)
        order_id = s.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
        await s.wait_kinds(order_id, ["BuyOrderCreated"])
        assert s.connector.in_flight_orders[order_id].exchange_order_id == s.venue_txid(order_id)
        assert s.ws("add_order") == 1 and s.rest[ADD_ORDER] == [] and s.venue_orders() == [order_id]
        # the socket still carries orders
        rewrite_answers(sim, "add_order", lambda a: a)
        second = s.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
        await s.wait_kinds(second, ["BuyOrderCreated"])
        assert s.ws("add_order") == 2 and s.rest[ADD_ORDER] == []


async def test_amounts_reach_the_venue_as_exact_decimals(sim):
    frames: List[str] = []
    handle = sim.private_ws._handle

    def recording(conn: Any, text: str) -> None:
        frames.append(text)
        handle(conn, text)
    sim.private_ws._handle = recording
    # 18 significant digits: a binary float would send 1234567890.1234567
    amount, price = Decimal("1234567890.12345678"), Decimal("987654.3")
    async with Session(sim, balances={"BTC": "2000000000"}) as s:
        order_id = s.connector.sell(PAIR, amount, OrderType.LIMIT, price)
        await s.wait_kinds(order_id, ["SellOrderCreated"])
        (order,) = s.sim.engine.find(s.account, cl_ord_id=order_id)
        assert (order.orig_qty, order.price) == (amount, price)
        sent = [f for f in frames if '"add_order"' in f]
        assert len(sent) == 1 and '"order_qty":1234567890.12345678' in sent[0] and \
            '"limit_price":987654.3' in sent[0]


# ---- faults on the market-order, cancel and rate-limit paths, as over REST -----------------------------

async def test_a_lost_answer_to_a_market_order_gives_one_order_whose_fills_are_found_by_client_id(sim):
    async with Session(sim) as s:
        sim.place_liquidity(SYMBOL, "sell", "60000", "0.01")
        await until(lambda: s.connector.get_price(PAIR, True) == Decimal("60000"))
        sim.faults.add("lose_response", endpoint="add_order", count=1)
        order_id = s.connector.buy(PAIR, Decimal("0.002"), OrderType.MARKET, Decimal("NaN"))
        await s.wait_kinds(order_id, ["BuyOrderCreated", "OrderFilled", "BuyOrderCompleted"])
        filled = [e for name, e in s.events if name == "OrderFilled" and e.order_id == order_id]
        assert sum(e.amount for e in filled) == Decimal("0.002")
        await until(lambda: s.connector.get_balance("BTC") == s.account.balance["BTC"], timeout=20)
        assert s.ws("add_order") == 1 and s.rest[ADD_ORDER] == []     # never sent again, on either transport


async def test_a_cancel_while_the_add_is_in_flight_waits_for_it_and_cancels_once(sim):
    async with Session(sim) as s:
        sim.faults.add("delay_response", endpoint="add_order", delay=1.0, count=1)
        order_id = s.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
        s.connector.cancel(PAIR, order_id)          # the add's answer has not come yet
        await s.wait_kinds(order_id, ["BuyOrderCreated", "OrderCancelled"])
        assert (s.ws("add_order"), s.ws("cancel_order")) == (1, 1)
        assert s.rest == {ADD_ORDER: [], CANCEL_ORDER: []} and s.venue_orders() == []


@pytest.mark.parametrize("fault", ["lose_response", "delay_response"])
async def test_a_cancel_whose_answer_never_comes_is_resolved_by_the_orders_status_never_resent(sim, fault):
    async with Session(sim, ws_request_timeout=0.3) as s:
        order_id = s.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
        await s.wait_kinds(order_id, ["BuyOrderCreated"])
        sim.faults.add(fault, endpoint="cancel_order", count=1, **({"delay": 1.5} if fault == "delay_response" else {}))
        s.connector.cancel(PAIR, order_id)
        await s.wait_kinds(order_id, ["BuyOrderCreated", "OrderCancelled"])
        assert s.ws("cancel_order") == 1 and s.rest[CANCEL_ORDER] == [] and s.venue_orders() == []


async def test_a_cancel_the_venue_answers_unknown_order_asks_the_status_and_ends_the_order(sim):
    async with Session(sim) as s:
        order_id = s.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
        await s.wait_kinds(order_id, ["BuyOrderCreated"])
        # closed at the venue behind the connector's back: its execution report is never delivered
        ws = sim.private_ws
        ws._held = []
        sim.rest.private.cancel(s.account, sim.engine.find(s.account, cl_ord_id=order_id))
        ws._held = None
        assert await s.connector._execute_cancel(PAIR, order_id) is True      # EOrder:Unknown order, then asked
        await s.wait_kinds(order_id, ["BuyOrderCreated", "OrderCancelled"])
        assert s.ws("cancel_order") == 1 and s.rest[CANCEL_ORDER] == []


async def test_placements_over_the_socket_wait_for_the_pairs_trading_counter_as_the_venue_counts_it(sim):
    async with Session(sim) as s:
        # the venue's counter of this key and pair at its threshold, and ours (an instant later) too
        venue_counter = sim.limits.trading(s.key, SYMBOL)
        venue_counter.value = float(sim.limits.tier.trading_max)
        venue_counter.at_ms = sim.clock.now_ms()
        counter = s.connector._trading_counter
        counter.add(ALTNAME, counter.threshold)
        order_id = s.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
        # sent at once, the venue would refuse it (EOrder:Rate limit exceeded): held until there is room
        await s.wait_kinds(order_id, ["BuyOrderCreated"])
        assert s.ws("add_order") == 1 and s.rest[ADD_ORDER] == []


async def test_orders_and_cancels_over_the_socket_count_on_the_trading_counter_as_over_rest(sim):
    now = [0.0]         # our counter's clock stands still: its values are exact
    counter = TradingCounter(threshold=125, decay=2.34, clock=lambda: now[0])
    async with Session(sim, trading_counter=counter) as s:
        order_id = s.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
        await s.wait_kinds(order_id, ["BuyOrderCreated"])
        assert counter.value(ALTNAME) == 1
        assert await s.connector._execute_cancel(PAIR, order_id) is True
        assert counter.value(ALTNAME) == 1 + 8          # a cancel under 5 s after the order: +8
        assert (s.ws("add_order"), s.ws("cancel_order")) == (1, 1) and s.rest == {ADD_ORDER: [], CANCEL_ORDER: []}


@pytest.mark.parametrize("rewrite", [
    lambda a: {**a, "req_id": a["req_id"] + 1000},
    lambda a: {**a, "method": "add_order"},
    lambda a: {**a, "success": False, "error": {"message": "EService:Busy"}},
    lambda a: '{"method":"cancel_order","req_id":%d,"success":NaN}' % a["req_id"],
], ids=["wrong-req-id", "other-method", "object-error", "nan"])
async def test_a_cancel_answer_that_cannot_be_read_is_resolved_by_the_orders_status_never_resent(sim, rewrite):
    async with Session(sim, ws_request_timeout=0.5) as s:
        order_id = s.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
        await s.wait_kinds(order_id, ["BuyOrderCreated"])
        rewrite_answers(sim, "cancel_order", rewrite)
        s.connector.cancel(PAIR, order_id)
        await s.wait_kinds(order_id, ["BuyOrderCreated", "OrderCancelled"])
        assert s.ws("cancel_order") == 1 and s.rest[CANCEL_ORDER] == [] and s.venue_orders() == []


async def test_a_timeout_on_a_socket_that_delivers_nothing_drops_it_and_the_next_order_is_placed(sim):
    async with Session(sim, ws_request_timeout=0.3) as s:
        entry = s.connector.ws_order_entry
        sim.faults.add("mute_user_sockets")         # open, but it neither reads nor answers (pings included)
        first = s.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
        await s.wait_kinds(first, ["OrderFailure"])     # it never reached the engine: found nowhere, failed
        # the silent socket was given up at the timeout (not left to take orders until pings notice it)
        second = s.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
        await s.wait_kinds(second, ["BuyOrderCreated"])
        assert s.venue_orders() == [second]
        await until(lambda: entry.up and entry.connect_count == 2)


async def test_after_a_drop_the_socket_comes_back_and_orders_return_to_it(sim):
    async with Session(sim) as s:
        entry = s.connector.ws_order_entry
        entry.reconnect_backoff = ExponentialBackoff(initial=0.05, maximum=0.05, jitter=0.0)
        sim.faults.add("close_user_sockets")
        await until(lambda: entry.connect_count == 2 and entry.up)
        order_id = s.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
        await s.wait_kinds(order_id, ["BuyOrderCreated"])
        assert s.ws("add_order") == 1 and s.rest[ADD_ORDER] == []


async def test_a_connector_stopped_and_started_again_places_over_a_new_socket(sim):
    async with Session(sim) as s:
        entry = s.connector.ws_order_entry
        await s.connector.stop_network()
        assert not entry.up
        await s.connector.start_network()
        await s.connector.wait_ready(timeout=30)
        await until(lambda: entry.up and entry.connect_count == 2)
        order_id = s.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
        await s.wait_kinds(order_id, ["BuyOrderCreated"])
        assert s.ws("add_order") == 1 and s.rest[ADD_ORDER] == []


async def test_a_limit_maker_over_the_socket_is_post_only_at_the_venue(sim):
    async with Session(sim) as s:
        sim.place_liquidity(SYMBOL, "sell", "60000", "0.01")
        await until(lambda: s.connector.get_price(PAIR, True) == Decimal("60000"))
        taker = s.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT_MAKER, Decimal("60000"))
        await s.wait_kinds(taker, ["OrderFailure"])
        assert "EOrder:Post only order" in s.events[-1][1].error_message
        maker = s.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT_MAKER, Decimal("59000"))
        await s.wait_kinds(maker, ["BuyOrderCreated"])
        (order,) = sim.engine.find(s.account, cl_ord_id=maker)
        assert order.post_only and s.venue_orders() == [maker]
        assert s.ws("add_order") == 2 and s.rest[ADD_ORDER] == []


async def test_a_token_no_answer_accepted_for_ten_minutes_is_renewed_before_the_order_leaves(sim):
    async with Session(sim) as s:
        entry = s.connector.ws_order_entry
        tokens = []
        handler, weight, security = sim.rest.endpoints[("POST", "/0/private/GetWebSocketsToken")]

        def counting(*args: Any) -> Any:
            tokens.append(args[0])
            return handler(*args)
        sim.rest.endpoints[("POST", "/0/private/GetWebSocketsToken")] = (counting, weight, security)
        entry._token_used = False
        entry._token_at -= 601          # Kraken wants a token used within 15 minutes; ours renews at 10
        order_id = s.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
        await s.wait_kinds(order_id, ["BuyOrderCreated"])
        assert len(tokens) == 1 and s.ws("add_order") == 1 and s.rest[ADD_ORDER] == []
        second = s.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
        await s.wait_kinds(second, ["BuyOrderCreated"])
        assert len(tokens) == 1 and s.ws("add_order") == 2        # accepted on this socket: good for its life


@pytest.mark.parametrize("transport", ["ws", "rest"])
async def test_a_refusal_is_raised_as_itself_never_as_its_own_cause(sim, transport):
    async with Session(sim, balances={"USD": "100"}, order_transport=transport) as s:
        with pytest.raises(Exception) as caught:
            await s.connector._place_order("refused-1", PAIR, Decimal("0.01"), TradeType.BUY, OrderType.LIMIT,
                                           Decimal("50000"))
        assert "EOrder:Insufficient funds" in str(caught.value)
        assert caught.value.__cause__ is not caught.value       # no cycle for a cause-walker to loop on
