"""The order state machine's data: the states, the triggers, the one
transition table, and the two reports that drive it (hummingbot's names).

``TRANSITIONS`` below is the whole state machine: ``(current state, reported
status, fill or loss) -> next state``, the reason for each edge beside it.  ``InFlightOrder`` (in ``in_flight_order``,
which re-exports everything here) applies it; a pair that is not in the table
is refused there, counted and logged, never applied.

``OrderUpdate`` (a status report) and ``TradeUpdate`` (a fill) are small
immutable records, validated when built: bad input is a clear error at the
edge, never a corrupt order later.
"""
from enum import Enum

from libc.math cimport isfinite

from hummingbot_conn.core._safe_repr cimport safe_repr
from hummingbot_conn.core.trade_fee cimport (
    TradeFeeBase, _checked_decimal, _json_bool, _json_decimal, _json_dict, _json_str, _json_timestamp)
from hummingbot_conn.core.trade_fee import TradeFeeBase as _TradeFeeBase


class OrderState(Enum):
    """hummingbot's names and values; EXPIRED is ours (hummingbot has none)."""
    PENDING_CREATE = ST_PENDING_CREATE
    OPEN = ST_OPEN
    PENDING_CANCEL = ST_PENDING_CANCEL
    CANCELED = ST_CANCELED
    PARTIALLY_FILLED = ST_PARTIALLY_FILLED
    FILLED = ST_FILLED
    FAILED = ST_FAILED
    EXPIRED = ST_EXPIRED


class FillTrigger(Enum):
    """The two things a fill can do to an order (the table's non-status triggers)."""
    PARTIAL_FILL = TR_PARTIAL_FILL
    LAST_FILL = TR_LAST_FILL


class LostTrigger(Enum):
    """The tracker's own trigger: the exchange answered "order does not exist"
    more often in a row than the tracker's limit (``ClientOrderTracker.process_order_not_found``)."""
    NOT_FOUND = TR_NOT_FOUND


class PresumedState(Enum):
    """A state the order is only presumed to be in.  ``FAILED``: a lost order.
    Outside the table it is ``OrderState.FAILED`` (``current_state``,
    ``is_failure``, hummingbot's JSON ``last_state``); unlike a FAILED the
    exchange reported, the exchange's own final word can still replace it
    (its rows in ``TRANSITIONS``)."""
    FAILED = ST_PRESUMED_FAILED


_S = OrderState
_F = FillTrigger
_P = PresumedState.FAILED
_LOST = LostTrigger.NOT_FOUND

