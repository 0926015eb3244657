"""Cold start (issue 11: spawn to the first answer under 0.8 s) depends on what starting the
server imports. These tests guard it without a timer: `desertion-api serve` imports the
application and none of the modules only some commands or routes need, and those routes still
answer on their first request (the import happens there)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

# Each costs tens to hundreds of milliseconds to import (iso3166-2 loads a large JSON file and
# pulls in requests); none is needed to answer /healthz or a JSON list.
HEAVY = (
    "alembic",  # migrations and /readyz
    "rich",  # the CLI's progress bars
    "jinja2",  # HTML pages and SVG charts
    "rapidfuzz",  # "did you mean" in a refusal
    "pycountry",  # region names: the regions table, /openapi.json's enum
    "iso3166_2",
    "requests",
    "app.package",  # import / export
    "app.loader",
    "app.migrate",
)


def _imported_by(code: str) -> set[str]:
    """The modules of HEAVY in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    probe = (
        f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_starting_the_server_imports_no_heavy_module() -> None:
    """What `desertion-api serve` runs before its first request: the CLI, then the app."""
    assert _imported_by("import app.cli, app.main") == set()


def test_the_probe_sees_a_heavy_import() -> None:
    """The probe itself works: a command that needs the loader does import it."""
    assert {"app.package", "app.loader", "rich"} <= _imported_by("import app.package")


@pytest.mark.parametrize(
    ("path", "status", "needs"),
    [
        ("/openapi.json", 200, "RU-BU"),  # the region enum, from pycountry
        ("/v1/sentences?region=RU-XX", 422, "RU-"),  # closest codes, from rapidfuzz
        ("/v1/regions/RU-BU", 200, "Buryatia"),
        ("/v1/risks/multipliers.svg?reference=RU-MOW", 200, "<svg"),  # Jinja2
    ],
)
def test_a_route_needing_a_lazy_import_answers_its_first_request(
    client: TestClient, path: str, status: int, needs: str
) -> None:
    response = client.get(path)
    assert response.status_code == status, response.text
    assert needs in response.text
