"""Client order ids: unique, venue-legal, and injectable.

``get_new_client_order_id`` keeps hummingbot's signature and layout idea
(prefix, side letter, pair initials, a time-based nonce), but the nonce comes
from a ``ClientOrderIdGenerator`` that never repeats within a process (a
strictly increasing microsecond counter), and an instance tag keeps two
processes apart.  Only ``[A-Za-z0-9_-]`` characters are produced, which every
venue we know accepts (Binance: ``^[\\.A-Z\\:/a-z0-9_-]{1,36}$``).
"""
import hashlib
import os
import re
import time
from typing import Callable, Dict, Optional, Tuple

__all__ = ["ClientOrderIdGenerator", "get_new_client_order_id"]

_ILLEGAL = re.compile(r"[^A-Za-z0-9_-]")


class ClientOrderIdGenerator:
    """``generator(is_buy, trading_pair) -> str``.

    :param prefix: put first (Binance's broker prefix ``x-MG43PCSN``)
    :param max_length: ids are cut to this length, keeping the nonce's low digits
    :param clock: seconds since the epoch (injected for tests; default ``time.time``)
    :param instance_tag: tells processes apart (default: a hash of host and pid)
    """

    def __init__(self, prefix: str = "", max_length: Optional[int] = None,
                 clock: Callable[[], float] = time.time, instance_tag: Optional[str] = None) -> None:
        self._prefix = _ILLEGAL.sub("", prefix)
        self._max_length = max_length
        self._clock = clock
        if instance_tag is None:
            seed = f"{os.uname().nodename}:{os.getpid()}:{id(self)}".encode()
            instance_tag = hashlib.md5(seed, usedforsecurity=False).hexdigest()[:4]
        self._tag = _ILLEGAL.sub("", instance_tag)
        self._last_nonce = 0

    def next_nonce(self) -> int:
        """Strictly increasing: the clock in microseconds, or last + 1 when the clock stalls or steps back."""
        nonce = max(int(self._clock() * 1e6), self._last_nonce + 1)
        self._last_nonce = nonce
        return nonce

    def __call__(self, is_buy: bool, trading_pair: str) -> str:
        """A fresh id for an order on ``trading_pair`` (``TypeError`` if it is not a str)."""
        if not isinstance(trading_pair, str):
            raise TypeError(f"trading_pair must be a str, got {type(trading_pair).__name__}")
        base, _, quote = str.partition(trading_pair, "-")     # str's own method: a subclass's is not run
        initials = _ILLEGAL.sub("", f"{base[:1]}{base[-1:]}{quote[:1]}{quote[-1:]}")
        head = f"{self._prefix}{'B' if is_buy else 'S'}{initials}"
        nonce = format(self.next_nonce(), "x")
        order_id = f"{head}{nonce}{self._tag}"
        if self._max_length is not None and len(order_id) > self._max_length:
            # keep the nonce's fast-moving low digits: they make the id unique
            room = self._max_length - len(head)
            if room < 6:
                raise ValueError(f"max_length {self._max_length} leaves no room for a unique id after {head!r}")
            order_id = head + (nonce + self._tag)[-room:] if len(self._tag) < room else head + nonce[-room:]
        return order_id


_default_generators: Dict[Tuple[str, Optional[int]], ClientOrderIdGenerator] = {}


def get_new_client_order_id(is_buy: bool, trading_pair: str, hbot_order_id_prefix: str = "",
                            max_id_len: Optional[int] = None) -> str:
    """hummingbot's function: a fresh id from a per-(prefix, length) process-wide generator."""
    key = (hbot_order_id_prefix, max_id_len)
    generator = _default_generators.get(key)
    if generator is None:
        generator = _default_generators[key] = ClientOrderIdGenerator(hbot_order_id_prefix, max_id_len)
    return generator(is_buy, trading_pair)
