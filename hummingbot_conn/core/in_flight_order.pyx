"""One order's life: the state machine, the fills, the exact accounting.

``InFlightOrder`` (hummingbot's name) moves between states only along ``TRANSITIONS``,
the single table in ``order_state`` (re-exported here). Everything else is refused,
counted in ``refused_updates`` and logged, never applied (a late non-terminal status
the order has moved past is an expected race: counted in ``stale_updates`` too, DEBUG):

* terminal states (FILLED, CANCELED, EXPIRED, FAILED) absorb: a late OPEN
  never reopens a finished order (hummingbot simply overwrites the state, W-6);
* fills are facts: a fill reported after a cancel is still counted (the executed
  amounts move, the state stays CANCELED); a known trade id is a duplicate and
  ignored; a fill beyond the order amount is refused;
* the order is FILLED exactly when its fills reach the amount, whatever status
  messages say: a FILLED status before its fills only sets ``exchange_reported_filled``
  (and the tracker fetches the fills).

Amounts are ``Decimal`` and only ever added: fills of 0.1 and 0.2 complete an order of
0.3, with no float and no tolerance.
"""
import asyncio
import logging
from decimal import Decimal

from cpython.object cimport PyObject
from libc.math cimport isfinite

from hummingbot_conn.core.common_types import PositionAction
from hummingbot_conn.core.limit_order import LimitOrder
from hummingbot_conn.core._safe_repr cimport safe_repr
from hummingbot_conn.core.order_state cimport (
    _is_failure, _is_terminal, _next_code, _optional_id, _state_member, _trigger_member,
    ST_PENDING_CREATE, ST_PENDING_CANCEL, ST_CANCELED, ST_FILLED, ST_FAILED, ST_PRESUMED_FAILED, ST_EXPIRED,
    TR_PARTIAL_FILL, TR_LAST_FILL, TR_NOT_FOUND,
)
# re-exported: hummingbot users import these from here
from hummingbot_conn.core.order_state import (  # noqa: F401
    TERMINAL_STATES, TRANSITIONS, FillTrigger, LostTrigger, OrderState, OrderUpdate, PresumedState, TradeUpdate,  # no-cython-lint
    next_state,  # no-cython-lint
)
from hummingbot_conn.core.in_flight_order_json cimport (
    JSON_FORMAT_VERSION, ids_identify, read_order_fills, read_order_json)
from hummingbot_conn.core.trade_fee cimport _checked_decimal, _json_dict, _split_pair

cdef extern from "Python.h":
    # borrowed reference to the value now stored under key
    PyObject* PyDict_SetDefault(object d, object key, object default_value) except NULL

_logger = logging.getLogger(__name__)

GET_EX_ORDER_ID_TIMEOUT = 10.0  # seconds, hummingbot's default
# InFlightOrder.last_update_refused: why the last update_with_* / mark_lost call was refused (0: it was not)
REFUSED_STALE = 1               # a late non-terminal status the order had moved past: an expected race
REFUSED_CONTRADICTING = 2       # a report contradicting what the order knows: worth a warning
JSON_VERSION = JSON_FORMAT_VERSION
_ZERO = Decimal(0)


