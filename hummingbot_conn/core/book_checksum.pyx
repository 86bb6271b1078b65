# cython: binding=False
"""A venue's book checksum, computed in C from the compiled book's top levels.

Some venues stamp each book message with a checksum of the top of their own
book rendered as text (docs/contracts.md, Contract 1, "Depth and
checksums").  A local book that gives the same checksum after applying the
message holds the same top levels; one that does not is wrong (a lost or
corrupted message) and must resync, like a gap.

``BookChecksum(style, price_decimals, qty_decimals, levels=10)`` holds the
rendering of one pair (the venue's text format at that pair's precision);
``compute(book)`` is the checksum of the book as it is now, ``matches(book,
expected)`` compares it without building a Python int.  The style is data
(``ChecksumStyle``), so a venue with another rendering adds a member and its
renderer here, never a branch in the tracker.

Styles:

* ``KRAKEN`` (docs/kraken_spot.md section 2): the top ``levels`` asks
  from the best (lowest price) up, then the top ``levels`` bids from the best
  (highest price) down; for each level its price, then its quantity, written
  with exactly the pair's decimals (``price_decimals``, ``qty_decimals``), the
  decimal point removed and the leading zeros stripped (so the text of a
  level is its value in units of ``10**-decimals``, and a zero value is
  empty); everything concatenated into one ASCII string whose CRC-32 (the
  zlib / ISO-HDLC polynomial) is the checksum, an unsigned 32-bit int.

Exactness: a level's price and quantity are the book's doubles (the
correctly rounded double of the venue's decimal text, docs/contracts.md,
Contract 1), multiplied by ``10**decimals`` and rounded to the nearest
integer.  That integer is the venue's digits exactly while it stays below
2**51 (about 2.25e15: price 45283.5 at 1 decimal is 452835; quantity 1e7 at
8 decimals is 1e15); a larger one is ``OverflowError`` rather than a guess.

Cost: one pass over at most ``2 * levels`` levels; the text is built in a
stack buffer and hashed eight bytes at a time (slice-by-8 CRC-32).  A level's
text is kept in a small direct-mapped cache keyed by its (price, quantity)
doubles: an update changes a few levels, so most of the top levels are
copied rather than rendered again (the rendering is a pure function of the
two doubles and the precision, so a hit is the same text; a new precision
empties the cache).  A subclass that refuses a level which is not a whole
number of units (``_whole_units``: Kraken's, ``exchanges/kraken/_kraken_book``)
has it checked as its text is rendered, so a cached level is not checked again.

Each side's text is hashed on its own and the two CRCs combined (CRC-32 is
linear: the CRC of ``a + b`` is the CRC of ``a`` multiplied by ``x**(8 *
len(b))`` modulo the polynomial, XOR the CRC of ``b``, as zlib's
``crc32_combine``); a side whose top levels are the ones it had at the last
computation keeps its CRC, so an update of one side hashes that side alone.
Within a side that changed, the levels above the first changed one keep their
text (kept with each level's offset) and the CRC state after each whole 8-byte
block of it, so only the levels from the first change down are rendered and
only the text from that level's block on is hashed.
"""
from enum import IntEnum

from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t
from libc.math cimport isfinite, rint
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy

from hummingbot_conn.core._book_side cimport BookSide, Level
from hummingbot_conn.core.order_book cimport OrderBook


class ChecksumStyle(IntEnum):
    """How a venue renders its book into the text it checksums (module docstring)."""
    KRAKEN = 1


cdef enum:
    _KRAKEN = 1
    MAX_LEVELS = 1000           # per side; Kraken checksums 10, OKX 25
    MAX_DECIMALS = 18
    LEVEL_TEXT = 64             # two integers below 2**51: at most 16 digits each
    TEXT_BUFFER = 1024
    CACHE_BITS = 7              # 128 cached level texts per pair (8 KiB): two 10 + 10 books' worth


cdef double _EXACT_LIMIT = 2251799813685248.0      # 2**51: rounding x * 10**d recovers the digits below it

# CRC-32 (reflected polynomial 0xEDB88320), slice-by-8 tables, filled once at import
cdef uint32_t _POLY = 0xEDB88320
cdef uint32_t _ALL_ONES = 0xFFFFFFFF
cdef uint32_t _crc_table[8][256]


