from hummingbot_conn.core._book_side cimport BookSide
from hummingbot_conn.core.order_book_query_result cimport OrderBookQueryResult
from hummingbot_conn.core.pubsub cimport PubSub


cdef int own_descriptors(type cls) except -1


cdef class BookLevels(PubSub):
    cdef BookSide _bids            # ascending price, best bid last
    cdef BookSide _asks            # keys are -price: descending price, best ask last
    # The best prices as Python floats (NaN for an empty side), refreshed
    # after every change and reused while the top price is unchanged.  Member
    # slots, not properties: CPython specialises slot reads (LOAD_ATTR_SLOT),
    # so reading the top of book costs about as much as reading a plain attribute.
    cdef readonly object best_bid
    cdef readonly object best_ask

    cdef int _refresh_best(self) except -1

    cpdef double get_price(self, bint is_buy) except? -1.0
    cpdef OrderBookQueryResult get_price_for_volume(self, bint is_buy, double volume)
    cpdef OrderBookQueryResult get_vwap_for_volume(self, bint is_buy, double volume)
    cpdef OrderBookQueryResult get_price_for_quote_volume(self, bint is_buy, double quote_volume)
    cpdef OrderBookQueryResult get_quote_volume_for_base_amount(self, bint is_buy, double base_amount)
    cpdef OrderBookQueryResult get_volume_for_price(self, bint is_buy, double price)
    cpdef OrderBookQueryResult get_quote_volume_for_price(self, bint is_buy, double price)
    cpdef list simulate_buy(self, double amount)
    cpdef list simulate_sell(self, double amount)
    cpdef list bid_entries(self)
    cpdef list ask_entries(self)
    cpdef tuple depth(self, Py_ssize_t n)
    cpdef check_integrity(self)

    cdef list _entries(self, BookSide* side, double sign)
    cdef list _simulate(self, BookSide* side, double amount)
