# cython: language_level=3
# Kraken WS v2 book update frames scanned in C (see _kraken_book.pyx).  The module exports no
# C-level API: its entry points are the Python functions parse_book_update and apply_book_update
# (a synced pair's update parsed, applied and verified in one call), and its rows are the Binance
# scanner's DepthRows (exchanges/binance/_binance_depth.pxd).
