from libc.stdint cimport int64_t

from hummingbot_conn.core._book_side cimport Level


cdef struct RowBuffer:
    # scratch space owned by one OrderBook: rows are parsed and validated
    # here first, so a bad row is found before the book is touched
    Level* rows
    Py_ssize_t n
    Py_ssize_t cap


cdef int buffer_init(RowBuffer* buf) except -1
cdef void buffer_free(RowBuffer* buf) noexcept
cdef void buffer_trim(RowBuffer* buf) noexcept
cdef int parse_rows(object rows, RowBuffer* buf, double sign, int64_t update_id,
                    const char* side_name) except -1
cdef double parse_price(object value, str what) except? -1.0
cdef list rows_to_list(object rows, int64_t update_id, const char* side_name)
cdef int64_t parse_update_id(object value, str name, int64_t minimum) except? -2
