"""Bulk export and import as a Frictionless data package: ``datapackage.json`` (field
descriptions, units, licence, citation, sha256 of every file) and one CSV per table.

Every table is exported as stored (ids, timestamps and the revision log included), so importing
the package into an empty database reproduces every API response exactly. The search index and
the facet counts (``app.rollup``) are rebuilt on import rather than exported. Text cells are
escaped against spreadsheet formulas (``app.csv_safety``) and restored on import.

Import treats the package as hostile (see ``app.loader.rows``): plain files only (no symlinks,
no path outside the folder), bounded sizes, every row checked as it is written and the whole
set before the transaction commits (nothing is written unless all of it is), and the first
problem reported on one line.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import tempfile
import zipfile
from array import array
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    Table,
    func,
    select,
    text,
    tuple_,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app import rollup, search
from app.config import get_settings
from app.console import progress
from app.csv_safety import neutralise
from app.db import Base
from app.loader.bulk import fewer_collections, indexes_deferred, insert_rows
from app.loader.copies import Copies
from app.loader.keys import Keys
from app.loader.reading import one_line, snapshot_texts
from app.loader.rows import (
    PackageError,
    Row,
    check_article,
    check_citation,
    check_organisation,
    check_person,
    check_record_row,
    check_relation,
    check_revision,
    iter_rows,
)
from app.loader.stored_checks import Kept, StoredChecks
from app.models import Article, Record, Revision, package_columns
from app.schemas.inputs import ArticleIn
from app.spool import HashingWriter
from app.vocab import RecordRelationKind

__all__ = ["PackageError", "export_dir", "export_zip", "import_dir"]

# In dependency order: a table comes after every table it points to.
TABLES = (
    "regions",
    "organisations",
    "people",
    "articles",
    "article_citations",
    "records",
    "sentence_stats",
    "risk_figures",
    "claims",
    "evidence",
    "record_relations",
    "revisions",
)
SEQUENCED = ("article_citations", "evidence", "record_relations", "revisions")
BATCH = 1000
MAX_DESCRIPTOR_BYTES = 1024 * 1024
# All CSV files together. Files are streamed into the database and checked there, so memory
# does not grow with the package; the 1M-sentence benchmark package is ~2.4 GB.
MAX_PACKAGE_BYTES = 8 * 1024 * 1024 * 1024
MAINTENANCE_WORK_MEM = "512MB"  # PostgreSQL, during an import (see _tune)
LICENSE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0 (the compilation)",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}
TABLE_DOCS = {
    "regions": "Russia's federal subjects (ISO 3166-2:RU), names from pycountry and iso3166-2.",
    "organisations": "Organisations named by claims; aliases are other names of the same one.",
    "people": "People quoted as speakers of claims.",
    "articles": "Articles the figures come from; a stub is known only by name (no URL).",
    "article_citations": "Article cites (or relays, 'via') another: the chain behind a figure.",
    "records": "Every figure or claim: the fields all record families share.",
    "sentence_stats": "Court statistics (cases, sentences, convictions) by period.",
    "risk_figures": "Regional risk multipliers and regional rates.",
    "claims": "Sourced statements: statistics, quotations, events, assessments.",
    "evidence": "The verbatim quote in an article that supports a record.",
    "record_relations": "Record corroborates / contradicts / is derived from / relays / is a "
    "translation of another record.",
    "revisions": "Append-only log of every change to an article or record.",
}
FIELD_DOCS = {
    "value": "The figure, in the unit given by `unit` (empty for a range or a non-numeric claim).",
    "value_low": "Lower bound of a range, in the unit given by `unit`.",
    "value_high": "Upper bound of a range, in the unit given by `unit`.",
    "value_qualifier": "exact, approximate ('around'), at_least, more_than, less_than or range.",
    "unit": "Unit of value / value_low / value_high, e.g. sentences, percent, times.",
    "rank": "preferred, normal or deprecated (Wikidata-style), with rank_reason.",
    "uncertain": "True when the research notes flag the figure as uncertain.",
    "derived": "True when no article states the value; derivation says how it was computed.",
    "period_start": "First day of the first month the figure covers.",
    "period_end": "First day of the last month the figure covers.",
    "period_start_assumed": "True when the source does not state the first month (assumed).",
    "period_end_assumed": "True when the source does not state the last month (assumed).",
    "measure": "What a court statistic counts (cases_received, sentences, ...).",
    "rate_basis": "per_month, per_week, per_working_day, per_day, or total over the period.",
    "criminal_code_articles": "Comma-separated Criminal Code articles (337, 338, 332).",
    "quote": "Verbatim text of the article, in its original language.",
    "quote_en": "English gloss of a quote that is not in English.",
    "verified": "True when the quote was checked against a stored snapshot of the article.",
    "published_at": "Publication time (UTC), as precise as published_precision says.",
    "published_precision": "minute, day, month or year: how much of published_at is known.",
    "region_code": "ISO 3166-2 code of the region; empty for national figures.",
    "reference_region_code": "ISO 3166-2 code of the region a multiplier compares against.",
    "metric": "What a risk or claim measures, e.g. war_death_rate, war_deaths_per_10000_men.",
    "content_hash": "sha256 of the entity as loaded; changes exactly when the entity does.",
    "snapshot": "The entity as loaded at this revision (JSON); empty for a removal.",
    "created_at": "When the row was first loaded (UTC).",
    "updated_at": "When the row last changed (UTC).",
}


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _frictionless_type(column: Column[Any]) -> str:
    kind = column.type
    if isinstance(kind, Boolean):
        return "boolean"
    if isinstance(kind, Integer):
        return "integer"
    if isinstance(kind, Float):
        return "number"
    if isinstance(getattr(kind, "impl", kind), DateTime):  # UTCDateTime decorates DateTime
        return "datetime"
    if isinstance(kind, Date):
        return "date"
    if isinstance(kind, JSON):
        return "object" if column.name == "snapshot" else "array"
    return "string"


def _to_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def text_columns(table: Table) -> list[bool]:
    """For each column of ``table``, whether its cells are text (escaped against formulas)."""
    return [_frictionless_type(column) == "string" for column in package_columns(table)]


def csv_cells(values: Sequence[Any], texts: Sequence[bool]) -> list[str]:
    """One stored row as CSV cells: the one rendering export and generated packages share."""
    return [
        neutralise(_to_text(value)) if is_text else _to_text(value)
        for value, is_text in zip(values, texts, strict=True)
    ]


def _count(session: Session, table: Table) -> int:
    return session.scalar(select(func.count()).select_from(table)) or 0


def _write_csv(
    session: Session, table: Table, path: Path, advance: Callable[[int], None] = lambda _: None
) -> None:
    """Stream ``table`` into ``path`` in primary-key order, a batch of rows at a time.

    Each batch is a statement of its own (keyset on the primary key), not one long cursor, so
    the server's statement timeout bounds every statement of an export of any size, and each
    batch counts as progress for the request guard."""
    order = list(table.primary_key.columns)
    batch = select(*package_columns(table)).order_by(*order).limit(BATCH)
    texts = text_columns(table)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow([column.name for column in package_columns(table)])
        rows = session.execute(batch).all()
        while rows:
            for row in rows:
                writer.writerow(csv_cells(row, texts))
            advance(len(rows))
            if len(rows) < BATCH:
                break
            last = rows[-1]._mapping
            after = tuple_(*order) > tuple_(*(last[column.name] for column in order))
            rows = session.execute(batch.where(after)).all()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def _schema(table: Table) -> dict[str, Any]:
    fields = []
    for column in package_columns(table):
        field: dict[str, Any] = {
            "name": column.name,
            "type": _frictionless_type(column),
            "description": FIELD_DOCS.get(column.name, f"{column.name} of {table.name}."),
        }
        if not column.nullable:
            field["constraints"] = {"required": True}
        if column.name in ("value", "value_low", "value_high"):
            field["unit"] = "see the unit field of the same row"
        fields.append(field)
    schema: dict[str, Any] = {
        "fields": fields,
        "primaryKey": [c.name for c in table.primary_key.columns],
        "missingValues": [""],
    }
    foreign = [
        {
            "fields": [fk.parent.name],
            "reference": {"resource": fk.column.table.name, "fields": [fk.column.name]},
        }
        for fk in table.foreign_keys
    ]
    if foreign:
        schema["foreignKeys"] = sorted(foreign, key=lambda f: f["fields"][0])
    return schema


def export_dir(session: Session, folder: Path, quiet: bool = True) -> list[Path]:
    """Write the package into ``folder``: one CSV per table, then datapackage.json. Rows are
    streamed to disk, so memory does not grow with the data; the same data gives the same
    bytes. Progress is drawn on a terminal unless ``quiet`` (the HTTP export is)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    total = 0 if quiet else sum(_count(session, _table(name)) for name in TABLES)
    with progress("exporting", total, quiet) as advance:
        for name in TABLES:
            path = folder / f"{name}.csv"
            _write_csv(session, _table(name), path, advance)
            written.append(path)
    last = session.scalar(select(func.max(Revision.created_at)))
    revision = session.scalar(select(func.max(Revision.id))) or 0
    return [*written, write_descriptor(folder, revision, last)]


