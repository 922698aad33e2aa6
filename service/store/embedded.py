"""The embedded database: SecantusDB's `secantusd-py` run as a child process on loopback."""

from __future__ import annotations

import asyncio
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.errors import Unavailable

PORT_FILE = "embedded.port"


def free_port(host: str = "127.0.0.1") -> int:
    """Ask the kernel for a port that is free right now on `host`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def server_command() -> str:
    """The `secantusd-py` beside this interpreter (the venv), else the one on PATH."""
    beside = Path(sys.executable).with_name("secantusd-py")
    if beside.exists():
        return str(beside)
    found = shutil.which("secantusd-py")
    if found is None:
        raise Unavailable("secantusd-py is not installed (pip install secantusdb)")
    return found


def uri_for(host: str, port: int) -> str:
    # retryWrites=false: SecantusDB keeps a record per retryable write and every later
    # write slows down as they pile up. directConnection: it advertises a one-member set.
    return f"mongodb://{host}:{port}/?retryWrites=false&directConnection=true"


def _port_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


@dataclass
class EmbeddedDatabase:
    """One `secantusd-py --sync-on-commit` child; `storage` is a directory or ':memory:'."""

    storage: str
    host: str = "127.0.0.1"
    port: int = 0
    startup_timeout: float = 30.0
    log_path: str | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def uri(self) -> str:
        return uri_for(self.host, self.port)

    def start(self) -> str:
        """Start the server and wait until it accepts connections; return its URI."""
        if self.storage != ":memory:":
            Path(self.storage).mkdir(parents=True, exist_ok=True)
        if not self.port:
            self.port = free_port(self.host)
        cmd = [
            server_command(),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--storage-path",
            self.storage,
            "--sync-on-commit",
            "--log-level",
            "WARNING",
        ]
        log: Any = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        # Own process group: a Ctrl-C at the terminal reaches the service, which then
        # stops the database in order, instead of both racing to exit.
        self.process = subprocess.Popen(
            cmd, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True
        )
        if log is not subprocess.DEVNULL:
            log.close()
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise Unavailable(
                    f"embedded database exited with code {self.process.returncode} "
                    f"while starting on {self.host}:{self.port} (storage {self.storage}; "
                    "is another RecordHub using it? see embedded.log beside it)"
                )
            if _port_answers(self.host, self.port):
                self._write_port_file()
                return self.uri
            time.sleep(0.05)
        self.stop()
        raise Unavailable(
            f"embedded database did not answer on {self.host}:{self.port} "
            f"within {self.startup_timeout:.0f}s (storage {self.storage})"
        )

    async def start_async(self) -> str:
        return await asyncio.to_thread(self.start)

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM and wait, so WiredTiger closes its files; SIGKILL only as a last resort."""
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            self._remove_port_file()
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        self._remove_port_file()

    async def stop_async(self) -> None:
        await asyncio.to_thread(self.stop)

    def kill(self) -> None:
        """Stop abruptly (fault tests): no clean shutdown."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()

    def _port_file(self) -> Path | None:
        return None if self.storage == ":memory:" else Path(self.storage) / PORT_FILE

    def _write_port_file(self) -> None:
        path = self._port_file()
        if path is not None:
            path.write_text(f"{self.port}\n")

    def _remove_port_file(self) -> None:
        path = self._port_file()
        if path is not None:
            path.unlink(missing_ok=True)


def running_embedded_uri(storage: str, host: str = "127.0.0.1") -> str | None:
    """The URI of an embedded database already serving `storage` (the CLI reuses it)."""
    path = Path(storage) / PORT_FILE
    try:
        port = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    return uri_for(host, port) if _port_answers(host, port) else None