cdef void _fill_crc_tables() noexcept nogil:
    cdef uint32_t c
    cdef int i, k, _bit
    for i in range(256):
        c = <uint32_t>i
        for _bit in range(8):
            c = (c >> 1) ^ (_POLY if c & 1 else 0)
        _crc_table[0][i] = c
    for i in range(256):
        c = _crc_table[0][i]
        for k in range(1, 8):
            c = _crc_table[0][c & 0xFF] ^ (c >> 8)
            _crc_table[k][i] = c


_fill_crc_tables()


cdef inline uint32_t _crc32_update(uint32_t crc, const uint8_t* data, Py_ssize_t n) noexcept nogil:
    """``crc`` is the running value already inverted (start at 0xFFFFFFFF, invert at the end)."""
    cdef uint64_t word
    cdef uint32_t low, high
    while n >= 8:
        memcpy(&word, data, 8)          # little-endian hosts only (x86-64, aarch64): see _check_endianness
        low = <uint32_t>word ^ crc
        high = <uint32_t>(word >> 32)
        crc = (_crc_table[7][low & 0xFF] ^ _crc_table[6][(low >> 8) & 0xFF]
               ^ _crc_table[5][(low >> 16) & 0xFF] ^ _crc_table[4][low >> 24]
               ^ _crc_table[3][high & 0xFF] ^ _crc_table[2][(high >> 8) & 0xFF]
               ^ _crc_table[1][(high >> 16) & 0xFF] ^ _crc_table[0][high >> 24])
        data += 8
        n -= 8
    while n > 0:
        crc = _crc_table[0][(crc ^ data[0]) & 0xFF] ^ (crc >> 8)
        data += 1
        n -= 1
    return crc


cdef int _check_endianness() except -1:
    cdef uint32_t probe = 1
    if (<uint8_t*>&probe)[0] != 1:
        raise ImportError("hummingbot_conn.core.book_checksum assumes a little-endian host")
    return 0


_check_endianness()


def crc32(data):
    """CRC-32 of ``data`` (bytes), the same value as ``zlib.crc32``; for tests and tools."""
    cdef const uint8_t[::1] view = data
    if view.shape[0] == 0:
        return 0
    return _crc32_update(_ALL_ONES, &view[0], view.shape[0]) ^ _ALL_ONES


cdef inline uint32_t _multmodp(uint32_t a, uint32_t b) noexcept nogil:
    """``a * b`` modulo the CRC polynomial (reflected bit order: x**0 is the top bit), as zlib's."""
    cdef uint32_t m = <uint32_t>1 << 31, p = 0
    while m:
        if a & m:
            p ^= b
            if (a & (m - 1)) == 0:
                break
        m >>= 1
        b = (b >> 1) ^ _POLY if b & 1 else b >> 1
    return p


cdef enum:
    _SHIFT_TABLE = 4096         # x**(8 n) for texts shorter than this (16 KiB); longer ones are computed


cdef uint32_t _x8n[_SHIFT_TABLE]       # x**(8 n) modulo the polynomial


cdef void _fill_shift_table() noexcept nogil:
    cdef Py_ssize_t n
    _x8n[0] = <uint32_t>1 << 31         # x**0
    for n in range(1, _SHIFT_TABLE):
        _x8n[n] = _multmodp(_x8n[n - 1], <uint32_t>1 << 23)       # times x**8


_fill_shift_table()


cdef inline uint32_t _x8(Py_ssize_t n) noexcept nogil:
    """x**(8 n) modulo the polynomial, n >= 0."""
    cdef uint32_t p = <uint32_t>1 << 31
    if n < _SHIFT_TABLE:
        return _x8n[n]          # (a side's text, always: the product with x**0 is the entry itself)
    while n >= _SHIFT_TABLE:
        p = _multmodp(p, _x8n[_SHIFT_TABLE - 1])
        n -= _SHIFT_TABLE - 1
    return _multmodp(p, _x8n[n])


def crc32_combine(crc_a, crc_b, length_b):
    """The CRC-32 of ``a + b`` from those of ``a`` and ``b`` and ``len(b)`` (zlib's rule); for tests."""
    if length_b < 0:
        raise ValueError("length_b must be >= 0")
    return _multmodp(_x8(length_b), crc_a) ^ <uint32_t>crc_b


