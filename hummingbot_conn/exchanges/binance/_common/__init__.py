"""What Binance spot and USDⓈ-M share, written once (docs/architecture.md, "One layout per venue").

``auth`` (the signer), ``endpoints`` (base URLs by domain), ``errors`` (error
codes and what each means), ``constants`` (facts both venues have, under one
name each), ``rate_limits`` (limits from tables), ``web`` (the web stack),
``symbols`` (the one symbol map: builder, winner of a shared pair, reload
rule), ``rules`` (trading rules from exchangeInfo), ``order_book`` (the
depth snapshot message), ``market_data`` (the order book data sources'
shared half), ``user_events`` (dispatch and refusal of user events) and
``connector`` (the connectors' shared half).  ``spot/`` and ``usdm/`` add
only what differs.
"""
