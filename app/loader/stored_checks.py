"""The checks of a data package that need several of its tables at once (each record with its
family row, quotes and derivation; the curation rules; the revision log against the rows),
run on the rows already written, in the import's transaction, before it commits.

Holding the whole package in memory for these checks took 7 GB for a million sentences. Read
back from the database a batch of records at a time (with their family rows, evidence and
revisions through indexes, never more than ``BATCH`` ids a statement), memory stays flat
whatever the size of the package. Only the records that relations join are kept, for the rule
that compares the two ends of a relation.

A row read back does not know its line in the file; the file is read again to find it when,
and only when, a problem is reported (``Located``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Result, Table, select
from sqlalchemy.orm import Session

from app.loader.curation import RULES, relations_compare_like
from app.loader.reading import PlannedRecord, content_hash
from app.loader.rows import FAMILY_TABLES, PackageError, Row, check_record
from app.models import package_columns
from app.schemas.inputs import ArticleIn, RelationIn

BATCH = 2_000  # records a round: ids per IN list well under every engine's parameter limit
PER_RECORD_RULES = [rule for name, rule in RULES.items() if name != "relations"]


@dataclass
class Located(Row):
    """A row read back from the database; its line is looked up in the file for a message."""

    find: Callable[[], int] | None = None

    def error(self, field: str, reason: str) -> PackageError:
        if self.find is not None:
            self.line, self.find = self.find(), None
        return super().error(field, reason)


@dataclass
class Kept:
    """What the streaming pass keeps of the package's small tables for these checks."""

    articles: dict[str, dict[str, Any]] = field(default_factory=dict)  # rows by id
    models: dict[str, ArticleIn] = field(default_factory=dict)  # non-stub articles by id
    relations: list[RelationIn] = field(default_factory=list)
    sources: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


Rescan = Callable[[str], Iterator[Row]]  # a table's rows again, from its file


def _dicts(result: Result[Any]) -> list[dict[str, Any]]:
    """Each row as a dict by column (the names read once, not per row)."""
    names = list(result.keys())
    return [dict(zip(names, row, strict=True)) for row in result]


class StoredChecks:
    """The checks, over the tables of ``metadata`` as stored through ``session``."""

    def __init__(
        self,
        session: Session,
        metadata: dict[str, Table],
        rescan: Rescan,
        kept: Kept,
        snapshots: dict[str, str],
    ) -> None:
        self.session, self.metadata, self.rescan = session, metadata, rescan
        self.kept, self.snapshots = kept, snapshots

    def run(self) -> None:
        """Raise PackageError at the first problem."""
        related = {r.from_ for r in self.kept.relations} | {r.to for r in self.kept.relations}
        planned: dict[str, PlannedRecord] = {}
        for batch in self._record_batches():
            for record_id, plan in self._check_batch(batch):
                if record_id in related:
                    planned[record_id] = plan
        self._check_articles_logged()
        for relation in self.kept.relations:
            planned[relation.from_].relations.append(relation)
        problems = relations_compare_like(self.kept.models, planned)
        if problems:
            wrong = next(
                p.model.id
                for p in planned.values()
                if problems[0].startswith(f"{p.file}: relation {p.model.id} ")
            )
            raise PackageError(problems[0].replace("records.csv", self._where(wrong), 1))

    def _where(self, record_id: str) -> str:
        return f"records.csv: line {self._line('records', 'id', record_id)}"

    def _line(self, name: str, column: str, value: Any) -> int:
        for row in self.rescan(name):
            if row.values[column] == value:
                return row.line
        return 0

    def _stored(self, name: str, values: dict[str, Any], key: str = "id") -> Located:
        def find() -> int:
            return self._line(name, key, values[key])

        return Located(f"{name}.csv", 0, values, find)

    def _rows(self, name: str, where: ColumnElement[bool], *order: Any) -> list[dict[str, Any]]:
        # The package's columns only: a copy of another table's column (the family's region)
        # is filled by the import, not read from the package, and no input model names it.
        columns = package_columns(self.metadata[name])
        return _dicts(self.session.execute(select(*columns).where(where).order_by(*order)))

    def _record_batches(self) -> Iterator[list[dict[str, Any]]]:
        """The records in order of id, ``BATCH`` at a time (keyset: each batch a statement)."""
        records = self.metadata["records"]
        query = select(records).order_by(records.c.id).limit(BATCH)
        batch = _dicts(self.session.execute(query))
        while batch:
            yield batch
            if len(batch) < BATCH:
                return
            after = query.where(records.c.id > batch[-1]["id"])
            batch = _dicts(self.session.execute(after))

    def _check_batch(self, batch: list[dict[str, Any]]) -> Iterator[tuple[str, PlannedRecord]]:
        ids = [values["id"] for values in batch]
        families: dict[str, dict[str, Located]] = defaultdict(dict)
        for kind, name in FAMILY_TABLES.items():
            for values in self._rows(name, self.metadata[name].c.id.in_(ids)):
                families[values["id"]][kind] = self._stored(name, values)
        evidence = self.metadata["evidence"]
        quotes: dict[str, list[Row]] = defaultdict(list)
        for values in self._rows(
            "evidence",
            evidence.c.record_id.in_(ids),
            evidence.c.record_id,
            evidence.c.position,
            evidence.c.id,
        ):
            quotes[values["record_id"]].append(self._stored("evidence", values))
        latest = self._latest("record", ids)
        for values in batch:
            record = self._stored("records", values)
            record_id = values["id"]
            plan = check_record(
                record,
                families[record_id],
                quotes[record_id],
                self.kept.sources[record_id],
                self.kept.articles,
                self.snapshots,
            )
            self._check_rules(plan)
            self._check_logged(record, latest.get(record_id), plan.verified)
            yield record_id, plan

    def _check_rules(self, plan: PlannedRecord) -> None:
        """The curation rules that judge a record alone (the relations rule runs at the end)."""
        for rule in PER_RECORD_RULES:
            problems = rule(self.kept.models, {plan.model.id: plan})
            if problems:
                raise PackageError(problems[0].replace(plan.file, self._where(plan.model.id), 1))

    def _latest(self, entity: str, ids: Sequence[str]) -> dict[str, Located]:
        """The last revision of each of ``ids`` (by revision id)."""
        revisions = self.metadata["revisions"]
        where = (revisions.c.entity == entity) & revisions.c.entity_id.in_(ids)
        return {
            values["entity_id"]: self._stored("revisions", values)
            for values in self._rows("revisions", where, revisions.c.id)
        }

    def _check_logged(self, row: Row, revision: Located | None, verified: bool | None) -> None:
        """The last snapshot of each stored entity is the one its content_hash was made of."""
        if revision is None or revision.values["snapshot"] is None:
            raise row.error("id", "no revision holds this row's snapshot")
        if content_hash(revision.values["snapshot"]) != row.values["content_hash"]:
            raise row.error("content_hash", f"differs from revision {revision.values['id']}")
        shown = revision.values["snapshot"].get("verified")
        if verified is not None and shown is not verified:
            raise revision.error("snapshot", f"says verified is {shown}, which is not so")

    def _check_articles_logged(self) -> None:
        ids = sorted(self.kept.articles)
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            latest = self._latest("article", chunk)
            for article_id in chunk:
                row = self._stored("articles", self.kept.articles[article_id])
                self._check_logged(row, latest.get(article_id), None)
