"""A hostile corpus for ``desertion-api import``: a valid package, exported from the seeded
database, broken one way per case. Each must be refused with one line naming the file, the
line or record and the field, a non-zero exit, no traceback, and the database unchanged."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from app import package
from app.cli import main as cli
from app.config import get_settings
from app.db import Base, make_engine
from app.loader import keys
from app.loader.reading import content_hash
from app.models import Region

DAGENS = "dagens-2024-10-02-russian-soldiers-flee-to-the-forest"
Table = list[dict[str, str]]


def fingerprint(url: str) -> str:
    """A digest of every row of every table: equal exactly when the database is unchanged."""
    engine = make_engine(url)
    digest = hashlib.sha256()
    try:
        with engine.connect() as connection:
            for table in Base.metadata.sorted_tables:
                order = list(table.primary_key.columns)
                for row in connection.execute(select(table).order_by(*order)):
                    digest.update(repr((table.name, tuple(row))).encode())
    finally:
        engine.dispose()
    return digest.hexdigest()


def run_cli(
    args: list[str], url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    """Run the command in-process against ``url``; returns (exit code, stdout + stderr)."""
    monkeypatch.setenv("DESERTION_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        code = cli(args)
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr()
    return code, out.out + out.err


# --- building a broken package ---------------------------------------------------------------


def rehash(folder: Path) -> None:
    """Make datapackage.json's checksums match the (edited) files again."""
    path = folder / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        data = (folder / resource["path"]).read_bytes()
        resource["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
        resource["bytes"] = len(data)
    path.write_text(json.dumps(descriptor), encoding="utf-8")


def edit_text(folder: Path, name: str, change: Callable[[str], str]) -> None:
    path = folder / name
    path.write_bytes(change(path.read_bytes().decode("utf-8")).encode("utf-8"))
    rehash(folder)


def edit_rows(folder: Path, name: str, change: Callable[[Table], None]) -> None:
    """Change the rows of one CSV (as text cells) and write it back as export does."""
    with (folder / name).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = list(reader.fieldnames or []), list(reader)
    change(rows)
    out = io.StringIO()
    writer = csv.DictWriter(out, fields, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    (folder / name).write_text(out.getvalue(), encoding="utf-8", newline="")
    rehash(folder)


def first(rows: Table, **match: str) -> dict[str, str]:
    return next(r for r in rows if all(r[k] == v for k, v in match.items()))


def set_cell(name: str, column: str, value: str, **match: str) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        edit_rows(folder, name, lambda rows: first(rows, **match).__setitem__(column, value))

    return change


def _not_dagens(rows: Table) -> dict[str, str]:
    return next(r for r in rows if r["article_id"] != DAGENS)


def _made_up_quote(folder: Path) -> None:
    edit_rows(
        folder, "evidence.csv", lambda rows: _not_dagens(rows).__setitem__("verified", "true")
    )


def _invented_quote_marked_verified(folder: Path) -> None:
    def change(rows: Table) -> None:
        first(rows, article_id=DAGENS)["quote"] = "Buryatia is 34 times more dangerous."

    edit_rows(folder, "evidence.csv", change)


def _revision_says_verified(folder: Path) -> None:
    """The latest snapshot of an unverified record claims verified, its hash made to match."""
    records: Table = []
    edit_rows(folder, "records.csv", records.extend)
    revisions: Table = []
    edit_rows(folder, "revisions.csv", revisions.extend)
    target = next(r for r in records if not r["id"].startswith("dagens-"))
    latest = [r for r in revisions if r["entity_id"] == target["id"]][-1]
    snapshot = json.loads(latest["snapshot"]) | {"verified": True}

    def revise(rows: Table) -> None:
        next(r for r in rows if r["id"] == latest["id"])["snapshot"] = json.dumps(snapshot)

    def rehash_record(rows: Table) -> None:
        first(rows, id=target["id"])["content_hash"] = content_hash(snapshot)

    edit_rows(folder, "revisions.csv", revise)
    edit_rows(folder, "records.csv", rehash_record)


def _duplicate_row(folder: Path) -> None:
    edit_rows(folder, "records.csv", lambda rows: rows.append(dict(rows[0])))


def _drop_column(folder: Path) -> None:
    edit_text(folder, "records.csv", lambda text: text.replace("statement,", "", 1))


def _unbalanced_quote(folder: Path) -> None:
    edit_text(folder, "regions.csv", lambda text: text + 'RU-XX,"unterminated,x,y,z\r\n')


def _short_row(folder: Path) -> None:
    edit_text(folder, "regions.csv", lambda text: text + "RU-XX,only two\r\n")


def _oversized_field(folder: Path) -> None:
    set_cell("evidence.csv", "quote", "x" * 200_000, id="1")(folder)


def _bad_utf8(folder: Path) -> None:
    path = folder / "records.csv"
    path.write_bytes(path.read_bytes().replace(b"Buryatia", b"Bur\xffatia", 1))
    rehash(folder)


def _deep_json(folder: Path) -> None:
    set_cell("revisions.csv", "snapshot", "[" * 50_000 + "]" * 50_000, id="1")(folder)


def _descriptor(change: Callable[[dict[str, Any]], Any]) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        path = folder / "datapackage.json"
        descriptor = json.loads(path.read_text(encoding="utf-8"))
        path.write_text(json.dumps(change(descriptor)), encoding="utf-8")

    return apply


def _path_escape(descriptor: dict[str, Any]) -> dict[str, Any]:
    descriptor["resources"][5]["path"] = "../records.csv"
    return descriptor


def _deep_descriptor(folder: Path) -> None:
    (folder / "datapackage.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")


def _symlink(folder: Path) -> None:
    outside = folder.parent / "elsewhere.csv"
    shutil.move(folder / "records.csv", outside)
    (folder / "records.csv").symlink_to(outside)


def _symlinked_descriptor(folder: Path) -> None:
    outside = folder.parent / "elsewhere.json"
    shutil.move(folder / "datapackage.json", outside)
    (folder / "datapackage.json").symlink_to(outside)


def _too_big(folder: Path) -> None:
    edit_text(folder, "revisions.csv", lambda text: text + "\r\n" * (2 * 1024 * 1024))


def _missing_file(folder: Path) -> None:
    (folder / "claims.csv").unlink()


# (case id, break the package, text the one-line error must contain)
CASES: list[tuple[str, Callable[[Path], None], list[str]]] = [
    (
        "javascript-url",
        set_cell("articles.csv", "url", "javascript:alert(1)", id=DAGENS),
        ["articles.csv: line ", "field url", "http"],
    ),
    (
        "crlf-in-url",
        set_cell("articles.csv", "url", "https://example.org/a\r\nLink: x", id=DAGENS),
        ["articles.csv: line ", "field url", "control characters"],
    ),
    (
        "nul-in-text",
        set_cell("evidence.csv", "quote", "a quote\x00with a NUL", id="1"),
        ["evidence.csv: line 2: field quote", "NUL"],
    ),
    (
        "verified-without-snapshot",
        _made_up_quote,
        ["evidence.csv: line ", "field verified", "cannot be checked"],
    ),
    (
        "verified-made-up-quote",
        _invented_quote_marked_verified,
        ["evidence.csv: line ", "field verified", "not in the snapshot"],
    ),
    (
        "value-no-quote-states",  # the seed's curation rules hold for a package too
        set_cell("records.csv", "value", "685.0", id="mediazona-2024-03-sentences-337"),
        [
            "records.csv: line ",
            "record mediazona-2024-03-sentences-337: field value: 685 is not stated",
        ],
    ),
    (
        "revision-claims-verified",
        _revision_says_verified,
        ["revisions.csv: line ", "field snapshot", "verified"],
    ),
    (
        "maybe-boolean",
        set_cell("records.csv", "uncertain", "maybe", id="dagens-2024-sentences-per-month"),
        ["records.csv: line ", "field uncertain", "'maybe' is not true or false"],
    ),
    (
        "symlinked-csv",
        _symlink,
        ["records.csv: a symlink"],
    ),
    (
        "symlinked-descriptor",
        _symlinked_descriptor,
        ["datapackage.json: a symlink"],
    ),
    (
        "path-escapes-folder",
        _descriptor(_path_escape),
        ["datapackage.json: field resources.5.path", "leaves the package folder"],
    ),
    ("oversized-field", _oversized_field, ["evidence.csv: line 2: not valid CSV", "field"]),
    ("unbalanced-quote", _unbalanced_quote, ["regions.csv: line ", "not valid CSV"]),
    ("short-row", _short_row, ["regions.csv: line ", "2 cells, expected 5"]),
    ("missing-column", _drop_column, ["records.csv: line 1: the header", "missing: statement"]),
    (
        "non-integer",
        set_cell("evidence.csv", "position", "first", id="1"),
        ["evidence.csv: line 2: field position", "not an integer"],
    ),
    (
        "integer-out-of-range",
        set_cell("evidence.csv", "position", "99999999999", id="1"),
        ["evidence.csv: line 2: field position", "not an integer in range"],
    ),
    (
        "non-finite-number",
        set_cell("records.csv", "value", "nan", id="dagens-2024-sentences-per-month"),
        ["records.csv: line ", "field value", "not a finite number"],
    ),
    ("duplicate-id", _duplicate_row, ["records.csv: line ", "field id", "must be unique"]),
    (
        "foreign-key",
        set_cell("evidence.csv", "article_id", "no-such-article", id="1"),
        ["evidence.csv: line 2: field article_id", "no such articles row"],
    ),
    (
        "unknown-region",
        set_cell("records.csv", "region_code", "RU-XX", id="dagens-2024-sentences-per-month"),
        ["records.csv: line ", "field region_code", "no such regions row"],
    ),
    (
        "bad-snapshot-json",
        set_cell("revisions.csv", "snapshot", "{not json", id="1"),
        ["revisions.csv: line 2: field snapshot", "not JSON"],
    ),
    ("deep-json", _deep_json, ["revisions.csv: line 2: field snapshot", "nested"]),
    (
        "naive-datetime",
        set_cell(
            "records.csv", "created_at", "2024-10-02T00:00:00", id="dagens-2024-sentences-per-month"
        ),
        ["records.csv: line ", "field created_at", "no timezone offset"],
    ),
    (
        "resources-not-a-list",
        _descriptor(lambda d: d | {"resources": {"records": "records.csv"}}),
        ["datapackage.json: field resources: not a list"],
    ),
    ("descriptor-not-json", _deep_descriptor, ["datapackage.json: not JSON"]),
    ("invalid-utf8", _bad_utf8, ["records.csv: line ", "not UTF-8"]),
    (
        "too-long-for-column",
        set_cell("records.csv", "unit", "u" * 81, id="dagens-2024-sentences-per-month"),
        ["records.csv: line ", "field unit", "over the column's 80"],
    ),
    (
        "unknown-rank",
        set_cell("records.csv", "rank", "best", id="dagens-2024-sentences-per-month"),
        ["records.csv: line ", "field rank"],
    ),
    (
        "period-reversed",
        set_cell(
            "sentence_stats.csv", "period_end", "2020-01-01", id="dagens-2024-sentences-per-month"
        ),
        ["sentence_stats.csv: line ", "field period_start", "end is before its start"],
    ),
    (
        "slug-person",
        set_cell("claims.csv", "speaker_id", "Not A Slug", speaker_id="grigory-sverdlin"),
        ["claims.csv: line ", "field speaker_id"],
    ),
    ("missing-file", _missing_file, ["claims.csv: missing"]),
    ("over-the-size-limit", _too_big, ["over the limit of"]),
]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory, seeded_template: str) -> Path:
    """One valid package, exported from the seeded database, copied by each case."""
    folder = tmp_path_factory.mktemp("package") / "pkg"
    engine = make_engine(seeded_template)
    try:
        with engine.connect() as connection:
            package.export_dir(Session(connection), folder)
    finally:
        engine.dispose()
    return folder


@pytest.fixture
def target(empty_db: str, session_for: Callable[[str], Any]) -> str:
    """An empty database holding one region, which a half-done import would have deleted."""
    session = session_for(empty_db)
    session.add(
        Region(
            code="RU-BU",
            name="Buryatia",
            name_iso="Buryatiya, Respublika",
            name_ru="Бурятия",
            type="republic",
        )
    )
    session.commit()
    return empty_db


@pytest.mark.parametrize(("breaks", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_hostile_package_is_refused_in_one_line_and_nothing_is_written(
    breaks: Callable[[Path], None],
    expected: list[str],
    exported: Path,
    target: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "pkg"
    shutil.copytree(exported, folder)
    if breaks is _too_big:
        monkeypatch.setattr(package, "MAX_PACKAGE_BYTES", 2 * 1024 * 1024)
    breaks(folder)
    before = fingerprint(target)
    code, output = run_cli(["import", str(folder)], target, monkeypatch, capsys)
    assert code == 1
    assert output.count("\n") == 1, output
    assert output.startswith("import refused, nothing was written: ")
    assert "Traceback" not in output
    for part in expected:
        assert part in output
    assert fingerprint(target) == before


def test_the_unbroken_package_imports(
    exported: Path,
    target: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The corpus's starting point is valid, so each refusal above is due to its one change."""
    shutil.copytree(exported, tmp_path / "pkg")
    before = fingerprint(target)
    code, output = run_cli(["import", str(tmp_path / "pkg")], target, monkeypatch, capsys)
    assert (code, output.startswith("imported ")) == (0, True), output
    assert fingerprint(target) != before


def schema(url: str) -> dict[str, Any]:
    """Every table's indexes and foreign keys, as the database reports them."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            found = inspect(connection)
            return {
                table: (
                    sorted(found.get_indexes(table), key=repr),
                    sorted(found.get_foreign_keys(table), key=repr),
                )
                for table in found.get_table_names()
            }
    finally:
        engine.dispose()


def test_the_indexes_and_keys_dropped_during_an_import_come_back_whatever_its_outcome(
    exported: Path,
    target: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Import drops secondary indexes (and on PostgreSQL foreign keys) while it loads; they are
    built again in the same transaction, or restored by its rollback."""
    before = schema(target)
    assert any(keys for _, keys in before.values())
    refused = tmp_path / "refused"
    shutil.copytree(exported, refused)
    _invented_quote_marked_verified(refused)  # refused by the checks after the load
    assert run_cli(["import", str(refused)], target, monkeypatch, capsys)[0] == 1
    assert schema(target) == before
    shutil.copytree(exported, tmp_path / "pkg")
    assert run_cli(["import", str(tmp_path / "pkg")], target, monkeypatch, capsys)[0] == 0
    assert schema(target) == before


def test_a_reference_the_key_check_lets_through_is_refused_by_the_database(
    exported: Path,
    target: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The streaming key check compares hashes; a collision could let a reference to no row
    through, and then the database's own foreign key refuses it (checked as the row is written
    on SQLite, all at once when the key is added back on PostgreSQL)."""
    monkeypatch.setattr(keys, "_holds", lambda known, value: True)
    folder = tmp_path / "pkg"
    shutil.copytree(exported, folder)
    set_cell("evidence.csv", "record_id", "no-such-record", position="0")(folder)
    before = fingerprint(target)
    code, output = run_cli(["import", str(folder)], target, monkeypatch, capsys)
    assert code == 1
    assert output.startswith("import refused, nothing was written: the database refused")
    assert output.count("\n") == 1, output
    assert fingerprint(target) == before
