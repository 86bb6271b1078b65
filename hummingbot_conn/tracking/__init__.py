"""Trackers: the connector's view of its orders (and, from other modules,
order books and the user stream)."""