# (current state, reported status or fill) -> next state.  A pair that is not
# here is refused; a status equal to the current state is a no-op.
TRANSITIONS = {
    # PENDING_CREATE: the first news about an order can be any of these
    (_S.PENDING_CREATE, _S.OPEN): _S.OPEN,
    (_S.PENDING_CREATE, _S.PARTIALLY_FILLED): _S.PARTIALLY_FILLED,
    (_S.PENDING_CREATE, _S.PENDING_CANCEL): _S.PENDING_CANCEL,    # cancel acked before the create ack
    (_S.PENDING_CREATE, _S.FILLED): _S.OPEN,                      # it exists; FILLED waits for its fills
    (_S.PENDING_CREATE, _S.CANCELED): _S.CANCELED,
    (_S.PENDING_CREATE, _S.EXPIRED): _S.EXPIRED,                  # IOC / FOK that matched nothing
    (_S.PENDING_CREATE, _S.FAILED): _S.FAILED,
    (_S.PENDING_CREATE, _F.PARTIAL_FILL): _S.PARTIALLY_FILLED,    # a fill can be the first news
    (_S.PENDING_CREATE, _F.LAST_FILL): _S.FILLED,
    (_S.PENDING_CREATE, _LOST): _P,                               # never acknowledged and unknown to the exchange
    # OPEN
    (_S.OPEN, _S.PARTIALLY_FILLED): _S.PARTIALLY_FILLED,
    (_S.OPEN, _S.PENDING_CANCEL): _S.PENDING_CANCEL,
    (_S.OPEN, _S.FILLED): _S.OPEN,                                # FILLED waits for its fills
    (_S.OPEN, _S.CANCELED): _S.CANCELED,
    (_S.OPEN, _S.EXPIRED): _S.EXPIRED,
    (_S.OPEN, _S.FAILED): _S.FAILED,
    (_S.OPEN, _F.PARTIAL_FILL): _S.PARTIALLY_FILLED,
    (_S.OPEN, _F.LAST_FILL): _S.FILLED,
    (_S.OPEN, _LOST): _P,                                         # the exchange repeatedly does not know it
    # PARTIALLY_FILLED (a late OPEN is stale news: refused)
    (_S.PARTIALLY_FILLED, _S.PENDING_CANCEL): _S.PENDING_CANCEL,
    (_S.PARTIALLY_FILLED, _S.FILLED): _S.PARTIALLY_FILLED,        # FILLED waits for its fills
    (_S.PARTIALLY_FILLED, _S.CANCELED): _S.CANCELED,
    (_S.PARTIALLY_FILLED, _S.EXPIRED): _S.EXPIRED,
    (_S.PARTIALLY_FILLED, _S.FAILED): _S.FAILED,
    (_S.PARTIALLY_FILLED, _F.PARTIAL_FILL): _S.PARTIALLY_FILLED,
    (_S.PARTIALLY_FILLED, _F.LAST_FILL): _S.FILLED,
    (_S.PARTIALLY_FILLED, _LOST): _P,
    # PENDING_CANCEL
    (_S.PENDING_CANCEL, _S.PARTIALLY_FILLED): _S.PENDING_CANCEL,  # fills go on while the cancel is pending
    (_S.PENDING_CANCEL, _S.FILLED): _S.PENDING_CANCEL,            # FILLED waits for its fills
    (_S.PENDING_CANCEL, _S.CANCELED): _S.CANCELED,
    (_S.PENDING_CANCEL, _S.EXPIRED): _S.EXPIRED,
    (_S.PENDING_CANCEL, _S.FAILED): _S.FAILED,
    (_S.PENDING_CANCEL, _F.PARTIAL_FILL): _S.PENDING_CANCEL,
    (_S.PENDING_CANCEL, _F.LAST_FILL): _S.FILLED,                 # the fill won the race with the cancel
    (_S.PENDING_CANCEL, _LOST): _P,
    # terminal states absorb every status; fills are facts and still count
    (_S.CANCELED, _F.PARTIAL_FILL): _S.CANCELED,                  # a fill can be reported after the cancel
    (_S.CANCELED, _F.LAST_FILL): _S.CANCELED,
    (_S.EXPIRED, _F.PARTIAL_FILL): _S.EXPIRED,                    # ... or after the expiry
    (_S.EXPIRED, _F.LAST_FILL): _S.EXPIRED,
    (_S.FAILED, _F.PARTIAL_FILL): _S.FAILED,                      # fills are facts, even after a rejection
    (_S.FAILED, _F.LAST_FILL): _S.FILLED,                         # it traded its whole amount: not a failure
    # PRESUMED FAILED (lost): failed to the outside, but the exchange's own
    # final word replaces a presumption
    (_P, _S.OPEN): _P,                                            # it exists after all: still polled, still lost
    (_P, _S.PARTIALLY_FILLED): _P,                                # its fills will tell
    (_P, _S.PENDING_CANCEL): _P,
    (_P, _S.FILLED): _P,                                          # FILLED waits for its fills (then LAST_FILL)
    (_P, _S.CANCELED): _S.CANCELED,                               # the exchange's final word replaces the guess
    (_P, _S.EXPIRED): _S.EXPIRED,
    (_P, _S.FAILED): _S.FAILED,                                   # the failure is confirmed
    (_P, _F.PARTIAL_FILL): _P,                                    # a lost order can turn out to have traded
    (_P, _F.LAST_FILL): _S.FILLED,                                # ... all of it: it completes after all
    # FILLED: nothing; a further fill would be an over-fill
}

# Derived from the C check (order_state.pxd ``_is_terminal``), the one definition;
# PRESUMED_FAILED is terminal there too but is no OrderState member.
TERMINAL_STATES = frozenset(member for member in OrderState if _is_terminal(member.value))
_STATE_TYPES = (OrderState, PresumedState)
_TRIGGER_TYPES = (OrderState, FillTrigger, LostTrigger)

# The table as a C array for the hot path: _NEXT[trigger][state], -1 = refused.
cdef signed char _NEXT[N_TRIGGER_CODES][N_STATE_CODES]
cdef list _STATE_BY_CODE = [None] * N_STATE_CODES
cdef list _TRIGGER_BY_CODE = [None] * N_TRIGGER_CODES


