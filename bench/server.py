"""A real server on a loopback port (``desertion-api serve``, as deployed), for benchmarks and the
load and fault tests that must meet the server as its users do."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy.orm import sessionmaker

from app.config import PROJECT_ROOT
from app.db import make_engine
from app.loader import load_seed
from app.migrate import upgrade


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    base: str
    process: subprocess.Popen[bytes]
    log: Path | None

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log else ""

    def stop(self, timeout: float = 15.0) -> float:
        """SIGTERM, then wait; returns the seconds the process took to exit."""
        started = time.monotonic()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=timeout)
        return time.monotonic() - started


@contextmanager
def serve(
    database_url: str, env: dict[str, str] | None = None, log: Path | None = None
) -> Iterator[Server]:
    """A running ``desertion-api serve`` on ``database_url`` (settings in ``env``); its log
    goes to ``log`` when given."""
    port = free_port()
    environment = dict(os.environ, DESERTION_DATABASE_URL=database_url, **(env or {}))
    environment.pop("DATABASE_URL", None)
    output = log.open("wb") if log else subprocess.DEVNULL
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=environment,
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{server.base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                if process.poll() is not None:
                    raise RuntimeError(f"the server exited: {server.log_text()}") from None
                time.sleep(0.1)
        yield server
    finally:
        try:
            server.stop()
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if log:
            output.close()  # type: ignore[union-attr]


def rss_kib(pid: int) -> int:
    """Resident memory of a process now, from /proc (Linux)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def seeded_sqlite(folder: Path) -> str:
    """A new SQLite database in ``folder``, migrated and holding the real seed."""
    url = f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    engine = make_engine(url)
    with sessionmaker(engine).begin() as session:
        load_seed(session, PROJECT_ROOT / "seed")
    engine.dispose()
    return url
