"""Trade fees: what a fill cost, in which token (hummingbot's names).

A fee has a *percent* part and *flat* parts.  Each part has its own token:

* the percent part is ``percent`` of the fill's notional ``price * amount``;
  the notional is in the pair's quote token, so that is the percent part's
  token (``percent_token``, when set, says which asset the exchange debits,
  e.g. BNB; it does not change what the amount is measured in);
* a flat part (``TokenAmount``) is in its own token.

Converting a part to another token (``fee_amount_in_token``) uses:

* nothing when the tokens are the same (or interchangeable, WETH/ETH);
* the fill price between the pair's own base and quote (that is the rate the
  trade itself happened at);
* otherwise an explicit rate from the ``rate_source`` you pass
  (``rate_source.get_pair_rate("FROM-TO") -> Decimal | None``, the interface
  of hummingbot's RateOracle).  No rate means a ValueError.

Fixes hummingbot W-13: hummingbot divides a percent fee by the *trading
pair's* rate when asked for a third token, which gives base units labelled as
that token.  Here the third-token case needs the quote->token rate.
"""
import re

from libc.math cimport isfinite
from decimal import Decimal, InvalidOperation

from hummingbot_conn.core._safe_repr cimport safe_repr

_ZERO = Decimal(0)
_ONE = Decimal(1)

# Tokens that are the same asset under two names (wrapped / bridged).
_INTERCHANGEABLE = (
    frozenset(("WETH", "ETH")), frozenset(("WBNB", "BNB")), frozenset(("WPOL", "POL")),
    frozenset(("WAVAX", "AVAX")), frozenset(("WONE", "ONE")), frozenset(("USDC", "USDC.E")),
    frozenset(("WBTC", "BTC")), frozenset(("USOL", "SOL")), frozenset(("UETH", "ETH")),
    frozenset(("UBTC", "BTC")),
)


cdef object _checked_decimal(object value, str field, int sign):
    # sign: 1 -> must be > 0, 0 -> must be >= 0, -1 -> any finite value
    cdef object d
    if type(value) is Decimal:
        d = value
    elif isinstance(value, bool):
        raise TypeError(f"{field} must be a Decimal, got bool")
    elif isinstance(value, (Decimal, int)):
        d = Decimal(value)
    elif isinstance(value, str):
        try:
            d = Decimal(value)
        except InvalidOperation:
            raise ValueError(f"{field} is not a decimal number: {safe_repr(value)}") from None
    elif isinstance(value, float):
        raise TypeError(f"{field} must be a Decimal (or str/int), not float {safe_repr(value)}: floats are not exact")
    else:
        raise TypeError(f"{field} must be a Decimal, got {type(value).__name__}")
    if not d.is_finite():
        raise ValueError(f"{field} must be finite, got {d}")
    if sign > 0 and d <= _ZERO:
        raise ValueError(f"{field} must be > 0, got {d}")
    if sign == 0 and d < _ZERO:
        raise ValueError(f"{field} must be >= 0, got {d}")
    return d


# The decimal text Decimal.__str__ writes, and nothing laxer: ASCII digits only,
# no spaces, no "_" separators, no NaN / Infinity.
_DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)


cdef object _json_decimal(object value, str field, int sign):
    cdef object d
    if type(value) is str:
        if _DECIMAL_TEXT.fullmatch(value) is None:
            raise ValueError(f"{field} must be plain decimal text, got {safe_repr(value)}")
        if len(value) > 200:
            raise ValueError(f"{field}: decimal text too long ({len(value)} characters)")
    elif type(value) is not int:
        raise ValueError(f"{field} must be decimal text, got {type(value).__name__} {safe_repr(value)}")
    try:
        d = _checked_decimal(Decimal(value), field, sign)
    except (TypeError, ArithmeticError) as exc:
        raise ValueError(f"{field}: {exc}") from None
    if not -DECIMAL_EXPONENT_LIMIT <= d.adjusted() <= DECIMAL_EXPONENT_LIMIT:
        raise ValueError(f"{field}: {safe_repr(value)} is outside the range of a real amount "
                         f"(exponent beyond +-{DECIMAL_EXPONENT_LIMIT})")
    return d


cdef double _json_timestamp(object value, str field) except? -1.0:
    cdef double out
    if type(value) is float or type(value) is int:
        try:
            out = value
        except OverflowError:
            raise ValueError(f"{field} must be a finite number of seconds, got {safe_repr(value)}") from None
        if isfinite(out):
            return out
    raise ValueError(f"{field} must be a finite number of seconds, got {safe_repr(value)}")


