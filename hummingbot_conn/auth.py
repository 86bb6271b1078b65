"""``AuthBase`` under its historical import path; it lives in :mod:`hummingbot_conn.web.auth`.

Kept so that ``from hummingbot_conn.auth import AuthBase`` keeps working. The
web layer itself imports ``hummingbot_conn.web.auth`` and never this module,
so there is no import cycle between the two.
"""
from hummingbot_conn.web.auth import AuthBase

__all__ = ["AuthBase"]
