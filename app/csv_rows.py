"""Spreadsheet rows: each list's CSV columns, and how one item becomes one row.

A record is one CSV row. Its sources are flattened into ``source_*`` columns; when a record has
several sources their values are joined with `` | `` in the same column (``source_count`` says
how many), so a spreadsheet keeps one row per figure. A table names its columns up front, so an
export with no rows still carries its header.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.families.base import Family

JOIN = " | "


@dataclass(frozen=True)
class CsvTable:
    columns: list[str]
    row: Callable[[dict[str, Any]], dict[str, Any]]


def joined(values: Iterable[Any]) -> str:
    return JOIN.join("" if v is None else str(v) for v in values)


def _sources(item: dict[str, Any]) -> dict[str, Any]:
    sources = item["sources"]
    return {
        "source_count": len(sources),
        "source_url": joined(s["article"]["url"] for s in sources),
        "source_title": joined(s["article"]["title"] for s in sources),
        "source_publisher": joined(s["article"]["publisher"] for s in sources),
        "source_published_at": joined(s["article"]["published_at"] for s in sources),
        "source_quote": joined(s["quote"] for s in sources),
        "source_quote_en": joined(s["quote_en"] for s in sources),
    }


RECORD_COLUMNS = [
    "id",
    "kind",
    "statement",
    "value",
    "value_low",
    "value_high",
    "value_qualifier",
    "unit",
    "unit_label",
    "region_code",
    "region_name",
    "region_name_ru",
    "rank",
    "rank_reason",
    "uncertain",
    "uncertainty_note",
    "derived",
    "derivation",
    "independent_sources",
    "corroborated_by",
    "contradicted_by",
    "citation",
]
SOURCE_COLUMNS = [
    "source_count",
    "source_url",
    "source_title",
    "source_publisher",
    "source_published_at",
    "source_quote",
    "source_quote_en",
]
TIMESTAMPS = ["created_at", "updated_at"]


def _record(item: dict[str, Any]) -> dict[str, Any]:
    region = item["region"] or {}
    shown = {name: item.get(name) for name in RECORD_COLUMNS}
    return shown | {
        "region_code": region.get("code"),
        "region_name": region.get("name"),
        "region_name_ru": region.get("name_ru"),
        "corroborated_by": joined(r["id"] for r in item["corroborated_by"]),
        "contradicted_by": joined(r["id"] for r in item["contradicted_by"]),
    }


def record_table(family: Family, extra: tuple[str, ...] = ()) -> CsvTable:
    """A family's CSV: the record columns, the family's own, ``extra`` (item keys shown as they
    are), the sources, the timestamps."""

    def row(item: dict[str, Any]) -> dict[str, Any]:
        return (
            _record(item)
            | family.csv_cells(item)
            | {name: item.get(name) for name in extra}
            | _sources(item)
            | {name: item[name] for name in TIMESTAMPS}
        )

    columns = [*RECORD_COLUMNS, *family.csv_names, *extra, *SOURCE_COLUMNS, *TIMESTAMPS]
    return CsvTable(columns, row)


ARTICLE_COLUMNS = [
    "id",
    "url",
    "title",
    "description",
    "publisher",
    "authors",
    "published_at",
    "published_precision",
    "published_approximate",
    "language",
    "is_stub",
    "archive_url",
    "cites",
    "notes",
    "citation",
]
ARTICLE_LISTS: dict[str, Callable[[dict[str, Any]], str]] = {
    "authors": lambda item: joined(item["authors"]),
    "cites": lambda item: joined(c["article_id"] for c in item["cites"]),
}
ARTICLES = CsvTable(
    ARTICLE_COLUMNS,
    lambda item: {
        name: ARTICLE_LISTS[name](item) if name in ARTICLE_LISTS else item[name]
        for name in ARTICLE_COLUMNS
    },
)


def as_is(columns: Iterable[str]) -> CsvTable:
    """A table whose items are already flat (regions, search hits)."""
    names = list(columns)
    return CsvTable(names, lambda item: {name: item[name] for name in names})


def named(columns: Iterable[str]) -> CsvTable:
    """A table of people or organisations: their fields as they are, aliases joined."""
    return CsvTable(list(columns), lambda item: item | {"aliases": joined(item["aliases"])})
