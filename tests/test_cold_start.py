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


# /openapi.json's digest in a fresh interpreter, after running ``prepare``.
OPENAPI_DIGEST = """
import hashlib
import warnings

from fastapi.testclient import TestClient
from pydantic import BaseModel

import app.main

warnings.simplefilter("ignore")
{prepare}
document = TestClient(app.main.app).get("/openapi.json").content
print(hashlib.sha256(document).hexdigest())
"""

# Build every model of the application now, each on its own, as they all were at import before
# they were deferred.
BUILD_EVERY_MODEL = """
def every(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from every(sub)

for model in set(every(BaseModel)):
    if model.__module__.startswith("app."):
        model.model_rebuild(force=True)
"""


def _printed_last(code: str) -> str:
    """The last line ``code`` prints, run in a fresh interpreter (imports start from nothing)."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout.strip().splitlines()[-1]


def _openapi_digest(prepare: str) -> str:
    return _printed_last(OPENAPI_DIGEST.format(prepare=prepare))


def test_openapi_does_not_depend_on_when_the_models_are_built() -> None:
    """The read and input models are built on first use (``defer_build``), not when the server
    starts, so /openapi.json is what builds most of them. Byte for byte, it is the document
    the same models give when every one of them was built beforehand on its own."""
    assert _openapi_digest("") == _openapi_digest(BUILD_EVERY_MODEL)


def test_the_read_models_are_not_built_at_import() -> None:
    """What the deferral saves: importing the application builds none of its read models."""
    probe = (
        "import app.cli, app.main\n"
        "from app.schemas.records import ArticleDetail, RiskDetail\n"
        "from app.families import SENTENCE\n"
        "print([m.__name__ for m in (ArticleDetail, RiskDetail, SENTENCE.read_model, "
        "SENTENCE.input_model) if m.__pydantic_complete__])"
    )
    assert _printed_last(probe) == "[]"


def test_serve_imports_the_app_with_the_collector_held_and_serves_with_it_on() -> None:
    """`serve` holds the cyclic collector off while importing the application (a sixth of a
    cold start's CPU), then freezes what the import built: uvicorn is handed the imported app
    with the collector running again, so garbage made while serving is collected as before."""
    probe = (
        "import gc, json, sys, uvicorn\n"
        "seen = {}\n"
        "def run(app, **options):\n"
        "    seen.update(app=app, imported='app.main' in sys.modules, enabled=gc.isenabled(),\n"
        "                frozen=gc.get_freeze_count())\n"
        "uvicorn.run = run\n"
        "from app.cli import main\n"
        "main(['serve', '--port', '1'])\n"
        "print(json.dumps(seen))"
    )
    seen = json.loads(_printed_last(probe))
    assert seen["app"] == "app.main:app"
    assert seen["imported"]
    assert seen["enabled"]
    assert seen["frozen"] > 50_000  # the application's objects, out of the collector's reach