cdef char* _PAIRS = (b"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                     b"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                     b"8081828384858687888990919293949596979899")


cdef inline Py_ssize_t _digit_count(uint64_t value) noexcept nogil:
    cdef Py_ssize_t n = 1
    cdef uint64_t bound = 10
    while n < 20 and value >= bound:
        n += 1
        bound *= 10
    return n


cdef inline Py_ssize_t _digits(uint64_t value, char* out) noexcept nogil:
    """``value`` in decimal without leading zeros (0 -> nothing), written at ``out``; returns the
    length.  Written from its end, two digits per division (a table of the 100 pairs)."""
    cdef Py_ssize_t n, i
    cdef uint64_t pair
    if value == 0:
        return 0
    n = _digit_count(value)
    i = n
    while value >= 100:
        pair = 2 * (value % 100)
        value //= 100
        i -= 2
        out[i] = _PAIRS[pair]
        out[i + 1] = _PAIRS[pair + 1]
    if value >= 10:
        out[0] = _PAIRS[2 * value]
        out[1] = _PAIRS[2 * value + 1]
    else:
        out[0] = <char>(48 + value)
    return n


cdef inline int _scaled(double value, double scale, uint64_t* out) noexcept nogil:
    """``value * scale`` rounded to an integer in ``out``; -1 when it cannot be rendered exactly."""
    cdef double x = value * scale
    if not isfinite(x) or x < 0.0 or x >= _EXACT_LIMIT:
        return -1
    out[0] = <uint64_t>(x + 0.5)
    return 0


cdef double _pow10(int n):
    cdef double x = 1.0
    for _ in range(n):
        x *= 10.0
    return x


cdef void _free_kept(_KeptSide* kept) noexcept:
    free(kept.price)
    free(kept.amount)
    free(kept.text)
    free(kept.offset)
    free(kept.state)
    kept.price = kept.amount = NULL
    kept.text = NULL
    kept.offset = NULL
    kept.state = NULL


