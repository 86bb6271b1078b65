# cython: language_level=3
# Kraken WS v2 book update frames scanned in C (see _kraken_book.pyx).  The module exports no
# C-level API: its one entry point is the Python function parse_book_update, and its rows are
# the Binance scanner's DepthRows (exchanges/binance/_binance_depth.pxd).