def write_descriptor(
    folder: Path, revision: int, created: datetime | None, about: dict[str, str] | None = None
) -> Path:
    """datapackage.json for the table CSVs already written in ``folder`` (sizes and sha256 read
    from the files), as of revision ``revision``; ``about`` replaces the name, title or
    description (a generated package says it is one)."""
    resources = []
    for name in TABLES:
        table = _table(name)
        path = folder / f"{name}.csv"
        resources.append(
            {
                "name": name.replace("_", "-"),
                "path": path.name,
                "title": name,
                "description": TABLE_DOCS[name],
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": path.stat().st_size,
                "hash": _sha256(path),
                "schema": _schema(table),
            }
        )
    descriptor = {
        "name": "desertion-api",
        "title": "Desertion from the Russian army: figures with their sources",
        "description": "Court statistics, regional risks and sourced claims about desertion "
        "from the Russian army, each with the article and verbatim quote that states it. "
        "Quotes remain the work of their publishers and are reproduced to cite them. "
        "Text cells beginning with =, +, -, @, a tab, a carriage return or ' carry one extra "
        "leading ' (the OWASP CSV-injection escape, so that spreadsheets show them as text); "
        "remove exactly one leading ' from such a text cell to get the stored value.",
        "version": str(revision),
        "created": created.isoformat() if created else None,
        "licenses": [LICENSE],
        "citation": f"desertion-api data package, revision {revision}: figures about desertion "
        "from the Russian army, each traced to the article that states it.",
        "profile": "tabular-data-package",
        "resources": resources,
    } | (about or {})
    descriptor_path = folder / "datapackage.json"
    descriptor_path.write_text(
        json.dumps(descriptor, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return descriptor_path


def export_zip(session: Session) -> HashingWriter:
    """The package zipped into a spooled temporary file (deterministic: fixed timestamps, sorted
    names), hashed for the ETag, ready to stream."""
    archive_file = HashingWriter()
    with tempfile.TemporaryDirectory() as folder:
        paths = sorted(export_dir(session, Path(folder)), key=lambda p: p.name)
        with zipfile.ZipFile(archive_file.file, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in paths:
                info = zipfile.ZipInfo(
                    f"desertion-api/{path.name}", date_time=(1980, 1, 1, 0, 0, 0)
                )
                info.compress_type = zipfile.ZIP_DEFLATED
                with path.open("rb") as source, archive.open(info, "w") as target:
                    shutil.copyfileobj(source, target, 1024 * 1024)
    archive_file.rehash()
    return archive_file


def _plain_file(folder: Path, name: str) -> Path:
    """``folder / name`` if it is a regular file of the package itself (not a symlink)."""
    path = folder / name
    if path.is_symlink():
        raise PackageError(f"{name}: a symlink; a package holds plain files only")
    if not path.is_file():
        raise PackageError(f"{name}: missing or not a regular file")
    return path


def _resources(folder: Path) -> dict[str, dict[str, Any]]:
    """The descriptor's resource for each table, by table name."""
    path = _plain_file(folder, "datapackage.json")
    if path.stat().st_size > MAX_DESCRIPTOR_BYTES:
        raise PackageError(f"datapackage.json: over the limit of {MAX_DESCRIPTOR_BYTES} bytes")
    try:
        descriptor = json.loads(path.read_bytes().decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise PackageError(f"datapackage.json: not JSON ({one_line(exc)[:120]})") from None
    listed = descriptor.get("resources") if isinstance(descriptor, dict) else None
    if not isinstance(listed, list):
        raise PackageError("datapackage.json: field resources: not a list")
    expected = {f"{name}.csv": name for name in TABLES}
    resources: dict[str, dict[str, Any]] = {}
    for number, resource in enumerate(listed):
        where = f"datapackage.json: field resources.{number}"
        given = resource.get("path") if isinstance(resource, dict) else None
        if not isinstance(given, str) or not isinstance(resource.get("hash"), str):
            raise PackageError(f"{where}: needs a path and a hash (strings)")
        if Path(given).name != given or given in ("", ".", ".."):
            raise PackageError(f"{where}.path: {given[:80]!r} leaves the package folder")
        if given not in expected or expected[given] in resources:
            raise PackageError(f"{where}.path: {given[:80]!r} is not a table, or listed twice")
        resources[expected[given]] = resource
    missing = [name for name in TABLES if name not in resources]
    if missing:
        raise PackageError(f"datapackage.json lacks resources: {', '.join(missing)}")
    return resources


def _rest(handle: BinaryIO, digest: Any) -> Any:
    """``digest`` after the bytes of ``handle`` not read yet."""
    while chunk := handle.read(1024 * 1024):
        digest.update(chunk)
    return digest


def _check_digest(path: Path, digest: Any, expected: str) -> None:
    if "sha256:" + digest.hexdigest() != expected:
        raise PackageError(f"{path.name}: checksum does not match datapackage.json")


def import_dir(
    session: Session, folder: Path, snapshots: Path | None = None, quiet: bool = True
) -> dict[str, int]:
    """Load a package into an empty database; returns row counts.

    Each table is streamed from its file into the database (typed, checked row by row, its
    keys and references checked as it goes), then what needs several tables at once is checked
    on the stored rows (``app.loader.stored_checks``), quotes marked verified again against the
    article snapshots under ``snapshots`` (the seed folder by default). Memory does not grow
    with the package. On any problem PackageError is raised and the caller's transaction rolls
    back, so nothing is written. Progress is drawn on a terminal unless ``quiet``.
    """
    resources = _resources(folder)
    paths = {name: _plain_file(folder, resources[name]["path"]) for name in TABLES}
    total = sum(path.stat().st_size for path in paths.values())
    if total > MAX_PACKAGE_BYTES:
        raise PackageError(f"{folder}: {total} bytes of CSV, over the limit of {MAX_PACKAGE_BYTES}")
    if session.scalar(select(func.count()).select_from(Record)) or session.scalar(
        select(func.count()).select_from(Article)
    ):
        raise PackageError("the database already holds data; import needs an empty database")
    texts = snapshot_texts(snapshots or get_settings().seed_dir)
    try:
        with progress("importing", None, quiet) as advance, fewer_collections():
            return _load(session, paths, resources, texts, advance)
    except DBAPIError as exc:
        raise PackageError(
            f"the database refused the package: {one_line(exc.orig)[:200]}"
        ) from None


def _rescan(path: Path, name: str) -> Iterator[Row]:
    """The rows of a file read again (to find a line for a message)."""
    with path.open("rb") as handle:
        yield from iter_rows(path.name, handle, _table(name), hashlib.sha256(), lambda _: None)


def _load(
    session: Session,
    paths: dict[str, Path],
    resources: dict[str, dict[str, Any]],
    snapshots: dict[str, str],
    on_rows: Callable[[int], None],
) -> dict[str, int]:
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        _tune(session)
    for name in reversed(TABLES):  # regions (and people) may have been loaded already
        session.execute(_table(name).delete())
    counts: dict[str, int] = {}
    kept = Kept()
    targets: dict[tuple[str, str], array[int]] = {}
    copies = Copies(_table(name) for name in TABLES)
    with indexes_deferred(session, TABLES):
        for name in TABLES:
            counts[name] = _stream(
                session, paths[name], name, resources[name]["hash"], targets, kept, copies, on_rows
            )
        copies.fill_rest(session, Base.metadata.tables)
    if postgres:
        for name in SEQUENCED:
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"COALESCE((SELECT max(id) FROM {name}), 0) + 1, false)"
                )
            )
    if postgres:
        # Fresh tables have no statistics until autovacuum gets to them (never, where it is
        # off): the planner then guesses hundreds of rows per id, and scans whole tables for
        # the checks' batches (their server time grew 4x from 100k to 200k sentences) and later
        # for a page's sources (the deep cursor page at 100k sentences). pg_restore's advice;
        # the search documents are analysed once built.
        session.execute(text("ANALYZE " + ", ".join(TABLES)))
    metadata = {name: _table(name) for name in TABLES}

    def rescan(name: str) -> Iterator[Row]:
        return _rescan(paths[name], name)

    StoredChecks(session, metadata, rescan, kept, snapshots).run()
    # The index is built by reading the tables back, so after their indexes are.
    with indexes_deferred(session, ["search_documents"]):
        search.index_everything(session)
        session.flush()
    rollup.rebuild(session)  # derived like the search index: counted, never in the package
    if postgres:
        session.execute(text("ANALYZE search_documents, facet_counts"))
    return counts


def _tune(session: Session) -> None:
    """Memory for the index builds, for this transaction only (``SET LOCAL``): pg_restore's
    advice for a bulk load, since a GIN build flushes what it has gathered each time it fills
    ``maintenance_work_mem`` (64 MB by default). No difference at 100k sentences (110k
    documents fit either way); meant for a million."""
    session.execute(text(f"SET LOCAL maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'"))


def _keep(name: str, row: Row, kept: Kept) -> None:
    """Check a row on its own, and keep what the whole-package checks need of small tables."""
    if name == "organisations":
        check_organisation(row)
    elif name == "people":
        check_person(row)
    elif name == "articles":
        model = check_article(row)
        kept.articles[row.values["id"]] = row.values
        if isinstance(model, ArticleIn):
            kept.models[model.id] = model
    elif name == "article_citations":
        check_citation(row)
    elif name == "record_relations":
        relation = check_relation(row)
        if relation.relation is RecordRelationKind.derived_from:
            kept.sources[relation.from_].append(relation.to)
        kept.relations.append(relation)
    elif name == "records":
        check_record_row(row)
    elif name == "revisions":
        check_revision(row)


def _stream(
    session: Session,
    path: Path,
    name: str,
    expected: str,
    targets: dict[tuple[str, str], array[int]],
    kept: Kept,
    copies: Copies,
    on_rows: Callable[[int], None],
) -> int:
    """Type, check and write one table's file; its checksum is of the bytes parsed. A file
    whose checksum differs is reported as such even when it also fails to parse."""
    keys = Keys(_table(name), targets)

    def rows(handle: BinaryIO, digest: Any) -> Iterator[dict[str, Any]]:
        for row in iter_rows(path.name, handle, _table(name), digest, on_rows):
            keys.check(row)
            _keep(name, row, kept)
            copies.note(name, row.values)
            yield row.values

    digest = hashlib.sha256()
    refused: Any = session.get_bind().dialect.dbapi.Error  # type: ignore[union-attr]
    with path.open("rb") as handle:
        try:
            try:
                count = insert_rows(session, _table(name), rows(handle, digest))
            except refused as exc:
                # The database's own keys stop a duplicate before the whole file is read:
                # read it again to name the rows, as for any other refusal.
                again = Keys(_table(name), targets)
                for row in _rescan(path, name):
                    again.check(row)
                again.finish(lambda: _rescan(path, name))
                raise PackageError(
                    f"the database refused the package: {one_line(exc)[:200]}"
                ) from None
            keys.finish(lambda: _rescan(path, name))
            copies.seal(name)
        except PackageError:
            handle.seek(0)  # the parser may have stopped anywhere: hash the file again
            _check_digest(path, _rest(handle, hashlib.sha256()), expected)
            raise
        _check_digest(path, _rest(handle, digest), expected)
    return count
