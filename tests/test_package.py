"""Bulk export as a Frictionless data package, and the round trip: export, import into an empty
database, and every API response is identical."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import String, literal, select, update
from sqlalchemy.orm import Session

from app import package, search
from app.cli import main as cli
from app.models import Evidence, Record
from tests.helpers import walk

FORMULA_TEXTS = ["+", "=", "-", "@", "'", "\t"]
DAGENS_RECORD = "dagens-2024-sentences-per-month"
PATHS = [
    "/v1/sentences?include_deprecated=true&limit=500",
    "/v1/risks?include_deprecated=true&limit=500",
    "/v1/claims?include_deprecated=true&limit=500",
    "/v1/articles?limit=500",
    "/v1/regions?limit=500",
    "/v1/sentences.csv",
    "/v1/claims.ndjson",
    "/v1/disputes?limit=500",
    "/v1/risks/multipliers?reference=RU-MOW",
    "/v1/sentences/series?measure=sentences&offence=337",
    "/v1/changes?limit=1000",
    "/v1/search?q=Buryatia&limit=100",
    "/v1/sentences?facet=region&facet=publisher&facet=year",
    "/v1/export",
]


def every_response(client: TestClient) -> dict[str, bytes]:
    bodies = {path: client.get(path).content for path in PATHS}
    for family in ("sentences", "risks", "claims", "articles"):
        for item in walk(
            client,
            f"/v1/{family}?limit=500&include_deprecated=true"
            if family != "articles"
            else "/v1/articles?limit=500",
        ):
            path = f"/v1/{family}/{item['id']}"
            bodies[path] = client.get(path).content
    for region in walk(client, "/v1/regions?limit=500"):
        bodies[f"/v1/regions/{region['code']}"] = client.get(
            f"/v1/regions/{region['code']}"
        ).content
    return bodies


def test_export_import_round_trip_gives_identical_responses(
    tmp_path: Path,
    seeded_db: str,
    empty_db: str,
    session_for: Callable[[str], Session],
    client_for: Callable[[str], TestClient],
) -> None:
    source = session_for(seeded_db)
    # Texts a spreadsheet would run as formulas: escaped in the CSV, restored on import. Each
    # keeps its quote after the formula, so the quote still states the record's value.
    for number, start in enumerate(FORMULA_TEXTS):
        formula = literal(f"{start}15% more ", String) + Evidence.quote
        source.execute(update(Evidence).where(Evidence.id == number + 1).values(quote=formula))
    source.execute(
        update(Record).where(Record.id == DAGENS_RECORD).values(statement="@handle said it")
    )
    search.index_records(source, source.scalars(select(Record.id)))
    source.commit()
    package.export_dir(source, tmp_path / "pkg")
    source.rollback()
    escaped = (tmp_path / "pkg" / "evidence.csv").read_text(encoding="utf-8")
    assert all(f"'{start}15% more" in escaped for start in FORMULA_TEXTS)
    target = session_for(empty_db)
    counts = package.import_dir(target, tmp_path / "pkg")
    target.commit()
    assert counts["records"] > 150
    before, after = every_response(client_for(seeded_db)), every_response(client_for(empty_db))
    assert before.keys() == after.keys()
    different = [path for path in before if before[path] != after[path]]
    assert different == []


def test_descriptor_describes_fields_licence_citation_and_checksums(
    tmp_path: Path, seeded_db: str, session_for: Callable[[str], Session]
) -> None:
    package.export_dir(session_for(seeded_db), tmp_path)
    descriptor = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert descriptor["citation"]
    assert [r["path"] for r in descriptor["resources"]] == [f"{t}.csv" for t in package.TABLES]
    for resource in descriptor["resources"]:
        data = (tmp_path / resource["path"]).read_bytes()
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert resource["bytes"] == len(data)
        assert all(field["description"] for field in resource["schema"]["fields"])
    records = next(r for r in descriptor["resources"] if r["path"] == "records.csv")
    value = next(f for f in records["schema"]["fields"] if f["name"] == "value")
    assert value["type"] == "number"
    assert "unit" in value


def test_import_refuses_a_tampered_file_and_a_database_with_data(
    tmp_path: Path, seeded_db: str, empty_db: str, session_for: Callable[[str], Session]
) -> None:
    package.export_dir(session_for(seeded_db), tmp_path)
    with pytest.raises(package.PackageError, match="already holds data"):
        package.import_dir(session_for(seeded_db), tmp_path)
    with (tmp_path / "records.csv").open("a", encoding="utf-8") as records:
        records.write("tampered\r\n")
    target = session_for(empty_db)
    with pytest.raises(package.PackageError, match="records.csv: checksum"):
        package.import_dir(target, tmp_path)


def test_http_export_is_the_same_package_zipped(client: TestClient) -> None:
    response = client.get("/v1/export")
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = sorted(archive.namelist())
    assert "desertion-api/datapackage.json" in names
    descriptor = json.loads(archive.read("desertion-api/datapackage.json"))
    for resource in descriptor["resources"]:
        data = archive.read(f"desertion-api/{resource['path']}")
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
    assert client.get("/v1/export").headers["etag"] == response.headers["etag"]


def test_cli_export_then_import(
    tmp_path: Path,
    seeded_db: str,
    empty_db: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DESERTION_DATABASE_URL", seeded_db)
    from app.config import get_settings

    get_settings.cache_clear()
    assert cli(["export", str(tmp_path / "out")]) == 0
    monkeypatch.setenv("DESERTION_DATABASE_URL", empty_db)
    get_settings.cache_clear()
    assert cli(["import", str(tmp_path / "out")]) == 0
    assert cli(["import", str(tmp_path / "out")]) == 1
    get_settings.cache_clear()
    assert "import refused" in capsys.readouterr().err


def test_export_in_small_batches_writes_the_same_files(
    seeded_db: str,
    session_for: Callable[[str], Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each table is read in keyset batches (one bounded statement each); the batch size must
    not change a byte, including across composite primary keys."""
    package.export_dir(session_for(seeded_db), tmp_path / "whole")
    monkeypatch.setattr(package, "BATCH", 7)
    package.export_dir(session_for(seeded_db), tmp_path / "batched")
    whole = sorted(p.name for p in (tmp_path / "whole").iterdir())
    assert whole == sorted(p.name for p in (tmp_path / "batched").iterdir())
    for name in whole:
        assert (tmp_path / "whole" / name).read_bytes() == (
            tmp_path / "batched" / name
        ).read_bytes()
