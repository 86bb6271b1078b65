from libc.stdint cimport int64_t

from libc.stdint cimport uint32_t

from hummingbot_conn.core._book_side cimport BookSide, Level
from hummingbot_conn.core.order_book cimport OrderBook


cdef struct _CachedLevel:
    double price                # the price the text renders (never NaN: those raise, uncached)
    double amount
    int length                  # -1: empty slot
    char text[40]               # at most 2 x 16 digits


cdef struct _KeptSide:
    double* price               # the side's top levels when its CRC was computed (price as rendered)
    double* amount
    Py_ssize_t n                # how many; -1: nothing kept
    uint32_t crc                # the CRC-32 of that side's text alone
    Py_ssize_t length           # the text's length in bytes
    char* text                  # that text ((levels + 1) * LEVEL_TEXT bytes: a level's copy writes 40)
    Py_ssize_t* offset          # offset[i]: where level i's text starts (levels + 1 entries)
    uint32_t* state             # state[b]: the running CRC after the text's first 8 b bytes


cdef class BookChecksum:
    cdef _CachedLevel* _cache       # rendered level texts (book_checksum.pyx)
    cdef _KeptSide _kept[2]         # asks, bids: each side's last levels and the CRC of its text alone
    cdef int _style                 # a ChecksumStyle value
    cdef readonly int price_decimals
    cdef readonly int qty_decimals
    cdef readonly Py_ssize_t levels  # per side
    cdef double _price_scale        # 10 ** price_decimals
    cdef double _qty_scale
    # a level that is not a whole number of units at the pair's precision is an OverflowError
    # (checked when its text is rendered; a cached text was checked then)
    cdef bint _whole_units

    cdef void _clear_cache(self) noexcept
    cdef int _level_text(self, const Level* level, double sign, char* out, Py_ssize_t* n) except -1
    cdef int _side_text(self, const BookSide* side, double sign, char* text, Py_ssize_t* n,
                        uint32_t* crc) except -1
    cdef int _side_crc(self, const BookSide* side, double sign, _KeptSide* kept) except -1
    cdef int64_t _compute(self, OrderBook book) except -1
    cpdef object compute(self, OrderBook book)
    cpdef bint matches(self, OrderBook book, object expected) except -1