cdef bint _json_bool(object value, str field) except -1:
    if value is True:
        return True
    if value is False:
        return False
    raise ValueError(f"{field} must be true or false, got {safe_repr(value)}")


cdef object _json_str(object value, str field, bint optional):
    if value is None and optional:
        return None
    if type(value) is not str or not value:
        raise ValueError(f"{field} must be a non-empty string{' or null' if optional else ''}, got {safe_repr(value)}")
    return value


cdef dict _json_dict(object value, str field):
    if type(value) is not dict:
        raise ValueError(f"{field} must be a JSON object, got {type(value).__name__}")
    return value


cdef tuple _split_pair(str trading_pair):
    cdef list parts = trading_pair.split("-")
    if len(parts) != 2 or not parts[0] or not parts[1]:
        raise ValueError(f"trading pair must look like BASE-QUOTE, got {trading_pair!r}")
    return parts[0], parts[1]


cdef bint _same_token(str a, str b):
    if a == b:
        return True
    cdef frozenset pair = frozenset((a, b))
    for group in _INTERCHANGEABLE:
        if pair <= group:
            return True
    return False


cdef object _convert(object amount, object rate_source, str from_token, str to_token):
    # amount of from_token expressed in to_token, at the caller's rate
    if rate_source is None:
        raise ValueError(f"converting a fee from {from_token} to {to_token} needs a rate: "
                         f"pass rate_source (an object with get_pair_rate('{from_token}-{to_token}'))")
    rate = rate_source.get_pair_rate(f"{from_token}-{to_token}")
    if rate is not None and rate != _ZERO:
        return amount * _checked_decimal(rate, f"rate {from_token}-{to_token}", 1)
    inverse = rate_source.get_pair_rate(f"{to_token}-{from_token}")
    if inverse is not None and inverse != _ZERO:
        return amount / _checked_decimal(inverse, f"rate {to_token}-{from_token}", 1)
    raise ValueError(f"no rate for {from_token}-{to_token} (nor {to_token}-{from_token}) "
                     f"from the rate source {rate_source!r}")


cdef tuple _token_amounts(object items, str field):
    if items is None:
        return ()
    cdef list out = []
    for item in items:
        if isinstance(item, TokenAmount):
            out.append(item)
        else:
            token, amount = item
            out.append(TokenAmount(token, amount))
    return tuple(out)


cdef class TokenAmount:
    """An amount of one token, e.g. a flat fee ``TokenAmount("BNB", Decimal("0.01"))``.
    Immutable; unpacks as ``token, amount = token_amount``."""

    def __init__(self, str token, object amount):
        if not token:
            raise ValueError("token must be a non-empty string")
        self.token = token
        self.amount = _checked_decimal(amount, "amount", -1)

    def __iter__(self):
        return iter((self.token, self.amount))

    def __eq__(self, other):
        if not isinstance(other, TokenAmount):
            return NotImplemented
        return self.token == (<TokenAmount>other).token and self.amount == (<TokenAmount>other).amount

    def __hash__(self):
        return hash((self.token, self.amount))

    def __repr__(self):
        return f"TokenAmount(token={self.token!r}, amount={self.amount!r})"

    def __reduce__(self):
        return TokenAmount, (self.token, self.amount)

    def to_json(self):
        return {"token": self.token, "amount": str(self.amount)}

    @classmethod
    def from_json(cls, data):
        """From ``to_json`` output; anything else is a ValueError naming the field."""
        cdef dict d = _json_dict(data, "flat fee")
        return cls(_json_str(d.get("token"), "flat fee token", False),
                   _json_decimal(d.get("amount"), "flat fee amount", -1))


