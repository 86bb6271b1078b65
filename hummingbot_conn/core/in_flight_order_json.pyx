"""InFlightOrder's JSON (``to_json``), read back strictly, every field and fill checked.

``read_order_json`` and ``read_order_fills`` read this format's ``version`` 1 and hummingbot's
unversioned one (its ``"None"`` / ``"NaN"`` price, a fill without
``is_taker``) and check what a live order satisfies, else ValueError naming
the field: amounts as plain decimal text (no ``"1_000"``, ``" 1 "``, NaN),
finite timestamps, booleans as booleans; ``executed_amount_base`` / ``_quote``
equal to the sums of the fills (each fill's ``trade_id`` its key, its ids and
pair the order's); executed <= amount; FILLED exactly when executed == amount
(or CANCELED / EXPIRED after a fill that raced them); no fills while
PENDING_CREATE; ``failure_presumed`` only on FAILED; last update not before
creation.  ``InFlightOrder.from_json`` reads the fields, builds the order (its constructor
judges them together, as for a live order), then reads the fills.

``ids_identify`` is the one rule for "these ids name this order"
(``InFlightOrder._ids_match`` uses it for every update, the reader for every
saved fill).
"""
from hummingbot_conn.core._safe_repr cimport safe_repr
from hummingbot_conn.core.order_state cimport (
    _json_id, ST_CANCELED, ST_EXPIRED, ST_FAILED, ST_FILLED, ST_PENDING_CREATE)
from hummingbot_conn.core.trade_fee cimport _json_bool, _json_decimal, _json_dict, _json_str, _json_timestamp

cimport hummingbot_conn.core.order_state as _os

from decimal import Decimal

from hummingbot_conn.core.common_types import OrderType, PositionAction, TradeType
from hummingbot_conn.core.order_state import OrderState, TradeUpdate

_ZERO = Decimal(0)
_REQUIRED = ("client_order_id", "trading_pair", "order_type", "trade_type", "amount", "last_state",
             "executed_amount_base", "executed_amount_quote")


cdef bint ids_identify(object own_client_id, object own_exchange_id, object client_order_id,
                       object exchange_order_id) except -1:
    """Every id a report carries agrees with the order's, and at least one identifies it
    (hummingbot also lets through a report whose exchange ids are both None whatever its
    client id says: W-6).  Identity first: the same str object is the common case."""
    cdef bint identified = False
    if client_order_id is not None:
        if client_order_id is not own_client_id and client_order_id != own_client_id:
            return False
        identified = True
    if exchange_order_id is not None and own_exchange_id is not None:
        if exchange_order_id is not own_exchange_id and exchange_order_id != own_exchange_id:
            return False
        identified = True
    return identified


cdef tuple read_order_json(object data):
    """``(client_order_id, trading_pair, order_type, trade_type, amount, creation_timestamp, price,
    exchange_order_id, state, leverage, position, last_update_timestamp, exchange_reported_filled,
    failure_presumed, executed_amount_base, executed_amount_quote, raw_fills)`` of a saved order,
    each field checked on its own (module docstring); ``raw_fills``: the ``order_fills`` dict, read
    by ``read_order_fills`` once the order's constructor has judged the fields together.
    ValueError naming the first bad field."""
    cdef dict d = _json_dict(data, "InFlightOrder JSON")
    version = d.get("version")
    if version is not None and (type(version) is not int or version != JSON_FORMAT_VERSION):
        raise ValueError(f"unsupported InFlightOrder JSON version {safe_repr(version)} (this build reads "
                         f"{JSON_FORMAT_VERSION} and hummingbot's unversioned format)")
    for field in _REQUIRED:
        if field not in d:
            raise ValueError(f"InFlightOrder JSON needs {field!r}")
    cid = _json_str(d["client_order_id"], "client_order_id", False)
    pair = _json_str(d["trading_pair"], "trading_pair", False)
    order_type = _json_member(OrderType, d["order_type"], "order_type", True)
    trade_type = _json_member(TradeType, d["trade_type"], "trade_type", True)
    position = _json_member(PositionAction, d.get("position", "NIL"), "position", False)
    price = d.get("price")
    if price is None or price == "None" or price == "NaN":
        price = None
    else:
        price = _json_decimal(price, "price", 1)
    amount = _json_decimal(d["amount"], "amount", 1)
    state = _json_state(d["last_state"])
    leverage = _json_leverage(d.get("leverage", "1"))
    creation = _json_timestamp(d.get("creation_timestamp", -1), "creation_timestamp")
    last_update = _json_timestamp(d.get("last_update_timestamp", creation), "last_update_timestamp")
    if last_update < creation:
        raise ValueError(f"last_update_timestamp {last_update!r} is before creation_timestamp {creation!r}")
    eid = _json_id(d.get("exchange_order_id"), "exchange_order_id")
    reported_filled = _json_bool(d.get("exchange_reported_filled", False), "exchange_reported_filled")
    presumed = _json_bool(d.get("failure_presumed", False), "failure_presumed")
    executed_base = _json_decimal(d["executed_amount_base"], "executed_amount_base", 0)
    executed_quote = _json_decimal(d["executed_amount_quote"], "executed_amount_quote", 0)
    cdef dict raw_fills = _json_dict(d.get("order_fills", {}), "order_fills")
    return (cid, pair, order_type, trade_type, amount, creation, price, eid, state, leverage, position,
            last_update, reported_filled, presumed, executed_base, executed_quote, raw_fills)


