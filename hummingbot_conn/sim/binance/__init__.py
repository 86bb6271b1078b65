"""Binance's two protocols on the simulator's kernel: spot (``spot/``) and USDⓈ-M futures (``usdm/``).

The modules here are what both share: the error codes and the kernel's errors
in Binance's words (``errors.py``), HMAC request signing (``auth.py``), strict
parameter parsing (``params.py``), listenKeys (``listen_keys.py``), the
Binance part of the REST pipeline (``rest.py``) and of the stream hub
(``streams.py``).
"""
