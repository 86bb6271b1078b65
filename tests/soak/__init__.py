"""Soaks: each connector against its simulator, over real sockets, under every fault kind.

``test_spot_soak.py`` (``BinanceExchange``) and ``test_perpetual_soak.py``
(``BinancePerpetualDerivative``, a ONEWAY and a HEDGE account) share
``harness.py``: the fault schedule, the reconciliation wait and the audit
against the simulator's records. Both are marked ``slow`` and ``soak``.

Environment: ``HBCONN_SOAK_SECONDS`` (trading time of each soak, default 40; 24
under ``CI=true``), ``HBCONN_SOAK_FAULT_RATE`` (faults a second, default 0.8; under
``CI=true`` scaled so a shorter soak injects as many faults as a 40 s one),
``HBCONN_SOAK_SEED`` (default 16), ``HBCONN_SOAK_RECONCILE_SECONDS`` (how long
the connector gets to become current at the end, default 90),
``HBCONN_SOAK_FUNDING_MS`` (the perpetual venue's funding interval, default 8000),
``HBCONN_SOAK_BACKWARD_SKEW=1`` (clock skews also jump back: the simulator's
clock then runs backwards, which no venue's does, so it is off by default)::

    HBCONN_SOAK_SECONDS=300 .venv/bin/pytest tests/soak -s

Each prints one ``SOAK ...`` line of figures (orders by final status, fills,
events, faults fired by kind, funding payments, discrepancies) and, on a
discrepancy, what differed.
"""