cdef class TradeFeeSchema:
    """How an exchange charges fees, to build a fee for an order before it fills.

    ``percent_fee_token`` set (fees always paid in e.g. BNB) implies the fee is
    added to the cost, so ``buy_percent_fee_deducted_from_returns`` must then be
    False (a ValueError, where hummingbot asserts).
    """

    def __init__(self, percent_fee_token=None, maker_percent_fee_decimal=_ZERO,
                 taker_percent_fee_decimal=_ZERO, bint buy_percent_fee_deducted_from_returns=False,
                 maker_fixed_fees=None, taker_fixed_fees=None):
        if percent_fee_token is not None and buy_percent_fee_deducted_from_returns:
            raise ValueError("a schema with percent_fee_token adds the fee to the cost: "
                             "buy_percent_fee_deducted_from_returns must be False")
        if percent_fee_token is not None and not isinstance(percent_fee_token, str):
            raise TypeError("percent_fee_token must be a str or None")
        self.percent_fee_token = percent_fee_token
        self.maker_percent_fee_decimal = _checked_decimal(maker_percent_fee_decimal, "maker_percent_fee_decimal", -1)
        self.taker_percent_fee_decimal = _checked_decimal(taker_percent_fee_decimal, "taker_percent_fee_decimal", -1)
        self.buy_percent_fee_deducted_from_returns = buy_percent_fee_deducted_from_returns
        self._maker_fixed_fees = _token_amounts(maker_fixed_fees, "maker_fixed_fees")
        self._taker_fixed_fees = _token_amounts(taker_fixed_fees, "taker_fixed_fees")

    @property
    def maker_fixed_fees(self):
        """A new list of the maker flat fees (the schema itself cannot change)."""
        return list(self._maker_fixed_fees)

    @property
    def taker_fixed_fees(self):
        return list(self._taker_fixed_fees)

    cdef tuple _key(self):
        return (self.percent_fee_token, self.maker_percent_fee_decimal, self.taker_percent_fee_decimal,
                self.buy_percent_fee_deducted_from_returns, self._maker_fixed_fees, self._taker_fixed_fees)

    def __eq__(self, other):
        if not isinstance(other, TradeFeeSchema):
            return NotImplemented
        return self._key() == (<TradeFeeSchema>other)._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        return (f"TradeFeeSchema(percent_fee_token={self.percent_fee_token!r}, "
                f"maker_percent_fee_decimal={self.maker_percent_fee_decimal!r}, "
                f"taker_percent_fee_decimal={self.taker_percent_fee_decimal!r}, "
                f"buy_percent_fee_deducted_from_returns={self.buy_percent_fee_deducted_from_returns}, "
                f"maker_fixed_fees={self.maker_fixed_fees!r}, taker_fixed_fees={self.taker_fixed_fees!r})")


