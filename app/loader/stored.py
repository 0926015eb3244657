"""What a seed entry is stored as: its snapshot (kept in the revision log and hashed, so a load
can tell whether the entry changed) and the columns of its row."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from app.families import FAMILIES
from app.loader.reading import PlannedRecord, SeedSet, canonical_json, dump_model
from app.models import Record
from app.schemas.inputs import ArticleIn, CitationIn

RECORD_CLASSES: dict[str, type[Record]] = {kind: family.orm for kind, family in FAMILIES.items()}

Stored = tuple[dict[str, Any], dict[str, Any]]  # (snapshot, columns)


def _published_at(value: datetime | date | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value, time(), tzinfo=UTC)


def article_snapshot(seed: SeedSet, article_id: str) -> dict[str, Any] | None:
    """The snapshot of an article or stub of the seed; None if the seed no longer has it."""
    if article_id in seed.articles:
        return dump_model(seed.articles[article_id])
    if article_id in seed.stubs:
        return _stub_snapshot(seed.stubs[article_id])
    return None


def _stub_snapshot(stub: CitationIn) -> dict[str, Any]:
    return dump_model(stub) | {"stub": True}


def record_snapshot(planned: PlannedRecord) -> dict[str, Any]:
    snapshot = dump_model(planned.model)
    snapshot["kind"] = planned.kind
    snapshot["article"] = planned.article_id
    snapshot["verified"] = planned.verified  # so adding or dropping a snapshot re-writes evidence
    snapshot["relations"] = sorted((dump_model(r) for r in planned.relations), key=canonical_json)
    return snapshot


def stored_articles(seed: SeedSet) -> dict[str, Stored]:
    """Every article and stub of the seed, by id."""
    stored = {a.id: (dump_model(a), _article_columns(a)) for a in seed.articles.values()}
    for stub in seed.stubs.values():
        stored[stub.article] = (_stub_snapshot(stub), _stub_columns(stub))
    return stored


def _article_columns(article: ArticleIn) -> dict[str, Any]:
    return {
        "url": str(article.url),
        "title": article.title,
        "description": article.description,
        "publisher": article.publisher,
        "authors": article.authors,
        "published_at": _published_at(article.published),
        "published_precision": (
            article.published_precision.value if article.published_precision else None
        ),
        "published_approximate": article.published_approximate,
        "language": article.language,
        "retrieved_at": article.retrieved_at,
        "archive_url": str(article.archive_url) if article.archive_url else None,
        "snapshot_sha256": article.snapshot.sha256 if article.snapshot else None,
        "is_stub": False,
        "notes": article.notes,
    }


def _stub_columns(stub: CitationIn) -> dict[str, Any]:
    return {
        "url": str(stub.url) if stub.url else None,
        "title": stub.title,
        "description": stub.description,
        "publisher": stub.publisher,
        "authors": [],
        "published_at": _published_at(stub.published),
        "published_precision": stub.published_precision.value if stub.published_precision else None,
        "published_approximate": False,
        "language": None,
        "retrieved_at": None,
        "archive_url": None,
        "snapshot_sha256": None,
        "is_stub": True,
        "notes": stub.note,
    }


def record_columns(planned: PlannedRecord) -> dict[str, Any]:
    model = planned.model
    columns: dict[str, Any] = {
        "statement": model.statement,
        "value": model.value,
        "value_low": model.value_low,
        "value_high": model.value_high,
        "value_qualifier": model.value_qualifier.value if model.value_qualifier else None,
        "unit": model.unit,
        "region_code": model.region,
        "rank": model.rank.value,
        "rank_reason": model.rank_reason,
        "uncertain": model.uncertain,
        "uncertainty_note": model.uncertainty_note,
        "derived": model.derived is not None,
        "derivation": model.derived.rule if model.derived else None,
    }
    return columns | FAMILIES[planned.kind].stored(model)
