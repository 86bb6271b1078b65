# cython: language_level=3
"""One side of the order book: a sorted C array of levels (header only).

Layout (why): a contiguous array of 24-byte structs, sorted so the BEST level
is the LAST element.  Real diff traffic lands at or near the top of the book,
so an insert or delete there moves only the few levels above it (a short
memmove), the best price is ``levels[n - 1]`` in O(1), and every depth query
(VWAP, price for volume) walks contiguous memory downward from the end.

Both sides share one code path by storing a signed key: ``key = price`` for
bids and ``key = -price`` for asks.  Then both arrays are ascending by key
and "best" is the largest key on either side.

Costs: locate a price O(log n) (O(1) within 16 levels of the top); insert or
delete O(distance from the top); best O(1).  Capacity grows by doubling and
is given back when the side shrinks to a quarter (so memory stays flat under
any number of updates to a book of bounded depth).

Every function is ``cdef inline``; there is no run-time module behind this file.
"""
from libc.stdint cimport int64_t
from libc.math cimport isfinite
from libc.stdlib cimport free, malloc, qsort, realloc
from libc.string cimport memmove


cdef struct Level:
    double key          # price (bids) or -price (asks)
    double amount       # > 0 inside the book
    int64_t update_id   # update id of the message that last set this level


cdef struct BookSide:
    Level* levels
    Py_ssize_t n
    Py_ssize_t cap


cdef enum:
    MIN_SIDE_CAPACITY = 16
    TOP_SCAN = 16        # levels checked linearly from the top before bisecting


cdef inline int side_init(BookSide* side) except -1:
    side.levels = <Level*>malloc(MIN_SIDE_CAPACITY * sizeof(Level))
    if side.levels == NULL:
        raise MemoryError()
    side.n = 0
    side.cap = MIN_SIDE_CAPACITY
    return 0


cdef inline void side_free(BookSide* side) noexcept:
    free(side.levels)
    side.levels = NULL
    side.n = 0
    side.cap = 0


cdef inline Py_ssize_t capacity_for(Py_ssize_t n) noexcept nogil:
    """The smallest power of two >= max(n, MIN_SIDE_CAPACITY)."""
    cdef Py_ssize_t cap = MIN_SIDE_CAPACITY
    while cap < n:
        cap *= 2
    return cap


cdef inline int side_reserve(BookSide* side, Py_ssize_t need) except -1:
    """Make room for ``need`` levels (no-op when it fits).  Called before a
    diff mutates anything, so a MemoryError can never leave a half-applied diff."""
    if need <= side.cap:
        return 0
    cdef Py_ssize_t cap = capacity_for(need)
    cdef Level* grown = <Level*>realloc(side.levels, cap * sizeof(Level))
    if grown == NULL:
        raise MemoryError()
    side.levels = grown
    side.cap = cap
    return 0


cdef inline void side_maybe_shrink(BookSide* side) noexcept:
    """Give memory back once the side uses under a quarter of its capacity
    (hysteresis: a side oscillating around a power of two does not thrash)."""
    cdef Py_ssize_t cap
    cdef Level* smaller
    if side.cap > MIN_SIDE_CAPACITY and side.n * 4 < side.cap:
        cap = capacity_for(side.n * 2)
        smaller = <Level*>realloc(side.levels, cap * sizeof(Level))
        if smaller != NULL:          # a failed shrink just keeps the old block
            side.levels = smaller
            side.cap = cap


cdef inline void side_truncate(BookSide* side, Py_ssize_t depth) noexcept nogil:
    """Keep the ``depth`` best levels (the last ones) and drop the rest: a venue that streams a
    book of fixed depth sends no delete for a level pushed out of that depth.  ``depth >= 0``."""
    cdef Py_ssize_t drop = side.n - depth
    if drop > 0:
        memmove(side.levels, side.levels + drop, depth * sizeof(Level))
        side.n = depth


cdef inline Py_ssize_t lower_bound(const Level* levels, Py_ssize_t n, double key) noexcept nogil:
    """Index of the first level with ``level.key >= key`` (``n`` if none).

    Diffs cluster at the top, so scan down from the end for TOP_SCAN levels
    (measured faster than any bisection there); past that, bisect with a
    conditional add instead of a branch, since where a deep diff lands is
    random and a branchy search would mispredict about once per step."""
    cdef Py_ssize_t i = n
    cdef Py_ssize_t stop = n - TOP_SCAN if n > TOP_SCAN else 0
    cdef Py_ssize_t half, length
    cdef const Level* base
    while i > stop and levels[i - 1].key >= key:
        i -= 1
    if i > stop or i == 0:
        return i
    length = stop
    base = levels
    while length > 1:
        half = length >> 1
        if base[half - 1].key < key:
            base += half
        length -= half
    return (base - levels) + (base[0].key < key)