cdef list read_order_fills(dict raw_fills, str client_order_id, object exchange_order_id, str trading_pair,
                           object amount, object state, bint reported_filled, bint presumed,
                           object executed_base, object executed_quote):
    """The saved fills of the order ``read_order_json`` read, as ``[(trade_id, TradeUpdate)]`` in
    saved order, checked against the order's totals and state (module docstring).  ValueError
    naming the first broken rule."""
    cdef list fills = []
    cdef _os.TradeUpdate fill
    fill_base = _ZERO
    fill_quote = _ZERO
    for key, raw in raw_fills.items():
        fill = TradeUpdate.from_json(raw)
        if fill.trade_id != key:
            raise ValueError(f"order_fills: key {key!r} holds trade {fill.trade_id!r}")
        if (not ids_identify(client_order_id, exchange_order_id, fill.client_order_id, fill.exchange_order_id)
                or fill.trading_pair != trading_pair):
            raise ValueError(f"order_fills: trade {key!r} is not a fill of this order "
                             f"({fill.client_order_id!r}, {fill.exchange_order_id!r}, {fill.trading_pair!r})")
        fills.append((key, fill))
        fill_base += fill.fill_base_amount
        fill_quote += fill.fill_quote_amount
    if fill_base != executed_base:
        raise ValueError(f"executed_amount_base {executed_base} is not the sum of the fills ({fill_base})")
    if fill_quote != executed_quote:
        raise ValueError(f"executed_amount_quote {executed_quote} is not the sum of the fills ({fill_quote})")
    if executed_base > amount:
        raise ValueError(f"executed_amount_base {executed_base} > amount {amount}")
    cdef int code = state._value_
    if code == ST_FILLED and executed_base != amount:
        raise ValueError(f"last_state FILLED but executed {executed_base} of {amount}")
    if executed_base == amount and code != ST_FILLED and code != ST_CANCELED and code != ST_EXPIRED:
        raise ValueError(f"executed the whole amount {amount} but last_state is {state.name}")
    if code == ST_PENDING_CREATE and (executed_base != _ZERO or reported_filled):
        raise ValueError("a PENDING_CREATE order has no fills and no FILLED report")
    if presumed and code != ST_FAILED:
        raise ValueError(f"failure_presumed on a {state.name} order (only FAILED can be presumed)")
    return fills


cdef object _json_member(object enum_type, object value, str field, bint by_name):
    # OrderType / TradeType by name (hummingbot writes .name), PositionAction by value
    if type(value) is str:
        try:
            return enum_type[value] if by_name else enum_type(value)
        except (KeyError, ValueError):
            pass
    raise ValueError(f"{field} must be one of {[m.name if by_name else m.value for m in enum_type]}, "
                     f"got {safe_repr(value)}")


cdef object _json_state(object value):
    # hummingbot writes str(int code); our codes are hummingbot's where both have the state
    if type(value) is str and value.isascii() and value.isdigit() and len(value) <= 3:
        value = int(value)
    if type(value) is int:
        try:
            return OrderState(value)
        except ValueError:
            pass
    raise ValueError(f"last_state must be an OrderState code ({[s.value for s in OrderState]}), got {safe_repr(value)}")


cdef int _json_leverage(object value) except -1:
    if type(value) is str and value.isascii() and value.isdigit() and len(value) <= 6:
        value = int(value)
    if type(value) is int and 1 <= value <= 1000000:
        return value
    raise ValueError(f"leverage must be an integer in [1, 1000000], got {safe_repr(value)}")
