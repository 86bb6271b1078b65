from libc.stdint cimport int64_t


cdef class OrderBookMessage:
    cdef readonly object type          # OrderBookMessageType member
    cdef readonly dict content
    cdef readonly object timestamp     # float seconds or None
    cdef readonly int64_t update_id    # SNAPSHOT/DIFF: content["update_id"]; TRADE: -1
    cdef readonly int64_t first_update_id  # DIFF: content.get("first_update_id", update_id); else -1
    cdef readonly int64_t prev_update_id   # DIFF: content.get("prev_update_id") (futures ``pu``); else -1
    cdef readonly object trade_id      # TRADE: content.get("trade_id", -1); else -1
    cdef readonly bint has_update_id
    cdef readonly bint has_trade_id
    # the strict total order: comparisons, equality and hash all use this one key
    cdef tuple _key