cdef inline void side_set(BookSide* side, double key, double amount, int64_t update_id) noexcept nogil:
    """Set the level at ``key`` to ``amount`` (0 deletes; deleting a missing
    level is a no-op).  The caller reserved room for one more level."""
    cdef Level* levels = side.levels
    cdef Py_ssize_t n = side.n
    cdef Py_ssize_t i = lower_bound(levels, n, key)
    if i < n and levels[i].key == key:
        if amount == 0.0:
            memmove(levels + i, levels + i + 1, (n - i - 1) * sizeof(Level))
            side.n = n - 1
        else:
            levels[i].amount = amount
            levels[i].update_id = update_id
    elif amount != 0.0:
        memmove(levels + i + 1, levels + i, (n - i) * sizeof(Level))
        levels[i].key = key
        levels[i].amount = amount
        levels[i].update_id = update_id
        side.n = n + 1


cdef inline int _by_key_then_position(const void* a, const void* b) noexcept nogil:
    # snapshot rows not in exchange order: sort by key, ties by input position
    # (kept in update_id while sorting) so the last duplicate wins
    cdef const Level* x = <const Level*>a
    cdef const Level* y = <const Level*>b
    if x.key != y.key:
        return -1 if x.key < y.key else 1
    return -1 if x.update_id < y.update_id else (1 if x.update_id > y.update_id else 0)


cdef inline int side_build(Level* src, Py_ssize_t n, BookSide* out) except -1:
    """Fill ``out`` (its old array is not freed) from ``n`` validated snapshot
    rows: sorted best-last, zero amounts skipped, the last of duplicate prices
    kept.  Exchanges send both sides best first, i.e. descending keys: that
    case is one reversed copy, O(n); any other order is sorted, O(n log n).
    ``src`` may be reordered."""
    cdef Py_ssize_t i, k = 0
    cdef Level* dst
    cdef bint descending = True
    cdef bint ascending = True
    cdef int64_t update_id = src[0].update_id if n else 0
    for i in range(1, n):
        if src[i].key >= src[i - 1].key:
            descending = False
        if src[i].key <= src[i - 1].key:
            ascending = False
    dst = <Level*>malloc(capacity_for(n) * sizeof(Level))
    if dst == NULL:
        raise MemoryError()
    if descending:
        for i in range(n - 1, -1, -1):
            if src[i].amount != 0.0:
                dst[k] = src[i]
                k += 1
    elif ascending:
        for i in range(n):
            if src[i].amount != 0.0:
                dst[k] = src[i]
                k += 1
    else:
        for i in range(n):
            src[i].update_id = i
        qsort(src, n, sizeof(Level), _by_key_then_position)
        for i in range(n):
            if src[i].amount != 0.0 and (i + 1 == n or src[i + 1].key != src[i].key):
                dst[k] = src[i]
                dst[k].update_id = update_id
                k += 1
    out.levels = dst
    out.n = k
    out.cap = capacity_for(n)
    side_maybe_shrink(out)
    return 0


cdef inline int side_check(const BookSide* side, double sign, str name) except -1:
    """Raise AssertionError naming the first broken invariant of one side."""
    cdef Py_ssize_t i
    cdef const Level* level
    cdef double price
    if side.n < 0 or side.n > side.cap or side.levels == NULL:
        raise AssertionError(f"{name}: {side.n} levels in a capacity of {side.cap}")
    for i in range(side.n):
        level = side.levels + i
        price = sign * level.key
        if not (isfinite(price) and price > 0.0):
            raise AssertionError(f"{name}: level {i} has price {price!r}")
        if not (isfinite(level.amount) and level.amount > 0.0):
            raise AssertionError(f"{name}: level {i} at price {price!r} has amount {level.amount!r}")
        if i and not (side.levels[i - 1].key < level.key):
            raise AssertionError(f"{name}: levels {i - 1} and {i} are not strictly sorted "
                                 f"({sign * side.levels[i - 1].key!r}, {price!r})")
    return 0