cdef void _build_table():
    cdef int t, s
    for t in range(N_TRIGGER_CODES):
        for s in range(N_STATE_CODES):
            _NEXT[t][s] = -1
    for member in OrderState:
        _STATE_BY_CODE[member.value] = member
        _TRIGGER_BY_CODE[member.value] = member
    _STATE_BY_CODE[ST_PRESUMED_FAILED] = OrderState.FAILED    # what the outside sees
    for member in FillTrigger:
        _TRIGGER_BY_CODE[member.value] = member
    for member in LostTrigger:
        _TRIGGER_BY_CODE[member.value] = member
    for (state, trigger), nxt in TRANSITIONS.items():
        _NEXT[trigger.value][state.value] = nxt.value


_build_table()


def next_state(state, trigger):
    """The table's answer for ``(state, trigger)``: the next state (an
    ``OrderState``, or ``PresumedState.FAILED``), or None when the move is
    refused.  ``state``: an ``OrderState`` or ``PresumedState``; ``trigger``:
    an ``OrderState`` (a status), ``FillTrigger`` or ``LostTrigger``; anything
    else is a TypeError.  O(1)."""
    if type(state) not in _STATE_TYPES:
        raise TypeError(f"state must be an OrderState or PresumedState, got {safe_repr(state)}")
    if type(trigger) not in _TRIGGER_TYPES:
        raise TypeError(f"trigger must be an OrderState, FillTrigger or LostTrigger, got {safe_repr(trigger)}")
    cdef int nxt = _next_code(trigger._value_, state._value_)
    if nxt < 0:
        return None
    return _P if nxt == ST_PRESUMED_FAILED else _STATE_BY_CODE[nxt]


cdef int _next_code(int trigger, int state) noexcept:
    if trigger < 0 or trigger >= N_TRIGGER_CODES or state < 0 or state >= N_STATE_CODES:
        return -1
    return _NEXT[trigger][state]


cdef object _state_member(int code):
    return _STATE_BY_CODE[code]


cdef object _trigger_member(int code):
    return _TRIGGER_BY_CODE[code]


cdef object _optional_id(object value, str field):
    if value is None or type(value) is str:
        return value
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"{field} must be a str or None, got {type(value).__name__}")


cdef object _json_id(object value, str field):
    # an order id in JSON: null, a non-empty string, or an int (hummingbot writes some ids as numbers)
    if type(value) is int:
        return str(value)
    return _json_str(value, field, True)


cdef class OrderUpdate:
    """A status report for one order (immutable).  Identify the order by
    ``client_order_id`` and/or ``exchange_order_id``; a failure carries
    ``misc_updates={"error_message": ..., "error_type": ...}``."""

    def __init__(self, str trading_pair, double update_timestamp, object new_state,
                 object client_order_id=None, object exchange_order_id=None, object misc_updates=None):
        if type(new_state) is not OrderState:
            raise TypeError(f"new_state must be an OrderState, got {safe_repr(new_state)}")
        if not isfinite(update_timestamp):
            raise ValueError(f"update_timestamp must be finite, got {update_timestamp!r}")
        self.trading_pair = trading_pair
        self.update_timestamp = update_timestamp
        self.new_state = new_state
        self._state_code = new_state._value_
        self.client_order_id = _optional_id(client_order_id, "client_order_id")
        self.exchange_order_id = _optional_id(exchange_order_id, "exchange_order_id")
        if misc_updates is not None and not isinstance(misc_updates, dict):
            raise TypeError("misc_updates must be a dict or None")
        self.misc_updates = misc_updates

    def _fields(self):
        return (self.trading_pair, self.update_timestamp, self.new_state, self.client_order_id,
                self.exchange_order_id, self.misc_updates)

    def __eq__(self, other):
        if not isinstance(other, OrderUpdate):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self):
        return hash(self._fields()[:5])

    def __repr__(self):
        return (f"OrderUpdate(trading_pair={self.trading_pair!r}, update_timestamp={self.update_timestamp!r}, "
                f"new_state={self.new_state}, client_order_id={self.client_order_id!r}, "
                f"exchange_order_id={self.exchange_order_id!r}, misc_updates={self.misc_updates!r})")


