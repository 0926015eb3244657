"""Under sustained load far beyond the connection pool, a real server answers every request
correctly (slower, never stalled), and /healthz keeps answering throughout."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.load import run_load
from bench.server import serve
from tests.conftest import Databases

CLIENTS = int(os.environ.get("LOAD_CLIENTS", "200"))
SECONDS = float(os.environ.get("LOAD_SECONDS", "20"))


@pytest.mark.load
def test_200_keep_alive_clients_on_the_heaviest_pages(
    databases: Databases, seeded_template: str, tmp_path: Path
) -> None:
    log = tmp_path / "server.log"
    # The default pool (5 + 10): 200 clients are more than 13 times what it can serve at once.
    with serve(databases.new(template=seeded_template), log=log) as server:
        result = run_load(server.base, CLIENTS, SECONDS)
        exit_seconds = server.stop()

    assert result.failures == {}, result.failures  # no timeout, no reset, no wrong body
    assert set(result.statuses) == {200}, result.statuses  # no 5xx, no 503 either at this load
    assert result.requests >= CLIENTS
    assert result.health_checks > 0
    assert result.health_failures == 0
    assert exit_seconds < 10
    assert "Traceback" not in log.read_text()