cdef class InFlightOrder:
    """An order this bot placed, from before the request is sent until it is finished
    (hummingbot's constructor and attribute names).

    Cost: ``update_with_order_update`` / ``update_with_trade_update`` are O(1) (a table lookup,
    a dict lookup, two Decimal additions); ``average_executed_price`` and ``cumulative_fee_paid``
    are O(fills)."""

    def __init__(self, str client_order_id, str trading_pair, object order_type, object trade_type,
                 object amount, double creation_timestamp, object price=None, object exchange_order_id=None,
                 object initial_state=OrderState.PENDING_CREATE, int leverage=1,
                 object position=PositionAction.NIL):
        if not client_order_id:
            raise ValueError("client_order_id must be a non-empty string")
        if not isfinite(creation_timestamp):
            raise ValueError(f"creation_timestamp must be finite, got {creation_timestamp!r}")
        self.base_asset, self.quote_asset = _split_pair(trading_pair)
        if type(initial_state) is not OrderState:
            raise TypeError(f"initial_state must be an OrderState, got {safe_repr(initial_state)}")
        if leverage < 1:
            raise ValueError(f"leverage must be >= 1, got {leverage}")
        if order_type is None or trade_type is None or position is None:
            raise TypeError("order_type, trade_type and position are required enum members")
        self.client_order_id = client_order_id
        self.trading_pair = trading_pair
        self.order_type = order_type
        self.trade_type = trade_type
        self.amount = _checked_decimal(amount, "amount", 1)
        if price is not None and isinstance(price, Decimal) and price.is_nan():
            price = None  # hummingbot passes Decimal("NaN") for "no price" (market orders)
        self.price = None if price is None else _checked_decimal(price, "price", 1)
        self.exchange_order_id = _optional_id(exchange_order_id, "exchange_order_id")
        self.leverage = leverage
        self.position = position
        self.creation_timestamp = creation_timestamp
        self.last_update_timestamp = creation_timestamp
        self.executed_amount_base = _ZERO
        self._executed_quote = _ZERO
        self._pending_quotes = []
        self.order_fills = {}
        self.exchange_reported_filled = False
        self.refused_updates = 0
        self.stale_updates = 0
        self.last_update_refused = 0
        self._state = initial_state._value_     # (the asyncio events: made on first use, mostly never)

    # ---- state -------------------------------------------------------------
    @property
    def current_state(self):
        return _state_member(self._state)

    @property
    def is_pending_create(self):
        return self._state == ST_PENDING_CREATE

    @property
    def is_pending_cancel_confirmation(self):
        return self._state == ST_PENDING_CANCEL

    @property
    def is_open(self):
        """Not finished yet: PENDING_CREATE, OPEN, PARTIALLY_FILLED or PENDING_CANCEL."""
        return not _is_terminal(self._state)

    @property
    def is_done(self):
        """Finished (FILLED, CANCELED, EXPIRED or FAILED), or executed >= amount."""
        return _is_terminal(self._state) or self.executed_amount_base >= self.amount

    @property
    def is_filled(self):
        return self._state == ST_FILLED or self.executed_amount_base >= self.amount

    @property
    def is_failure(self):
        """FAILED (rejected, or lost), as in hummingbot; see is_cancelled / is_expired."""
        return _is_failure(self._state)

    @property
    def is_presumed_failure(self):
        """FAILED only because it was lost (``mark_lost``): the exchange's own
        final word (a fill of the rest, CANCELED, EXPIRED, FAILED) still replaces it."""
        return self._state == ST_PRESUMED_FAILED

    @property
    def is_cancelled(self):
        return self._state == ST_CANCELED

    @property
    def is_expired(self):
        return self._state == ST_EXPIRED

    @property
    def executed_amount_quote(self):
        """Sum of the fills' quote amounts (exact).  Amortised O(1)."""
        cdef object total
        if self._pending_quotes:
            total = self._executed_quote
            for quote in self._pending_quotes:
                total += quote
            self._executed_quote = total
            self._pending_quotes = []
        return self._executed_quote

    @property
    def average_executed_price(self):
        """Sum of price*amount over sum of amount across fills; None without fills.  O(fills)."""
        cdef object value = _ZERO
        cdef object base = _ZERO
        cdef _os.TradeUpdate fill
        for fill in self.order_fills.values():
            value += fill.fill_price * fill.fill_base_amount
            base += fill.fill_base_amount
        if base == _ZERO or value == _ZERO:
            return None
        return value / base

    # ---- asyncio waiting -----------------------------------------------------
    @property
    def exchange_order_id_update_event(self):
        if self._eid_event is None:
            self._eid_event = asyncio.Event()
            if self.exchange_order_id is not None:
                self._eid_event.set()
        return self._eid_event

    @property
    def completely_filled_event(self):
        if self._filled_event is None:
            self._filled_event = asyncio.Event()
            if self.executed_amount_base >= self.amount:
                self._filled_event.set()
        return self._filled_event

    @property
    def processed_by_exchange_event(self):
        if self._processed_event is None:
            self._processed_event = asyncio.Event()
            if self._state != ST_PENDING_CREATE:
                self._processed_event.set()
        return self._processed_event

    def check_filled_condition(self):
        """Set ``completely_filled_event`` if the fills reached the amount."""
        if self._filled_event is not None and self.executed_amount_base >= self.amount:
            self._filled_event.set()

    def check_processed_by_exchange_condition(self):
        """Set ``processed_by_exchange_event`` once the order left PENDING_CREATE."""
        if self._state != ST_PENDING_CREATE:
            self._on_processed()

    cdef void _on_processed(self):
        if self._processed_event is not None:
            self._processed_event.set()

    async def get_exchange_order_id(self, timeout=GET_EX_ORDER_ID_TIMEOUT):
        """The exchange's id for this order, waiting up to ``timeout`` seconds
        for it (``asyncio.TimeoutError`` after that)."""
        if self.exchange_order_id is None:
            await asyncio.wait_for(self.exchange_order_id_update_event.wait(), timeout)
        return self.exchange_order_id

    async def wait_until_completely_filled(self):
        await self.completely_filled_event.wait()

    async def wait_until_processed_by_exchange(self):
        await self.processed_by_exchange_event.wait()

    # ---- updates ---------------------------------------------------------------
    cpdef bint update_exchange_order_id(self, str exchange_order_id) except -1:
        """Record the exchange's id; wakes ``get_exchange_order_id`` waiters.
        An order's exchange id never changes: a different second id is refused
        (logged, False)."""
        if exchange_order_id is None:
            raise TypeError("exchange_order_id must be a str")
        if self.exchange_order_id is not None:
            if self.exchange_order_id != exchange_order_id:
                self.refused_updates += 1
                self.last_update_refused = REFUSED_CONTRADICTING
                _logger.warning("Order %s: refused exchange order id %r, it already has %r.",
                                self.client_order_id, exchange_order_id, self.exchange_order_id)
            return False
        self.exchange_order_id = exchange_order_id
        if self._eid_event is not None:
            self._eid_event.set()
        return True

    cpdef bint mark_lost(self, double timestamp) except -1:
        """The exchange said repeatedly that it does not know this order: it
        becomes FAILED, presumed (``PresumedState.FAILED``, the table's
        ``LostTrigger.NOT_FOUND`` rows).  Returns True if the state changed; a
        finished order is refused (False, counted, logged).  O(1)."""
        self.last_update_refused = 0
        cdef int nxt = _next_code(TR_NOT_FOUND, self._state)
        if nxt < 0:
            self._refuse(TR_NOT_FOUND, "marked lost")
            return False
        self._state = nxt
        if timestamp > self.last_update_timestamp:
            self.last_update_timestamp = timestamp
        self._on_processed()
        return True

    cdef bint _ids_match(self, object client_order_id, object exchange_order_id) except -1:
        # the one rule of in_flight_order_json.ids_identify (a saved fill is judged by it too)
        return ids_identify(self.client_order_id, self.exchange_order_id, client_order_id, exchange_order_id)

    cdef void _refuse(self, int trigger, object detail):
        self.refused_updates += 1
        # A terminal report contradicting the state, a refused fill or loss is worth a
        # warning.  A non-terminal status the order has already moved past (a REST
        # answer overtaken by the stream, a late OPEN after the fills) is an expected
        # race: counted in ``stale_updates`` and logged at DEBUG only, so a day of
        # trading does not bury the warnings under it (docs/contracts.md, Contract 2).
        if _is_terminal(trigger) or trigger >= TR_PARTIAL_FILL:
            self.last_update_refused = REFUSED_CONTRADICTING
            _logger.warning("Order %s: refused %s -> %s (%s).", self.client_order_id,
                            _state_member(self._state).name, _trigger_member(trigger).name, detail)
            return
        self.stale_updates += 1
        self.last_update_refused = REFUSED_STALE
        if _logger.isEnabledFor(logging.DEBUG):
            _logger.debug("Order %s: refused %s -> %s (%s): stale news.", self.client_order_id,
                          _state_member(self._state).name, _trigger_member(trigger).name, detail)

    cpdef bint update_with_order_update(self, _os.OrderUpdate order_update) except -1:
        """Apply a status report.  Returns True if anything changed (state,
        exchange id, or the exchange saying FILLED).  Ignored (False) when its
        ids do not identify this order; refused (False, counted, logged) when the
        table forbids the move (``last_update_refused`` says why).  Never touches
        the executed amounts.  O(1)."""
        self.last_update_refused = 0
        if not self._ids_match(order_update.client_order_id, order_update.exchange_order_id):
            return False
        cdef bint changed = False
        cdef int target = order_update._state_code
        cdef int nxt
        if self.exchange_order_id is None and order_update.exchange_order_id is not None:
            self.update_exchange_order_id(order_update.exchange_order_id)
            changed = True
        if target != self._state:
            nxt = _next_code(target, self._state)
            if nxt < 0:
                self._refuse(target, "status update")
            else:
                if target == ST_FILLED and not self.exchange_reported_filled:
                    self.exchange_reported_filled = True
                    changed = True
                if nxt != self._state:
                    self._state = nxt
                    changed = True
        if changed:
            if order_update.update_timestamp > self.last_update_timestamp:
                self.last_update_timestamp = order_update.update_timestamp
            if self._state != ST_PENDING_CREATE:
                self._on_processed()
        return changed

    cpdef bint update_with_trade_update(self, _os.TradeUpdate trade_update) except -1:
        """Apply a fill.  Returns True if it was counted.  A known trade id, or
        ids that do not identify this order: ignored (False).  A fill past the
        order amount, or into a FILLED order: refused (False, counted, logged).
        The fill that reaches the amount makes the order FILLED (unless it is
        already CANCELED / EXPIRED / FAILED, which stay).  O(1)."""
        self.last_update_refused = 0
        cdef str trade_id = trade_update.trade_id
        cdef dict fills = self.order_fills
        cdef Py_ssize_t known = len(fills)
        # one hash lookup both detects a known trade id and stores a new one;
        # every refusal below takes the entry back out
        PyDict_SetDefault(fills, trade_id, trade_update)
        if len(fills) == known:
            return False
        if not self._ids_match(trade_update.client_order_id, trade_update.exchange_order_id):
            del fills[trade_id]
            return False
        cdef object executed = self.executed_amount_base + trade_update.fill_base_amount
        cdef int trigger = TR_PARTIAL_FILL
        cdef int nxt
        if executed >= self.amount:  # one comparison on the common, partial path
            if executed > self.amount:
                del fills[trade_id]
                self._refuse(TR_PARTIAL_FILL, f"over-fill: trade {trade_id} would make executed {executed} "
                                              f"> amount {self.amount}")
                return False
            trigger = TR_LAST_FILL
        nxt = _next_code(trigger, self._state)
        if nxt < 0:
            del fills[trade_id]
            self._refuse(trigger, f"trade {trade_id}")
            return False
        if self.exchange_order_id is None and trade_update.exchange_order_id is not None:
            self.update_exchange_order_id(trade_update.exchange_order_id)
        self.executed_amount_base = executed
        self._pending_quotes.append(trade_update.fill_quote_amount)
        if trade_update.fill_timestamp > self.last_update_timestamp:
            self.last_update_timestamp = trade_update.fill_timestamp
        self._state = nxt
        if trigger == TR_LAST_FILL and self._filled_event is not None:
            self._filled_event.set()
        if nxt != ST_PENDING_CREATE:
            self._on_processed()
        return True

    # ---- fees ----------------------------------------------------------------
    cpdef object cumulative_fee_paid(self, str token, object rate_source=None):
        """All fills' fees expressed in ``token`` (see ``TradeFeeBase.fee_amount_in_token``:
        base <-> quote at each fill's price, any other token needs ``rate_source``,
        else ValueError).  O(fills)."""
        cdef object total = _ZERO
        cdef _os.TradeUpdate fill
        for fill in self.order_fills.values():
            total += fill.fee.fee_amount_in_token(self.trading_pair, fill.fill_price, fill.fill_base_amount,
                                                  token, rate_source)
        return total

    def fees_paid_by_token(self):
        """``{token: amount}`` with every fee part in its own token, no conversion:
        flat fees in their token, percent parts in the quote token (they are a
        share of the notional).  O(fills)."""
        cdef dict out = {}
        cdef _os.TradeUpdate fill
        for fill in self.order_fills.values():
            fill.fee.add_parts_to(out, self.quote_asset, fill.fill_price * fill.fill_base_amount)
        return out

    # ---- views ----------------------------------------------------------------
    def to_limit_order(self):
        """The strategy-facing ``LimitOrder`` snapshot (creation time in microseconds)."""
        return LimitOrder(self.client_order_id, self.trading_pair, self.trade_type.name == "BUY",
                          self.base_asset, self.quote_asset, self.price, self.amount,
                          self.executed_amount_base, int(self.creation_timestamp * 1e6),
                          position=self.position)

    def build_order_created_message(self):
        return (f"Created {self.order_type.name.upper()} {self.trade_type.name.upper()} order "
                f"{self.client_order_id} for {self.amount} {self.trading_pair} at {self.price}.")

    @property
    def attributes(self):
        """Everything that defines the order's value (drives ``==``)."""
        return (self.client_order_id, self.trading_pair, self.order_type, self.trade_type, self.price,
                self.amount, self.exchange_order_id, self.current_state, self.leverage, self.position,
                self.executed_amount_base, self.executed_amount_quote, self.creation_timestamp,
                self.last_update_timestamp, self.exchange_reported_filled, self.order_fills,
                self._state == ST_PRESUMED_FAILED)

    def __eq__(self, other):
        if not isinstance(other, InFlightOrder):
            return NotImplemented
        return type(self) is type(other) and self.attributes == other.attributes

    __hash__ = None

    def __repr__(self):
        return (f"{type(self).__name__}(client_order_id={self.client_order_id!r}, "
                f"exchange_order_id={self.exchange_order_id!r}, trading_pair={self.trading_pair!r}, "
                f"{self.order_type.name} {self.trade_type.name} {self.amount} @ {self.price}, "
                f"state={self.current_state.name}, executed={self.executed_amount_base})")

    # ---- JSON ------------------------------------------------------------------
    cpdef dict to_json(self):
        """A JSON-ready dict (Decimals as exact strings) that ``from_json`` turns back into an equal
        order, fills and fees included.  Carries ``version``."""
        return {
            "version": JSON_VERSION,
            "kind": "perpetual" if isinstance(self, PerpetualDerivativeInFlightOrder) else "spot",
            "client_order_id": self.client_order_id,
            "exchange_order_id": self.exchange_order_id,
            "trading_pair": self.trading_pair,
            "order_type": self.order_type.name,
            "trade_type": self.trade_type.name,
            "price": None if self.price is None else str(self.price),
            "amount": str(self.amount),
            "executed_amount_base": str(self.executed_amount_base),
            "executed_amount_quote": str(self.executed_amount_quote),
            # hummingbot's code for FAILED; the presumption travels in its own field
            "last_state": str(ST_FAILED if self._state == ST_PRESUMED_FAILED else self._state),
            "failure_presumed": self._state == ST_PRESUMED_FAILED,
            "leverage": str(self.leverage),
            "position": self.position.value,
            "creation_timestamp": self.creation_timestamp,
            "last_update_timestamp": self.last_update_timestamp,
            "exchange_reported_filled": self.exchange_reported_filled,
            "order_fills": {trade_id: fill.to_json() for trade_id, fill in self.order_fills.items()},
        }

    @classmethod
    def from_json(cls, data):
        """Rebuild an order from ``to_json`` output (``version`` 1, or hummingbot's unversioned format),
        exactly: ``from_json(o.to_json()) == o`` and its ``to_json()`` is the same dict.  Read strictly;
        the restored order must satisfy what a live one does, else ValueError naming the field (the
        rules: ``in_flight_order_json.pyx``)."""
        (cid, pair, order_type, trade_type, amount, creation, price, eid, state, leverage, position,
         last_update, reported_filled, presumed, executed_base, executed_quote, raw_fills) = read_order_json(data)
        try:
            order = cls(cid, pair, order_type, trade_type, amount, creation, price, eid, state, leverage, position)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"malformed InFlightOrder JSON: {exc}") from None
        cdef InFlightOrder o = order
        for key, fill in read_order_fills(raw_fills, cid, eid, pair, amount, state, reported_filled, presumed,
                                          executed_base, executed_quote):
            o.order_fills[key] = fill
        if presumed:
            o._state = ST_PRESUMED_FAILED
        o.executed_amount_base = executed_base
        o._executed_quote = executed_quote
        o._pending_quotes = []
        o.exchange_reported_filled = reported_filled
        o.last_update_timestamp = last_update
        return o


