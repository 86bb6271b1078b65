"""Fake sockets for data sources driven without a network (the book tracker's unit tests)."""
import asyncio
from typing import Any


class IdleSocket:
    """A ``WSAssistant`` stand-in that is connected and never receives anything: the test feeds the
    source's messages itself.  ``send`` accepts any request (a subscription) and sends nothing."""

    reconnect_count = 0
    on_reconnected = None

    async def receive(self) -> Any:
        await asyncio.Event().wait()

    async def disconnect(self) -> None:
        return None

    async def send(self, request: Any) -> None:
        return None


__all__ = ["IdleSocket"]
