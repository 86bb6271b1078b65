"""FrameRefusals: what a connector does with a venue frame its strict parser refused.

A user-stream frame is read whole, field by field, with the core's strict
readers (``core/strict_fields``) before anything is applied
(docs/contracts.md, Contract 4, "refused frames").  One that fails is:

* refused: nothing of it is applied (no fill, no status, no balance);
* counted per frame kind (``counts``, exposed as the connector's
  ``refused_user_events``);
* logged once per kind at ERROR with the reason and the start of the frame,
  later ones of the same kind at DEBUG (a venue sending a new field format
  would otherwise flood the log with one line per frame);
* answered by a REST reconcile (``on_refused``, the connector's
  ``poll_now``): what the frame carried, a fill included, is then learned
  from the exchange's REST answers, so nothing is lost.
"""
import logging
from typing import Any, Callable, Dict

from hummingbot_conn.connector.trading_rules import describe

__all__ = ["FrameRefusals"]

_logger = logging.getLogger(__name__)


class FrameRefusals:
    """Counts, logs and reconciles refused frames; ``on_refused()`` asks for a REST reconcile."""

    def __init__(self, on_refused: Callable[[], None]) -> None:
        self._on_refused = on_refused
        self._counts: Dict[str, int] = {}

    @property
    def counts(self) -> Dict[str, int]:
        """Refused frames per kind (the frame's event type, e.g. ``executionReport``); a copy."""
        return dict(self._counts)

    @property
    def total(self) -> int:
        return sum(self._counts.values())

    def refuse(self, kind: Any, reason: BaseException, frame: Any) -> None:
        """Record one refused frame of ``kind`` (its event type; anything not a
        str is counted as ``"unreadable"``) and ask for a reconcile."""
        key = kind if type(kind) is str and 0 < len(kind) <= 64 else "unreadable"
        count = self._counts.get(key, 0) + 1
        self._counts[key] = count
        # the frame is shown through %.300r of a dict built by the JSON decoder (plain
        # builtins); the reason is our own ValueError / KeyError text
        level = logging.ERROR if count == 1 else logging.DEBUG
        _logger.log(level, "Refused a %s user stream frame (%s: %s); reconciling by REST. Further refused "
                    "%s frames are counted in refused_user_events and logged at DEBUG: %.300r",
                    describe(key), type(reason).__name__, reason, describe(key), frame)
        try:
            self._on_refused()
        except Exception:   # a reconcile that cannot be scheduled must not stop the stream
            _logger.exception("Could not schedule a reconcile after a refused frame.")
