"""A TypeScript and a Python developer each get a typed, working client from /openapi.json on the
first try: each client is generated from a real server's schema, type-checked strictly and run
against that server (clients/typescript/main.ts, clients/python/check_client.py).

The TypeScript tools come from ``npm ci --prefix clients/typescript`` (.ci/run does it); without
them the tests fail in CI (CI=true) and are skipped elsewhere."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT
from bench.server import Server, serve
from tests.conftest import Databases

pytestmark = pytest.mark.clients

TYPESCRIPT = PROJECT_ROOT / "clients" / "typescript"
PYTHON = PROJECT_ROOT / "clients" / "python"
BIN = Path(sys.executable).parent  # the venv's tools: the generator's ruff hooks, mypy


def run(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    """Run ``command``; its output, or a failure that shows it."""
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    output = f"{result.stdout}\n{result.stderr}"
    assert result.returncode == 0, f"{' '.join(command)} exited {result.returncode}:\n{output}"
    return output


@pytest.fixture(scope="module")
def server(
    databases: Databases, seeded_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("clients") / "server.log"
    with serve(databases.new(template=seeded_template), log=log) as running:
        yield running
    assert "Traceback" not in log.read_text()


@pytest.fixture(scope="module")
def typescript(server: Server) -> dict[str, str]:
    """The environment for npm, once schema.d.ts is generated from the server's schema."""
    missing = ""
    if shutil.which("npm") is None:
        missing = "npm is not installed"
    elif not (TYPESCRIPT / "node_modules").is_dir():
        missing = "no clients/typescript/node_modules: run `npm ci --prefix clients/typescript`"
    if missing and os.environ.get("CI", "").lower() in {"1", "true"}:
        pytest.fail(f"{missing} (CI=true, where the client tests must run)")
    if missing:
        pytest.skip(missing)
    env = dict(os.environ, API_URL=server.base)
    (TYPESCRIPT / "schema.d.ts").unlink(missing_ok=True)
    run(["npm", "run", "--silent", "generate"], TYPESCRIPT, env)
    assert "export interface paths" in (TYPESCRIPT / "schema.d.ts").read_text()
    return env


def test_the_typescript_program_compiles_strictly(typescript: dict[str, str]) -> None:
    run(["npm", "run", "--silent", "typecheck"], TYPESCRIPT, typescript)


def test_the_typescript_program_lists_follows_next_and_reads_the_problem(
    typescript: dict[str, str],
) -> None:
    output = run(["npm", "run", "--silent", "start"], TYPESCRIPT, typescript)
    assert "FAIL" not in output, output
    assert "ok   error.status is 404" in output, output  # it reached the last check


@pytest.fixture(scope="module")
def python_client(server: Server, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The generated package's folder and what the generator printed."""
    folder = tmp_path_factory.mktemp("python-client") / "desertion-api-client"
    output = run(
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--url",
            f"{server.base}/openapi.json",
            "--config",
            str(PYTHON / "config.yaml"),
            "--output-path",
            str(folder),
        ],
        PROJECT_ROOT,
        dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"),
    )
    return folder, output


def test_the_python_client_is_generated_without_warnings(
    python_client: tuple[Path, str],
) -> None:
    folder, output = python_client
    assert [line for line in output.splitlines() if "warning" in line.lower()] == [], output
    assert (folder / "desertion_api_client" / "models" / "problem.py").is_file()


def test_the_python_program_type_checks_strictly(
    python_client: tuple[Path, str], tmp_path: Path
) -> None:
    folder, _ = python_client
    command = [str(BIN / "mypy"), "--strict", "--cache-dir", str(tmp_path / "mypy")]
    env = dict(os.environ, MYPYPATH=str(folder))
    run([*command, str(PYTHON / "check_client.py")], PROJECT_ROOT, env)


def test_the_python_client_parses_pages_and_the_problem(
    python_client: tuple[Path, str], server: Server
) -> None:
    folder, _ = python_client
    env = dict(os.environ, PYTHONPATH=str(folder))
    output = run([sys.executable, str(PYTHON / "check_client.py"), server.base], PYTHON, env)
    assert "FAIL" not in output, output
    assert "ok   problem.status is 404" in output, output
