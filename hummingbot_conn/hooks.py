"""Venue hooks: the members a venue's subclass must supply, declared once and checked at construction.

Every base class a venue subclasses (``ExchangePyBase``, ``PerpetualDerivativePyBase``,
``OrderBookTrackerDataSource``, ``UserStreamTrackerDataSource``) derives from :class:`VenueHooks`.
Its hooks are ``abc.abstractmethod`` declarations whose docstrings state each contract (the
connector's: ``hummingbot_conn/connector/exchange_hooks.py``); a hook needed only under a declared
option (a REST snapshot for a ``REST_SNAPSHOT`` sync point) is named by ``_conditional_missing_hooks``.

Constructing a subclass that lacks one raises ``TypeError`` before any ``__init__`` runs, naming
every missing hook and the base class that declares it (Python's own message names only the
first class of the problem and says nothing of where the contract is written).
"""
from __future__ import annotations

from abc import ABC
from typing import Any, List, Tuple

__all__ = ["VenueHooks"]


class VenueHooks(ABC):  # noqa: B024  (the hooks are declared by its subclasses)
    """Base of the classes a venue subclasses: required hooks, listed and checked at construction."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        missing = cls.missing_hooks()
        if missing:
            raise TypeError(f"{cls.__qualname__} cannot be constructed: it is abstract, it does not implement "
                            f"{', '.join(missing)} (the hooks a venue supplies; each one's contract is "
                            f"in its declaration's docstring)")
        return super().__new__(cls)

    @classmethod
    def required_hooks(cls) -> Tuple[str, ...]:
        """Every hook a venue's subclass of ``cls`` supplies, sorted, implemented or not: what is still
        abstract on ``cls`` or on any of its bases that derives from ``VenueHooks`` (a hook one of
        those bases implements itself, e.g. a default dispatch, is not a venue's to supply)."""
        return tuple(sorted({name for klass in cls.__mro__ if issubclass(klass, VenueHooks)
                             for name in getattr(klass, "__abstractmethods__", ())}))

    @classmethod
    def missing_hooks(cls) -> List[str]:
        """The hooks ``cls`` does not implement, each as ``name (declared by Base)``; [] when complete."""
        missing = []
        for name in sorted(getattr(cls, "__abstractmethods__", ())):
            owner = next((k.__qualname__ for k in cls.__mro__ if name in vars(k)), "?")
            missing.append(f"{name} (declared by {owner})")
        return missing + cls._conditional_missing_hooks()

    @classmethod
    def _conditional_missing_hooks(cls) -> List[str]:
        """Hooks required only by an option the class declares (default: none), as ``name (why)``."""
        return []

    @classmethod
    def _overrides(cls, name: str, base: type) -> bool:
        """Whether ``cls`` replaces ``base``'s ``name`` (a hook with a refusing default)."""
        return getattr(cls, name, None) is not getattr(base, name, None)
