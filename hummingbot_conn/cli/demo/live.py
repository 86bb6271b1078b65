"""The live view of ``hbconn demo`` on a terminal: one rich ``Live``, started before the demo says anything.

A line printed above a live view pushes the view down: on an 80x24 terminal the
two lines the demo printed while its connector started (wrapped to four) scrolled
the view's top rows off the screen. So in the live mode nothing is printed before
the view: what the demo has to say while it starts (the simulator's URL, the
metrics URL, the connector ready) is shown inside the view, each line cut to the
width, and once the demo runs those lines become its first events
(:meth:`DemoLive.hand_over`). Every frame is drawn on the demo's task, never by a
refresh thread (drawing shares the event loop with the market data).

``rich`` is imported here: the plain mode (``--no-ui``, pipes) never loads this module.
"""
from __future__ import annotations

from typing import Any, List, Optional

from rich.live import Live
from rich.text import Text

from hummingbot_conn.cli.demo.recorder import DemoRecorder
from hummingbot_conn.cli.demo.view import DemoFrame
from hummingbot_conn.cli.text_layout import join

__all__ = ["DemoLive", "START"]

#: the kind (first word) of the events made of the lines said while starting
START = "Start"


class DemoLive:
    """The demo's live view on ``console`` (a rich ``Console``; None: the terminal's).

    ``say(line)`` shows a line while the demo starts; ``show(frame)`` draws a frame laid out for the
    console's size at that moment (``screen.render``); ``stop()`` leaves the last frame on screen.
    """

    def __init__(self, console: Optional[Any] = None) -> None:
        self._live = Live(console=console, auto_refresh=False)
        self.early: List[str] = []
        self._started = False

    @property
    def width(self) -> int:
        """The console's width in columns now (the summary after the view wraps to it)."""
        return int(self._live.console.size[0])

    def start(self) -> None:
        self._live.start()
        self._started = True
        self._draw_early()

    def say(self, line: str) -> None:
        """A line of the demo's start, shown in the view (cut to the width, never wrapped)."""
        self.early.append(line)
        if self._started:
            self._draw_early()

    def hand_over(self, recorder: DemoRecorder) -> None:
        """The lines said so far become the recorder's first events (``Start ...``), so the view keeps them."""
        for line in self.early:
            recorder.note(f"{START:<10}{line}")
        self.early.clear()

    def show(self, frame: DemoFrame) -> None:
        # looked up at each frame: a test may record what is rendered
        from hummingbot_conn.cli.demo import screen

        width, height = self._live.console.size
        self._live.update(screen.render(frame, width, height), refresh=True)

    def stop(self) -> None:
        if self._started:
            self._started = False
            self._live.stop()

    def _draw_early(self) -> None:
        width, height = self._live.console.size
        room = max(1, height - 2)           # the title, and the last line kept free as on every frame
        lines = [Text.assemble(("hbconn demo", "bold"), ("  starting", "dim"))] + \
            [Text(line) for line in self.early[-room:]]
        self._live.update(join(lines, width), refresh=True)