cdef class TradeFeeBase:
    """The fee of one fill.  Use ``AddedToCostTradeFee`` (paid on top of what
    the order costs) or ``DeductedFromReturnsTradeFee`` (taken from what the
    order returns); ``new_spot_fee`` / ``new_perpetual_fee`` pick the right one
    from a schema.  Immutable and hashable; two fees are equal when class and
    fields are equal."""

    def __init__(self, percent=_ZERO, percent_token=None, flat_fees=None):
        if type(self) is TradeFeeBase:
            raise TypeError("TradeFeeBase is abstract: use AddedToCostTradeFee or DeductedFromReturnsTradeFee")
        if percent_token is not None and not isinstance(percent_token, str):
            raise TypeError("percent_token must be a str or None")
        self.percent = (percent if type(percent) is Decimal and percent.is_finite()
                        else _checked_decimal(percent, "percent", -1))
        self.percent_token = percent_token
        self._flat_fees = _token_amounts(flat_fees, "flat_fees")

    @property
    def flat_fees(self):
        """A new list of the flat fees (the fee itself cannot change)."""
        return list(self._flat_fees)

    @classmethod
    def type_descriptor_for_json(cls):
        # only the two concrete fee kinds have a JSON name
        raise NotImplementedError(f"{cls.__name__} is abstract: use AddedToCostTradeFee or "
                                  "DeductedFromReturnsTradeFee")

    @classmethod
    def fee_class_for_type(cls, str type_descriptor):
        if type_descriptor == "AddedToCost":
            return AddedToCostTradeFee
        if type_descriptor == "DeductedFromReturns":
            return DeductedFromReturnsTradeFee
        raise ValueError(f"unknown fee type {type_descriptor!r}")

    @classmethod
    def new_spot_fee(cls, TradeFeeSchema fee_schema, trade_type, percent=_ZERO, percent_token=None,
                     flat_fees=None):
        """A BUY pays its fee on top of the cost unless the schema deducts buy
        fees from returns (and names no fee token); a SELL always has it deducted."""
        if trade_type.name == "BUY" and (not fee_schema.buy_percent_fee_deducted_from_returns
                                         or fee_schema.percent_fee_token is not None):
            return AddedToCostTradeFee(percent, percent_token, flat_fees)
        return DeductedFromReturnsTradeFee(percent, percent_token, flat_fees)

    @classmethod
    def new_perpetual_fee(cls, TradeFeeSchema fee_schema, position_action, percent=_ZERO,
                          percent_token=None, flat_fees=None):
        """Opening a position (or any schema with a fee token) adds the fee to the
        cost; closing deducts it from the returns."""
        if position_action.name == "OPEN" or fee_schema.percent_fee_token is not None:
            return AddedToCostTradeFee(percent, percent_token, flat_fees)
        return DeductedFromReturnsTradeFee(percent, percent_token, flat_fees)

    @classmethod
    def from_json(cls, data):
        """From ``to_json`` output (or hummingbot's); anything else is a
        ValueError naming the field."""
        cdef dict d = _json_dict(data, "fee")
        fee_class = TradeFeeBase.fee_class_for_type(_json_str(d.get("fee_type"), "fee_type", False))
        flat = d.get("flat_fees", [])
        if type(flat) is not list:
            raise ValueError(f"flat_fees must be a list, got {type(flat).__name__}")
        return fee_class(_json_decimal(d.get("percent", "0"), "fee percent", -1),
                         _json_str(d.get("percent_token"), "percent_token", True),
                         [TokenAmount.from_json(item) for item in flat])

    def to_json(self):
        return {
            "fee_type": self.type_descriptor_for_json(),
            "percent": str(self.percent),
            "percent_token": self.percent_token,
            "flat_fees": [fee.to_json() for fee in self._flat_fees],
        }

    @property
    def fee_asset(self):
        """The token the fee is paid in: ``percent_token``, else the first flat
        fee's token, else None (the percent part is then paid in the pair's tokens)."""
        if self.percent_token is not None:
            return self.percent_token
        if self._flat_fees:
            return (<TokenAmount>self._flat_fees[0]).token
        return None

    cpdef object fee_amount_in_token(self, str trading_pair, object price, object order_amount,
                                     str token, object rate_source=None):
        """The whole fee of a fill of ``order_amount`` base at ``price``, in ``token``.

        Base <-> quote conversions use ``price``; any other conversion uses
        ``rate_source.get_pair_rate`` and raises ValueError without one.
        Cost: O(flat fees)."""
        cdef str base, quote
        base, quote = _split_pair(trading_pair)
        cdef object total = _ZERO
        cdef TokenAmount flat
        if self.percent != _ZERO:
            if _same_token(token, quote):
                total += price * order_amount * self.percent
            elif _same_token(token, base):
                # notional / price, written without the division so it stays exact
                total += order_amount * self.percent
            else:
                total += _convert(price * order_amount * self.percent, rate_source, quote, token)
        for flat in self._flat_fees:
            if _same_token(flat.token, token):
                total += flat.amount
            elif _same_token(flat.token, base) and _same_token(token, quote):
                total += flat.amount * price
            elif _same_token(flat.token, quote) and _same_token(token, base):
                if price == _ZERO:
                    raise ValueError(f"cannot convert a {quote} fee to {base} at price 0")
                total += flat.amount / price
            else:
                total += _convert(flat.amount, rate_source, flat.token, token)
        return total

    cdef int add_parts_to(self, dict out, str quote_token, object notional) except -1:
        """Add each part of this fee, in its own token, to ``out`` (``{token: Decimal}``): the percent
        part of ``notional`` in ``quote_token`` (a share of the notional), flat fees in theirs."""
        cdef TokenAmount flat
        if self.percent != _ZERO:
            out[quote_token] = out.get(quote_token, _ZERO) + notional * self.percent
        for flat in self._flat_fees:
            out[flat.token] = out.get(flat.token, _ZERO) + flat.amount
        return 0

    cdef tuple _key(self):
        return (self.percent, self.percent_token, self._flat_fees)

    def __eq__(self, other):
        if not isinstance(other, TradeFeeBase):
            return NotImplemented
        return type(self) is type(other) and self._key() == (<TradeFeeBase>other)._key()

    def __hash__(self):
        return hash((type(self).__name__, self._key()))

    def __repr__(self):
        return (f"{type(self).__name__}(percent={self.percent!r}, percent_token={self.percent_token!r}, "
                f"flat_fees={self.flat_fees!r})")

    def __reduce__(self):
        return type(self), (self.percent, self.percent_token, list(self._flat_fees))


cdef class AddedToCostTradeFee(TradeFeeBase):
    """A fee paid on top of the order's cost (e.g. a BUY paying in quote or BNB)."""

    @classmethod
    def type_descriptor_for_json(cls):
        return "AddedToCost"


cdef class DeductedFromReturnsTradeFee(TradeFeeBase):
    """A fee taken from what the order returns (e.g. a SELL's quote proceeds)."""

    @classmethod
    def type_descriptor_for_json(cls):
        return "DeductedFromReturns"
