"""Publish / subscribe with deterministic dispatch.

Differences from hummingbot's PubSub, on purpose:

* listeners are called in subscription order (hummingbot's unordered_set
  gives an unspecified order, so one listener on several tags cannot rely on
  seeing events in the order they happened);
* listeners are held by strong reference until ``remove_listener``: a
  lambda or bound method passed in is not silently collected;
* a listener that raises is logged and the others still run: one faulty
  strategy callback must not stop the connector's own bookkeeping.

``_trigger_event`` is the C entry point for compiled publishers: one dict
lookup and a loop over a list, no Enum attribute access.
"""
import logging

from libc.stdint cimport int64_t

_logger = logging.getLogger(__name__)


cdef inline int64_t _tag_value(object event_tag) except? -1:
    # Enum members carry their int in .value; plain ints are accepted as is.
    if isinstance(event_tag, int):
        return event_tag
    return event_tag.value


cdef inline bint _same(object a, object b):
    # bound methods are new objects on each attribute access: compare by ==
    return a is b or a == b


cdef bint _contains(list listeners, object listener):
    for existing in listeners:
        if _same(existing, listener):
            return True
    return False


cdef class PubSub:
    """Listeners per event tag.  Tags are hummingbot-style ``Enum`` members
    (``MarketEvent.OrderFilled``) or their integer values.

    Cost: ``trigger_event`` is O(listeners of that tag).
    """

    def __cinit__(self):
        self._listeners = {}

    cpdef add_listener(self, object event_tag, object listener):
        """Subscribe ``listener`` (any callable taking the event) to ``event_tag``.
        Adding the same listener twice to one tag is a no-op."""
        if not callable(listener):
            raise TypeError(f"listener must be callable, got {type(listener).__name__}")
        cdef int64_t tag = _tag_value(event_tag)
        cdef list listeners = self._listeners.get(tag)
        if listeners is None:
            self._listeners[tag] = [listener]
        elif not _contains(listeners, listener):
            # copy-on-write: a trigger in progress keeps iterating its own list
            self._listeners[tag] = listeners + [listener]

    cpdef remove_listener(self, object event_tag, object listener):
        """Unsubscribe; removing a listener that is not subscribed is a no-op."""
        cdef int64_t tag = _tag_value(event_tag)
        cdef list listeners = self._listeners.get(tag)
        if listeners is None:
            return
        if not _contains(listeners, listener):
            return
        cdef list kept = []
        for existing in listeners:
            if not _same(existing, listener):
                kept.append(existing)
        if kept:
            self._listeners[tag] = kept
        else:
            del self._listeners[tag]

    cpdef list get_listeners(self, object event_tag):
        """The listeners of ``event_tag`` in subscription order (a copy)."""
        cdef list listeners = self._listeners.get(_tag_value(event_tag))
        return [] if listeners is None else list(listeners)

    cpdef trigger_event(self, object event_tag, object message):
        """Call every listener of ``event_tag`` with ``message``, in order."""
        self._trigger_event(_tag_value(event_tag), message)

    cdef int _trigger_event(self, int64_t tag, object message) except -1:
        cdef list listeners
        if not self._listeners:
            return 0
        listeners = self._listeners.get(tag)
        if listeners is None:
            return 0
        for listener in listeners:
            try:
                listener(message)
            except Exception:
                _logger.exception("Listener %r raised on event tag %d; other listeners still run.",
                                  listener, tag)
        return 0
