"""The simulator's venue-neutral kernel: what every simulated venue is built from.

=========================  ============================================================================
``clock.py``               injected clocks (``SystemClock``, ``ManualClock``) with a skew
``errors.py``              ``SimError`` and the ``ErrorTable`` a venue words its errors with
``faults.py``              fault rules and actions (``FaultInjector``)
``ratelimit.py``           request weight per IP and orders per account, calendar windows
``connection_guard.py``    connection limit, header / body timeouts, body size cap
``outbox.py``              bounded per-socket send queues (a client that does not read is cut off)
``heartbeat.py``           the user-data sockets' ping / pong, which a fault can silence
``book.py``                one symbol's price-time book and its update id
``specs.py``               a symbol's assets, grids and bounds, and the rule a price or quantity breaks
``records.py``             the order fields every venue shares, the public trade
``matching.py``            books, order registry, trade tape, fills, event delivery of an engine
``accounts.py``            accounts by id and API key
``depth.py``               depth diffs gathered between flushes, with the diff faults
``rest.py``                the one REST request pipeline
``hub.py``                 the one WebSocket hub (sockets, subscriptions, routing, user sockets)
``admin.py``               the ``/sim`` admin API
``server.py``              lifecycle, the background schedule, fault actions
``traders.py``             background traders' venue-free decisions
=========================  ============================================================================

It imports nothing of any venue; a venue (``sim/binance/spot``, ``sim/binance/usdm``)
subclasses the pipeline, the hub, the engine core and the server (sim/README.md,
"Building a venue on the kernel").
"""
