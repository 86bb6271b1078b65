"""The bus's subjects and messages (docs/bus.md, "Subjects" and "Messages").

Subjects, under a prefix (default ``hbconn``), one token per venue and pair:

* ``<prefix>.book.<venue>.<pair>``: the pair's book changes and trades, in order;
* ``<prefix>.snap.<venue>.<pair>``: snapshot requests (request / reply);
* ``<prefix>.feed.<venue>.heartbeat``: every pair's last sequence number, twice a second;
* ``<prefix>.feed.<venue>.info``: the feed's pairs and last prices (request / reply).

Messages are JSON arrays (``orjson``), the first element naming the kind:

* ``["d", seq, at, bids, asks]``: a diff of the feed's book (rows ``[price, qty]``, absolute
  quantities, 0 removes the level), ``seq`` the pair's bus sequence number (contiguous: each
  sequenced message is the previous one's + 1), ``at`` the venue frame's arrival at the feed on
  the feed's monotonic clock (seconds);
* ``["o", seq]``: the feed's book of the pair lost sync (it answers the next snapshot request
  once it is back); takes a sequence number like a diff;
* ``["t", at, timestamp, side, price, amount, trade_id]``: a trade (``side`` 1 buy, 2 sell),
  not sequenced;
* ``["h", {pair: seq}, now, boot_id]``: the heartbeat, with the feed's monotonic clock and its
  host's boot id (a consumer on the same boot reads the same monotonic clock);
* ``["s", seq, bids, asks]``: a snapshot reply (the book after the message ``seq``), or
  ``["e", text]``: a refusal in one sentence.

A decoding error raises ``ValueError`` (``BusMessageError``) naming what was wrong.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import orjson

__all__ = ["BusMessageError", "Subjects", "check_token", "decode", "encode"]

# characters a NATS subject token cannot hold: its separator, its wildcards and white space
_FORBIDDEN = frozenset(".*> \t\r\n")


class BusMessageError(ValueError):
    """A bus message that is not one of the shapes of this module (counted and dropped, never applied)."""


def check_token(kind: str, text: str) -> str:
    """``text`` as one subject token; ``ValueError`` naming ``kind`` for an empty one or one holding
    ``.``, ``*``, ``>`` or white space (each would change which subjects it means)."""
    if not isinstance(text, str) or not text or any(ch in _FORBIDDEN for ch in text):
        raise ValueError(f"{kind} {text!r} cannot name a NATS subject token (no '.', '*', '>' or spaces)")
    return text


class Subjects:
    """The subjects of one venue under ``prefix`` (module docstring)."""

    __slots__ = ("prefix", "venue")

    def __init__(self, venue: str, prefix: str = "hbconn") -> None:
        for token in prefix.split("."):
            check_token("prefix", token)
        self.prefix = prefix
        self.venue = check_token("venue", venue)

    def book(self, pair: str) -> str:
        return f"{self.prefix}.book.{self.venue}.{check_token('trading pair', pair)}"

    @property
    def books(self) -> str:
        """The wildcard of every pair's book subject (``NatsOrderBookDataSource(subscribe_all=True)``)."""
        return f"{self.prefix}.book.{self.venue}.*"

    def snapshot(self, pair: str) -> str:
        return f"{self.prefix}.snap.{self.venue}.{check_token('trading pair', pair)}"

    @property
    def snapshots(self) -> str:
        """The wildcard the feed answers snapshot requests on."""
        return f"{self.prefix}.snap.{self.venue}.*"

    @property
    def heartbeat(self) -> str:
        return f"{self.prefix}.feed.{self.venue}.heartbeat"

    @property
    def info(self) -> str:
        return f"{self.prefix}.feed.{self.venue}.info"

    def pair_of_snapshot(self, subject: str) -> str:
        return subject.rsplit(".", 1)[-1]


def rows(side: Any) -> Any:
    """Rows as JSON can carry them: lists as they are, the C parser's row buffers through ``tolist``."""
    return side if type(side) is list else side.tolist()


def encode(message: Any) -> bytes:
    return orjson.dumps(message)


def decode(payload: bytes) -> List[Any]:
    """A bus message as its list; ``BusMessageError`` for one that is not JSON or not a tagged list."""
    try:
        message = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise BusMessageError(f"not JSON: {exc}") from None
    if type(message) is not list or not message or type(message[0]) is not str:
        raise BusMessageError(f"not a tagged list: {payload[:80]!r}")
    return message


def sequenced(message: List[Any]) -> Tuple[str, int]:
    """``(kind, seq)`` of a ``d`` / ``o`` message; ``BusMessageError`` for a sequence number that is
    not an int >= 1 (a bool is not one)."""
    if len(message) < 2 or type(message[1]) is not int or message[1] < 1:
        raise BusMessageError(f"a {message[0]!r} message needs a sequence number >= 1, got {message[1:2]!r}")
    return message[0], message[1]


def heartbeat_seqs(message: List[Any]) -> Dict[str, int]:
    if len(message) < 2 or type(message[1]) is not dict:
        raise BusMessageError("a heartbeat carries one {pair: seq} object")
    return {p: s for p, s in message[1].items() if type(s) is int}


def heartbeat_clock(message: List[Any]) -> Tuple[Optional[float], str]:
    """``(the feed's monotonic time, its boot id)`` of a heartbeat; ``(None, "")`` when absent."""
    now = message[2] if len(message) > 2 and type(message[2]) is float else None
    boot = message[3] if len(message) > 3 and type(message[3]) is str else ""
    return now, boot


def boot_id() -> str:
    """This host's boot id (Linux; "" elsewhere): processes of one boot share CLOCK_MONOTONIC."""
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as handle:
            return handle.read().strip()
    except OSError:
        return ""
