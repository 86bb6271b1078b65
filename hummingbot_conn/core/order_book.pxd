from libc.stdint cimport int64_t

from hummingbot_conn.core._row_parse cimport RowBuffer
from hummingbot_conn.core.book_levels cimport BookLevels


# The levels, the best prices and every query of them: BookLevels (book_levels.pyx);
# here the sequencing and the updates.
cdef class OrderBook(BookLevels):
    cdef RowBuffer _bid_rows       # scratch: a message's rows, validated before any mutation
    cdef RowBuffer _ask_rows
    cdef readonly bint dex         # crossed-book rule: hummingbot's notional rule instead of newest-wins
    cdef int64_t _snapshot_uid
    cdef int64_t _last_diff_uid
    cdef bint _synced
    cdef bint _from_snapshot       # last_diff_uid was set by a snapshot (futures rule: no pu to match yet)
    cdef bint _busy                # applying a message: a re-entrant apply_* is refused
    cdef Py_ssize_t _depth_limit   # levels kept per side after each message (0: all)
    cdef double _last_trade_price
    cdef double _last_applied_trade
    cdef double _last_trade_price_rest_updated
    cdef object _clock

    cpdef object apply_snapshot(self, object bids, object asks, object update_id, bint force=*)
    cpdef object apply_diffs(self, object bids, object asks, object update_id, object first_update_id=*,
                             object prev_update_id=*)
    cpdef object apply_trade(self, object trade)

    cdef void _uncross(self) noexcept
    cdef void _truncate(self) noexcept