cdef class PerpetualDerivativeInFlightOrder(InFlightOrder):
    """An order on a perpetual market: ``position`` must be OPEN or CLOSE (a NIL position is a
    ValueError at once, where hummingbot fails later in a background task, W-7d)."""

    def __init__(self, str client_order_id, str trading_pair, object order_type, object trade_type,
                 object amount, double creation_timestamp, object price=None, object exchange_order_id=None,
                 object initial_state=OrderState.PENDING_CREATE, int leverage=1,
                 object position=PositionAction.OPEN):
        if position is None or position.name not in ("OPEN", "CLOSE"):
            raise ValueError(f"a perpetual order opens or closes a position; got position={position!r}")
        InFlightOrder.__init__(self, client_order_id, trading_pair, order_type, trade_type, amount,
                               creation_timestamp, price, exchange_order_id, initial_state, leverage, position)

    def build_order_created_message(self):
        return (f"Created {self.order_type.name.upper()} {self.trade_type.name.upper()} order "
                f"{self.client_order_id} for {self.amount} to {self.position.name.upper()} a "
                f"{self.trading_pair} position at {self.price}.")


def order_from_json(data):
    """``InFlightOrder`` or ``PerpetualDerivativeInFlightOrder`` from ``to_json`` output, chosen by its
    ``kind`` ("spot", "perpetual", or absent for hummingbot's format); anything else is a ValueError."""
    cdef dict d = _json_dict(data, "InFlightOrder JSON")
    kind = d.get("kind")
    if kind == "perpetual" and type(kind) is str:
        return PerpetualDerivativeInFlightOrder.from_json(d)
    if kind is None or (kind == "spot" and type(kind) is str):
        return InFlightOrder.from_json(d)
    raise ValueError(f"kind must be 'spot' or 'perpetual', got {safe_repr(kind)}")