cdef class BookChecksum:
    """``BookChecksum(style, price_decimals, qty_decimals, levels=10)``: the checksum rendering of one pair.

    ``style``: a ``ChecksumStyle``; ``price_decimals`` / ``qty_decimals``:
    the pair's precision (0..18, the venue's instrument data); ``levels``:
    levels per side checksummed (1..1000; Kraken: 10).  ValueError /
    TypeError for anything else."""

    def __cinit__(self, *args, **kwargs):
        self._cache = <_CachedLevel*>malloc((1 << CACHE_BITS) * sizeof(_CachedLevel))
        if self._cache == NULL:
            raise MemoryError()
        cdef int k
        for k in range(2):
            self._kept[k].price = NULL
            self._kept[k].amount = NULL
            self._kept[k].text = NULL
            self._kept[k].offset = NULL
            self._kept[k].state = NULL
            self._kept[k].n = -1
        self.levels = 0
        self._clear_cache()
        self._whole_units = False

    cdef void _clear_cache(self) noexcept:
        cdef Py_ssize_t i
        for i in range(1 << CACHE_BITS):
            self._cache[i].length = -1
        self._kept[0].n = -1
        self._kept[1].n = -1

    def __dealloc__(self):
        free(self._cache)
        cdef int k
        for k in range(2):
            _free_kept(&self._kept[k])

    def __init__(self, style, price_decimals, qty_decimals, levels=10):
        style = ChecksumStyle(style)
        for name, value in (("price_decimals", price_decimals), ("qty_decimals", qty_decimals), ("levels", levels)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be an int, got {type(value).__name__}")
        if not 0 <= price_decimals <= MAX_DECIMALS or not 0 <= qty_decimals <= MAX_DECIMALS:
            raise ValueError(f"decimals must be 0..{MAX_DECIMALS}, got price_decimals={price_decimals} "
                             f"qty_decimals={qty_decimals}")
        if not 1 <= levels <= MAX_LEVELS:
            raise ValueError(f"levels must be 1..{MAX_LEVELS}, got {levels}")
        # the kept sides' arrays hold ``levels`` entries: all four made before any is replaced, so a
        # failure leaves the arrays and ``levels`` as they were (consistent with each other)
        cdef _KeptSide fresh[2]
        cdef int k
        cdef bint failed = False
        for k in range(2):
            fresh[k].price = <double*>malloc(levels * sizeof(double))
            fresh[k].amount = <double*>malloc(levels * sizeof(double))
            fresh[k].text = <char*>malloc((levels + 1) * LEVEL_TEXT)
            fresh[k].offset = <Py_ssize_t*>malloc((levels + 1) * sizeof(Py_ssize_t))
            fresh[k].state = <uint32_t*>malloc(((levels + 1) * LEVEL_TEXT // 8 + 1) * sizeof(uint32_t))
            failed = failed or (fresh[k].price == NULL or fresh[k].amount == NULL or fresh[k].text == NULL
                                or fresh[k].offset == NULL or fresh[k].state == NULL)
        if failed:
            for k in range(2):
                _free_kept(&fresh[k])
            raise MemoryError()
        for k in range(2):
            _free_kept(&self._kept[k])
            self._kept[k] = fresh[k]
            self._kept[k].n = -1
        self.levels = levels
        self._style = int(style)
        self.price_decimals = price_decimals
        self.qty_decimals = qty_decimals
        self._price_scale = _pow10(price_decimals)
        self._qty_scale = _pow10(qty_decimals)
        self._clear_cache()         # texts rendered at another precision (a second __init__) are void

    @property
    def style(self):
        return ChecksumStyle(self._style)

    cdef int _level_text(self, const Level* level, double sign, char* out, Py_ssize_t* n) except -1:
        cdef uint64_t price, qty, pbits, abits
        cdef double value = sign * level.key, amount = level.amount
        cdef _CachedLevel* slot
        memcpy(&pbits, &value, 8)
        memcpy(&abits, &amount, 8)
        slot = self._cache + ((pbits * <uint64_t>0x9E3779B97F4A7C15 ^ abits * <uint64_t>0xC2B2AE3D27D4EB4F)
                              >> (64 - CACHE_BITS))
        if slot.length >= 0 and slot.price == value and slot.amount == amount:
            # the whole slot, a fixed size the compiler copies inline (``out`` has LEVEL_TEXT bytes)
            memcpy(out, slot.text, sizeof(slot.text))
            n[0] = slot.length
            return 0
        if _scaled(value, self._price_scale, &price) or _scaled(amount, self._qty_scale, &qty):
            raise OverflowError(f"level {value!r} x {amount!r} cannot be rendered exactly at "
                                f"{self.price_decimals}/{self.qty_decimals} decimals (at most 2**51 units)")
        # the double of a decimal text with at most that many decimals is exactly
        # rint(x * scale) / scale (two exact doubles divided, correctly rounded); any other is not
        if self._whole_units and (rint(value * self._price_scale) / self._price_scale != value
                                  or rint(amount * self._qty_scale) / self._qty_scale != amount):
            raise OverflowError(f"level {value!r} x {amount!r} has more decimals than the pair's "
                                f"{self.price_decimals}/{self.qty_decimals}")
        n[0] = _digits(price, out)
        n[0] += _digits(qty, out + n[0])
        slot.price, slot.amount, slot.length = value, amount, <int>n[0]
        memcpy(slot.text, out, n[0])
        return 0

    cdef int64_t _compute(self, OrderBook book) except -1:
        cdef char text[TEXT_BUFFER]
        cdef Py_ssize_t n = 0
        cdef uint32_t crc = _ALL_ONES
        if self._kept[0].price == NULL or self._kept[1].price == NULL:     # (all five arrays or none)
            # (a subclass whose __init__ never ran BookChecksum's) the text through a buffer hashed
            # when nearly full, so the CRC runs eight bytes at a time
            self._side_text(&book._asks, -1.0, text, &n, &crc)
            self._side_text(&book._bids, 1.0, text, &n, &crc)
            crc = _crc32_update(crc, <const uint8_t*>text, n)
            return crc ^ _ALL_ONES
        # Kraken: asks best (lowest) first, then bids best (highest) first; both arrays end at the best
        self._side_crc(&book._asks, -1.0, &self._kept[0])
        self._side_crc(&book._bids, 1.0, &self._kept[1])
        return _multmodp(_x8(self._kept[1].length), self._kept[0].crc) ^ self._kept[1].crc

    cdef int _side_crc(self, const BookSide* side, double sign, _KeptSide* kept) except -1:
        """``kept`` made the CRC of this side's text alone (module docstring).  The levels from the
        best down to the first that differs from the kept ones keep their text and the CRC state
        of the text's whole 8-byte blocks before it; only the levels from there on are rendered
        and only the text from that block on is hashed (an unchanged side is not touched)."""
        cdef Py_ssize_t i, j = 0, length, total, p, same
        cdef Py_ssize_t k = min(self.levels, side.n)       # <= levels: the size of kept's arrays
        cdef const Level* level
        cdef uint32_t crc
        cdef char* text = kept.text
        if kept.n >= 0:
            same = min(kept.n, k)
            while j < same:
                level = side.levels + side.n - 1 - j
                if kept.price[j] != sign * level.key or kept.amount[j] != level.amount:
                    break
                j += 1
            if j == k and kept.n == k:
                return 0
        kept.n = -1         # until computed whole: a level that cannot be rendered raises below
        kept.offset[0] = 0
        kept.state[0] = _ALL_ONES
        for i in range(j, k):
            level = side.levels + side.n - 1 - i
            self._level_text(level, sign, text + kept.offset[i], &length)
            kept.offset[i + 1] = kept.offset[i] + length
            kept.price[i] = sign * level.key
            kept.amount[i] = level.amount
        total = kept.offset[k]
        # the blocks wholly before level j's text are the kept text's: their state was stored then
        p = kept.offset[j] & ~(<Py_ssize_t>7)
        crc = kept.state[p >> 3]
        while p + 8 <= total:
            crc = _crc32_update(crc, <const uint8_t*>text + p, 8)
            p += 8
            kept.state[p >> 3] = crc
        kept.crc = _crc32_update(crc, <const uint8_t*>text + p, total - p) ^ _ALL_ONES
        kept.length = total
        kept.n = k
        return 0

    cdef int _side_text(self, const BookSide* side, double sign, char* text, Py_ssize_t* n,
                        uint32_t* crc) except -1:
        cdef Py_ssize_t i, length
        cdef Py_ssize_t k = min(self.levels, side.n)
        for i in range(k):
            if n[0] > TEXT_BUFFER - LEVEL_TEXT:
                crc[0] = _crc32_update(crc[0], <const uint8_t*>text, n[0])
                n[0] = 0
            self._level_text(side.levels + side.n - 1 - i, sign, text + n[0], &length)
            n[0] += length
        return 0

    cpdef object compute(self, OrderBook book):
        """The checksum of ``book`` now (an int; KRAKEN: unsigned 32-bit).  OverflowError for a
        level too large to render exactly (module docstring)."""
        return self._compute(book)

    cpdef bint matches(self, OrderBook book, object expected) except -1:
        """True when ``book``'s checksum equals ``expected`` (an int as the venue sent it; TypeError
        for anything else).  OverflowError as ``compute``."""
        cdef int64_t want
        if type(expected) is int:           # the common case first: a plain int off the frame
            try:
                want = expected
            except OverflowError:
                want = -1
            return self._compute(book) == want
        if isinstance(expected, bool) or not isinstance(expected, int):
            raise TypeError(f"a checksum is an int, got {type(expected).__name__}")
        try:
            want = expected
        except OverflowError:
            want = -1       # no checksum is that large: compute it all the same (its errors count)
        return self._compute(book) == want

    def render(self, OrderBook book):
        """The text the checksum is computed over (tests, and diagnosing a venue's mismatch)."""
        cdef char text[LEVEL_TEXT]
        cdef Py_ssize_t n = 0, i, k
        cdef BookSide* side
        cdef double sign
        cdef list parts = []
        for pass_ in range(2):
            side, sign = (&book._asks, -1.0) if pass_ == 0 else (&book._bids, 1.0)
            k = min(self.levels, side.n)
            for i in range(k):
                self._level_text(side.levels + side.n - 1 - i, sign, text, &n)
                parts.append(text[:n].decode("ascii"))
        return "".join(parts)

    def __repr__(self):
        return (f"BookChecksum({self.style!r}, price_decimals={self.price_decimals}, "
                f"qty_decimals={self.qty_decimals}, levels={self.levels})")
