"""Rows to JSON-ready dicts in the shapes of ``app.schemas.read`` (the lean serialization path:
no pydantic validation per item, orjson renders the result)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

import orjson
from fastapi import Response
from sqlalchemy import Row

from app.citations import citation_text, text_fragment_url
from app.vocab import RecordRelationKind, Unit, label, whole


def published_iso(value: datetime | None, precision: str | None) -> str | None:
    """An ISO 8601 string that claims no more precision than the source gives."""
    if value is None:
        return None
    value = value.astimezone(UTC)
    if precision == "minute":
        return value.strftime("%Y-%m-%dT%H:%MZ")
    if precision == "month":
        return value.strftime("%Y-%m")
    if precision == "year":
        return value.strftime("%Y")
    return value.strftime("%Y-%m-%d")


# Months repeat on every page (a few hundred distinct ones in any dataset): format each once.
_MONTHS: dict[date, str] = {}


def month(value: date | None) -> str | None:
    if value is None:
        return None
    text = _MONTHS.get(value)
    if text is None:
        if len(_MONTHS) >= 4096:  # bounded whatever dates the data holds
            _MONTHS.clear()
        text = _MONTHS[value] = value.strftime("%Y-%m")
    return text


# English month names, not the process locale's (strftime's %b would follow it).
MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)
DASH = "\u2013"  # en dash, as in "Jan–Jul 2024"


@lru_cache(maxsize=4096)  # a few hundred distinct periods in any dataset; each said once
def period_label(
    start: date | None,
    end: date | None = None,
    precision: str | None = None,
    start_assumed: bool = False,
    end_assumed: bool = False,
) -> str | None:
    """A period in words, as short as its months allow: "March 2024" (one month), "2024" (a
    whole year), "Jan–Jul 2024" (within a year), "2022–2023" (whole years), "Sep 2022 – May
    2025". ``end`` defaults to ``start`` (a single month such as a risk's as_of); ``precision``
    "year" means the source gives only the year. A month the source does not state is said
    so in the label itself ("Feb–Jun 2022 (start assumed)"), since a reader who copies
    the label alone must not take an assumed month for a stated one."""
    if start is None:
        return None
    words = _period_words(start, end or start, precision)
    assumed = [side for side, flag in (("start", start_assumed), ("end", end_assumed)) if flag]
    return f"{words} ({' and '.join(assumed)} assumed)" if assumed else words


def _period_words(start: date, end: date, precision: str | None) -> str:
    if precision == "year" or (start.month == 1 and end.month == 12):
        years = (start.year, end.year)
        return str(start.year) if years[0] == years[1] else f"{years[0]}{DASH}{years[1]}"
    if start == end:
        return f"{MONTHS[start.month - 1]} {start.year}"
    first, last = MONTHS[start.month - 1][:3], MONTHS[end.month - 1][:3]
    if start.year == end.year:
        return f"{first}{DASH}{last} {end.year}"
    return f"{first} {start.year} {DASH} {last} {end.year}"


def article_ref(row: Any, id_field: str = "id") -> dict[str, Any]:
    return {
        "id": getattr(row, id_field),
        "url": row.url,
        "title": row.title,
        "description": row.description,
        "publisher": row.publisher,
        "authors": list(row.authors or []),
        "published_at": published_iso(row.published_at, row.published_precision),
        "published_precision": row.published_precision,
        "published_approximate": row.published_approximate,
        "language": row.language,
    }


def source(row: Row[Any], article: dict[str, Any]) -> dict[str, Any]:
    """One piece of evidence (a row of ``queries.EVIDENCE``) quoting ``article`` (its reference)."""
    return {
        "article": article,
        "quote": row.quote,
        "quote_en": row.quote_en,
        "text_fragment_url": text_fragment_url(article["url"], row.quote),
        "prefix": row.prefix,
        "suffix": row.suffix,
        "verified": row.verified,
    }


def region_ref(row: Any, prefix: str) -> dict[str, Any] | None:
    code = getattr(row, f"{prefix}_code")
    if code is None:
        return None
    return {
        "code": code,
        "name": getattr(row, f"{prefix}_name"),
        "name_iso": getattr(row, f"{prefix}_name_iso"),
        "name_ru": getattr(row, f"{prefix}_name_ru"),
    }


@dataclass(frozen=True)
class RecordContext:
    """What a group of records needs besides its own rows, each loaded in one statement: their
    evidence and relations (rows carrying an ``article_id``), and every article those name, as
    (reference, citation) by id. Many records quote the same few articles: each reference and
    citation is built once, and shared."""

    sources: dict[str, list[Row[Any]]]
    relations: dict[str, list[Row[Any]]]
    # How many independent chains a set of article ids forms (``CitationGraph``; the graph is
    # loaded only when some record has two articles or more).
    chains: Callable[[set[str]], int]
    articles: dict[str, tuple[dict[str, Any], str]] = field(default_factory=dict)

    def article(self, row: Any) -> tuple[dict[str, Any], str]:
        """(article reference, citation) of a row carrying an article_id."""
        return self.articles[row.article_id]


def article_entry(row: Any) -> tuple[dict[str, Any], str]:
    """(reference, citation) of an article row (``queries.ARTICLE_REF_COLUMNS``)."""
    return article_ref(row, "article_id"), citation_text(row)


# Links shown as corroboration: the same figure from another article (independent or not).
CORROBORATING = frozenset(
    kind.value
    for kind in (
        RecordRelationKind.corroborates,
        RecordRelationKind.relays,
        RecordRelationKind.translation_of,
    )
)


def related(row: Row[Any], context: RecordContext) -> dict[str, Any]:
    """The far end of a relation: its id, value and first source."""
    article, citation = context.article(row)
    return {
        "id": row.other_id,
        "kind": row.other_kind,
        "value": whole(row.other_value, row.other_unit),
        "value_qualifier": row.other_value_qualifier,
        "rank": row.other_rank,
        "relation": row.relation,
        "outgoing": row.forward,
        "note": row.note,
        "article": article,
        "citation": citation,
    }


def record(row: Row[Any], context: RecordContext) -> dict[str, Any]:
    """What every record shows, whatever its family (the family adds its own fields)."""
    sources = context.sources.get(row.id, ())
    links = context.relations.get(row.id, ())
    articles = [context.article(s) for s in sources]
    chains = {s.article_id for s in sources}
    corroborated: list[dict[str, Any]] = []
    contradicted: list[dict[str, Any]] = []
    derived_from: list[dict[str, Any]] = []
    for link in links:  # most records have none
        relation = link.relation
        if relation in CORROBORATING:
            corroborated.append(related(link, context))
            # A relay or a translation repeats a count: it corroborates, but is no
            # independent source.
            if relation == "corroborates":
                chains.add(link.article_id)
        elif relation == "contradicts":
            contradicted.append(related(link, context))
        elif relation == "derived_from" and link.forward:
            derived_from.append(related(link, context))
    unit = row.unit
    region_code = row.region_code
    return {
        "id": row.id,
        "kind": row.kind,
        "statement": row.statement,
        "value": whole(row.value, unit),
        "value_low": whole(row.value_low, unit),
        "value_high": whole(row.value_high, unit),
        "value_qualifier": row.value_qualifier,
        "unit": unit,
        "unit_label": label(Unit, unit),
        "region": None
        if region_code is None
        else {
            "code": region_code,
            "name": row.region_name,
            "name_iso": row.region_name_iso,
            "name_ru": row.region_name_ru,
        },
        "rank": row.rank,
        "rank_reason": row.rank_reason,
        "uncertain": row.uncertain,
        "uncertainty_note": row.uncertainty_note,
        "derived": row.derived,
        "derivation": row.derivation,
        "sources": [
            source(s, reference) for s, (reference, _) in zip(sources, articles, strict=True)
        ],
        "citation": articles[0][1] if articles else "",
        "corroborated_by": corroborated,
        "contradicted_by": contradicted,
        "derived_from": derived_from,
        "independent_sources": context.chains(chains),
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def article(row: Row[Any], citations: Sequence[Row[Any]]) -> dict[str, Any]:
    cites = [
        {"article_id": c.cited_article_id, "relation": c.relation, "note": c.note}
        for c in citations
        if c.article_id == row.id
    ]
    cited_by = [
        {"article_id": c.article_id, "relation": c.relation, "note": c.note}
        for c in citations
        if c.cited_article_id == row.id
    ]
    return article_ref(row) | {
        "archive_url": row.archive_url,
        "retrieved_at": row.retrieved_at,
        "snapshot_sha256": row.snapshot_sha256,
        "is_stub": row.is_stub,
        "notes": row.notes,
        "cites": cites,
        "cited_by": cited_by,
        "citation": citation_text(row),
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def region(row: Row[Any]) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "name_iso": row.name_iso,
        "name_ru": row.name_ru,
        "type": row.type,
    }


def json_response(
    content: Any, headers: dict[str, str] | None = None, status_code: int = 200
) -> Response:
    return Response(
        orjson.dumps(content),
        status_code=status_code,
        headers=headers,
        media_type="application/json",
    )
