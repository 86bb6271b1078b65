"""A cancelled task stays cancelled: no library wait swallows a cancellation.

On Python 3.11 ``asyncio.wait_for`` returns the inner result when a cancel
races the inner call's completion, so a loop built on it keeps running after
``task.cancel()`` and a ``stop()`` that gathers it waits forever (seen as an
intermittent hang of the connector suite under load). The library waits with
``asyncio.timeout`` instead, which hands the cancellation on.
"""
import asyncio
import pathlib
import re

import pytest

import hummingbot_conn
from hummingbot_conn.event_logger import EventLogger


class _Ping:
    pass


async def test_cancel_racing_the_awaited_result_is_not_swallowed():
    logger = EventLogger()
    waiter = asyncio.ensure_future(logger.wait_for(_Ping, 5))
    await asyncio.sleep(0)                  # the task now waits on the event
    logger(_Ping())                         # the result arrives ...
    waiter.cancel()                         # ... in the same loop iteration as the cancel
    with pytest.raises(asyncio.CancelledError):
        await waiter


def test_the_library_never_waits_with_wait_for():
    package = pathlib.Path(hummingbot_conn.__file__).parent
    offenders = [f"{path.relative_to(package)}:{n}"
                 for path in sorted(package.rglob("*.py"))
                 for n, line in enumerate(path.read_text().splitlines(), 1)
                 if re.search(r"\basyncio\.wait_for\(", line) and not line.lstrip().startswith("#")]
    assert offenders == []
