# OrderBookRow / ClientOrderBookRow are plain namedtuples (value types, built
# with collections.namedtuple in order_book_row.pyx); there is no C-level
# contract.  Compiled modules create rows through ``make_row`` in order_book.pyx
# with tuple.__new__, which skips the namedtuple's Python-level __new__.
