"""Strict readers of fields that come from outside: venue frames and persisted JSON.

The core reads persisted orders strictly (``trade_fee.pxd``: ``_json_decimal``,
``_json_str``, ``_json_bool``); these are the same readers, visible from Python,
so a venue's stream parser refuses exactly what the core refuses instead of
keeping a second, laxer copy (issue 16).  Each raises ``ValueError`` naming the
field; none calls a method of the value's own (a ``str`` or ``int`` subclass is
refused: a frame decoded from JSON never holds one).

* ``decimal_field``: plain decimal text (``"0.001"``, ``"1e-8"``) or an int;
  finite; adjusted exponent within ``+-DECIMAL_EXPONENT_LIMIT`` (40), so
  ``"1E+999999999"`` is refused; ``sign`` 1: > 0, 0: >= 0, -1: any sign.
  Floats are refused (a JSON float is not an exact decimal).
* ``int_field``: an ``int`` (``bool`` is refused: ``True`` is no trade id)
  within ``[minimum, maximum]`` (default ``[0, 2**63 - 1]``, an exchange id).
* ``str_field``: a non-empty ``str`` (or ``None`` when ``optional``).
* ``bool_field``: exactly ``True`` or ``False``.
* ``choice_field``: one of ``choices`` (strs), compared as exact strs.
"""
from hummingbot_conn.core._safe_repr cimport safe_repr
from hummingbot_conn.core.trade_fee cimport DECIMAL_EXPONENT_LIMIT as _LIMIT
from hummingbot_conn.core.trade_fee cimport _json_bool, _json_decimal, _json_str

DECIMAL_EXPONENT_LIMIT = _LIMIT
INT64_MAX = 2 ** 63 - 1


def decimal_field(value, str field, int sign=-1):
    return _json_decimal(value, field, sign)


def int_field(value, str field, object minimum=0, object maximum=INT64_MAX):
    if type(value) is not int:
        raise ValueError(f"{field} must be an integer, got {type(value).__name__} {safe_repr(value)}")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"{field} must be an integer in [{minimum}, {maximum}], got {safe_repr(value)}")
    return value


def str_field(value, str field, bint optional=False):
    return _json_str(value, field, optional)


def bool_field(value, str field):
    return _json_bool(value, field)


def choice_field(value, str field, choices):
    if type(value) is str:
        for choice in choices:
            if value == choice:
                return value
    raise ValueError(f"{field} must be one of {', '.join(choices)}, got {safe_repr(value)}")
