"""A real server on a PostgreSQL cluster of the test's own, stopped and then hung (SIGSTOP):
reads answer 503 problem+json with Retry-After within seconds on the same keep-alive
connection, /healthz stays 200, /readyz says 503, each failure is one log line and never a
traceback, and the service recovers by itself when the database returns. SIGTERM still stops
the server promptly while the database hangs."""

from __future__ import annotations

import http.client
import json
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import sessionmaker

from app.db import make_engine
from app.loader import load_seed
from app.migrate import upgrade
from bench.server import Server, serve
from tests.conftest import ON_POSTGRES, SEED_DIR
from tests.throwaway_postgres import ThrowawayPostgres, postgres_bin

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(not ON_POSTGRES, reason="run in the PostgreSQL pass (DATABASE_URL)"),
    pytest.mark.skipif(postgres_bin() is None, reason="PostgreSQL server binaries not installed"),
]

STALL = 2.0
LIMITS = {
    "DESERTION_STALL_TIMEOUT": str(STALL),
    "DESERTION_DB_CONNECT_TIMEOUT": "2",
    "DESERTION_DB_POOL_TIMEOUT": "2",
    "DESERTION_DB_STATEMENT_TIMEOUT": "5",
    "DESERTION_QUEUE_TIMEOUT": "3",
    "DESERTION_RETRY_AFTER": "1",
    "DESERTION_SHUTDOWN_TIMEOUT": "3",
}
# A read answers within the stall timeout plus the time to notice it, never "eventually".
PROMPT = STALL + 4.0


@pytest.fixture
def cluster() -> Iterator[ThrowawayPostgres]:
    # Not under pytest's tmp folder: that is private to root, and the cluster runs as postgres.
    postgres = ThrowawayPostgres(Path(tempfile.mkdtemp(prefix="desertion-pg-")))
    try:
        postgres.start()
        upgrade(postgres.url)
        engine = make_engine(postgres.url)
        with sessionmaker(engine).begin() as session:
            load_seed(session, SEED_DIR)
        engine.dispose()
        yield postgres
    finally:
        postgres.destroy()


class KeepAlive:
    """One HTTP/1.1 connection, reused: a reset would raise instead of reconnecting."""

    def __init__(self, server: Server) -> None:
        host, port = server.base.removeprefix("http://").split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=30)

    def get(self, path: str) -> tuple[int, dict[str, str], Any, float]:
        started = time.monotonic()
        self.connection.request("GET", path)
        response = self.connection.getresponse()
        body = response.read()
        elapsed = time.monotonic() - started
        headers = {k.lower(): v for k, v in response.getheaders()}
        parsed = json.loads(body) if body else None
        return response.status, headers, parsed, elapsed

    def close(self) -> None:
        self.connection.close()


def get_once(server: Server, path: str) -> tuple[int, dict[str, str], Any, float]:
    """On a connection of its own, closed afterwards (even if the answer never comes)."""
    client = KeepAlive(server)
    try:
        return client.get(path)
    except OSError:
        return 0, {}, None, 0.0
    finally:
        client.close()


def assert_prompt_503(client: KeepAlive, path: str = "/v1/sentences") -> None:
    status, headers, body, elapsed = client.get(path)
    assert status == 503, body
    assert headers["content-type"] == "application/problem+json"
    assert headers["retry-after"] == "1"
    assert body["status"] == 503
    assert elapsed < PROMPT


def wait_for_recovery(client: KeepAlive, path: str = "/v1/sentences") -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status, _, body, _ = client.get(path)
        if status == 200:
            assert body["data"]
            return
        assert status == 503
        time.sleep(0.5)
    raise AssertionError("the service did not recover once the database was back")


def test_stopped_then_hung_database(cluster: ThrowawayPostgres, tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    with serve(cluster.url, env=LIMITS, log=log) as server:
        client = KeepAlive(server)
        assert client.get("/v1/sentences")[0] == 200
        assert client.get("/readyz")[0] == 200

        cluster.stop()
        for _ in range(3):  # the same connection each time: it survives every 503
            assert_prompt_503(client)
        assert_prompt_503(client, "/v1/regions/RU-BU")
        assert get_once(server, "/healthz")[0] == 200
        assert client.get("/readyz")[0] == 503

        cluster.start()
        wait_for_recovery(client)
        assert client.get("/readyz")[0] == 200

        cluster.hang()
        for _ in range(3):
            assert_prompt_503(client)
        status, _, _, elapsed = get_once(server, "/healthz")
        assert status == 200
        assert elapsed < 1.0
        assert client.get("/readyz")[0] == 503

        cluster.resume()
        wait_for_recovery(client)

        unavailable = log.read_text().count("database")
        assert unavailable >= 8  # one line per failure ...
        assert "Traceback" not in log.read_text()  # ... and never a stack

        # SIGTERM while the database hangs and requests are stuck on it: still a prompt exit.
        cluster.hang()
        stuck = [
            threading.Thread(target=get_once, args=(server, "/v1/claims"), daemon=True)
            for _ in range(5)
        ]
        for thread in stuck:
            thread.start()
        time.sleep(0.5)
        exit_seconds = server.stop()
        assert exit_seconds < 10
        cluster.resume()
        client.close()
        for thread in stuck:
            thread.join(timeout=5)
