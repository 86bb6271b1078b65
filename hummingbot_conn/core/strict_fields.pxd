# Python-visible strict field readers (def functions only; see strict_fields.pyx).
# The rules themselves live in trade_fee.pxd (_json_decimal, _json_str, _json_bool).