cdef class TradeUpdate:
    """One fill of one order (immutable).  Amounts are Decimal: base > 0,
    price and quote >= 0; anything else is a ValueError at construction."""

    def __init__(self, object trade_id, object client_order_id, object exchange_order_id, str trading_pair,
                 double fill_timestamp, object fill_price, object fill_base_amount, object fill_quote_amount,
                 TradeFeeBase fee, bint is_taker=True):
        if trade_id is None:
            raise ValueError("trade_id is required: fills are deduplicated by it")
        if not isfinite(fill_timestamp):
            raise ValueError(f"fill_timestamp must be finite, got {fill_timestamp!r}")
        self.trade_id = trade_id if type(trade_id) is str else _optional_id(trade_id, "trade_id")
        self.client_order_id = _optional_id(client_order_id, "client_order_id")
        self.exchange_order_id = _optional_id(exchange_order_id, "exchange_order_id")
        self.trading_pair = trading_pair
        self.fill_timestamp = fill_timestamp
        self.fill_price = _checked_decimal(fill_price, "fill_price", 0)
        self.fill_base_amount = _checked_decimal(fill_base_amount, "fill_base_amount", 1)
        self.fill_quote_amount = _checked_decimal(fill_quote_amount, "fill_quote_amount", 0)
        if fee is None:
            raise TypeError("fee is required (use AddedToCostTradeFee() for a fill without fee)")
        self.fee = fee
        self.is_taker = is_taker

    @property
    def fee_asset(self):
        return self.fee.fee_asset

    def to_json(self):
        return {
            "trade_id": self.trade_id,
            "client_order_id": self.client_order_id,
            "exchange_order_id": self.exchange_order_id,
            "trading_pair": self.trading_pair,
            "fill_timestamp": self.fill_timestamp,
            "fill_price": str(self.fill_price),
            "fill_base_amount": str(self.fill_base_amount),
            "fill_quote_amount": str(self.fill_quote_amount),
            "fee": self.fee.to_json(),
            "is_taker": self.is_taker,
        }

    @classmethod
    def from_json(cls, data):
        """From ``to_json`` output (hummingbot's too: a missing ``is_taker`` is
        True).  Read strictly: a missing or malformed field is a ValueError
        naming it (amounts as plain decimal text, a finite timestamp, booleans
        as booleans), never a lenient guess."""
        cdef dict d = _json_dict(data, "trade update")
        for field in ("trade_id", "trading_pair", "fill_timestamp", "fill_price", "fill_base_amount",
                      "fill_quote_amount", "fee"):
            if field not in d:
                raise ValueError(f"trade update JSON needs {field!r}")
        trade_id = d["trade_id"]
        if type(trade_id) is int:
            trade_id = str(trade_id)
        return cls(_json_str(trade_id, "trade_id", False),
                   _json_id(d.get("client_order_id"), "client_order_id"),
                   _json_id(d.get("exchange_order_id"), "exchange_order_id"),
                   _json_str(d["trading_pair"], "trading_pair", False),
                   _json_timestamp(d["fill_timestamp"], "fill_timestamp"),
                   _json_decimal(d["fill_price"], "fill_price", 0),
                   _json_decimal(d["fill_base_amount"], "fill_base_amount", 1),
                   _json_decimal(d["fill_quote_amount"], "fill_quote_amount", 0),
                   _TradeFeeBase.from_json(d["fee"]),
                   _json_bool(d.get("is_taker", True), "is_taker"))

    def _fields(self):
        return (self.trade_id, self.client_order_id, self.exchange_order_id, self.trading_pair,
                self.fill_timestamp, self.fill_price, self.fill_base_amount, self.fill_quote_amount,
                self.fee, self.is_taker)

    def __eq__(self, other):
        if not isinstance(other, TradeUpdate):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self):
        return hash(self._fields())

    def __repr__(self):
        return (f"TradeUpdate(trade_id={self.trade_id!r}, client_order_id={self.client_order_id!r}, "
                f"exchange_order_id={self.exchange_order_id!r}, trading_pair={self.trading_pair!r}, "
                f"fill_timestamp={self.fill_timestamp!r}, fill_price={self.fill_price!r}, "
                f"fill_base_amount={self.fill_base_amount!r}, fill_quote_amount={self.fill_quote_amount!r}, "
                f"fee={self.fee!r}, is_taker={self.is_taker})")
