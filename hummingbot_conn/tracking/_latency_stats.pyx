# cython: binding=False
"""``LatencyStats``: a ring of the last ``window`` latency samples, compiled.

Why compiled: a book's every applied diff adds one sample, and a compiled data
source path (``exchanges/kraken/_kraken_book.apply_book_update``) adds it with
a C call instead of a call in Python (``order_book_tracker_metrics.py`` for the
figures it feeds).
"""
from libc.stdlib cimport free, malloc


cdef class LatencyStats:
    """``LatencyStats(window=1024)``: the last ``window`` samples (seconds, floats); p50 / p99 on demand.

    ``window`` < 1: ValueError.  ``add`` takes a real number (TypeError otherwise)."""

    def __cinit__(self, *args, **kwargs):
        self._samples = NULL
        self._next = 0
        self._window = 0
        self.count = 0

    def __init__(self, Py_ssize_t window=1024):
        if window < 1:
            raise ValueError("window must be >= 1")
        samples = <double*>malloc(window * sizeof(double))
        if samples == NULL:
            raise MemoryError()
        free(self._samples)
        self._samples = samples
        self._window = window
        self._next = 0
        self.count = 0

    def __dealloc__(self):
        free(self._samples)

    cdef void _add(self, double seconds) noexcept:
        if self._samples == NULL:       # __init__ never ran: nothing to keep it in
            return
        self._samples[self._next] = seconds
        self._next += 1
        if self._next == self._window:
            self._next = 0
        self.count += 1

    def add(self, double seconds):
        self._add(seconds)

    def samples(self):
        """The kept samples (at most ``window``, oldest first once the ring wrapped)."""
        cdef Py_ssize_t i
        if self._samples == NULL:
            return []
        if self.count < self._window:
            return [self._samples[i] for i in range(self.count)]
        return ([self._samples[i] for i in range(self._next, self._window)]
                + [self._samples[i] for i in range(self._next)])

    def extend(self, LatencyStats other):
        for sample in other.samples():
            self._add(sample)

    def percentile(self, double q):
        """The ``q``-quantile (0..1, nearest rank) of the kept samples; NaN when empty."""
        kept = self.samples()
        if not kept:
            return float("nan")
        ordered = sorted(kept)
        rank = min(len(ordered) - 1, max(0, int(round(q * (len(ordered) - 1)))))
        return ordered[rank]

    @property
    def p50(self):
        return self.percentile(0.50)

    @property
    def p99(self):
        return self.percentile(0.99)

    @property
    def window(self):
        return self._window
