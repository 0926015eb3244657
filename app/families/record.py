"""What every record family shares: the record columns, the region join, and the filters and
field kinds that several families use (a month, a region, the article, deprecated records)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from fastapi import Query
from sqlalchemy import ColumnElement, Table, extract, select, true

from app.csv_rows import joined
from app.deps import month_param, month_query, region_query
from app.errors import InvalidParameter, ProblemError
from app.families.base import Csv, Field, Filter, shown
from app.lookups import Check, known_value
from app.present import month, period_label, region_ref
from app.queries import articles, evidence, people, person_names, records, regions
from app.regions import known_region

region = regions.alias("region")
REGION_PARTS = ("code", "name", "name_iso", "name_ru")


def region_columns(alias: Any, prefix: str) -> list[ColumnElement[Any]]:
    return [alias.c[name].label(f"{prefix}_{name}") for name in REGION_PARTS]


RECORD_COLUMNS: list[ColumnElement[Any]] = [
    records.c.id,
    records.c.kind,
    records.c.statement,
    records.c.value,
    records.c.value_low,
    records.c.value_high,
    records.c.value_qualifier,
    records.c.unit,
    records.c.rank,
    records.c.rank_reason,
    records.c.uncertain,
    records.c.uncertainty_note,
    records.c.derived,
    records.c.derivation,
    records.c.created_at,
    records.c.updated_at,
    *region_columns(region, "region"),
]


def record_join(table: Table) -> Any:
    """``table`` joined to its records row and the region the record is about."""
    return table.join(records, records.c.id == table.c.id).outerjoin(
        region, region.c.code == records.c.region_code
    )


# Fields of more than one family.


def month_field(
    name: str, doc: str, example: str, optional: bool = False, start: bool | None = None
) -> Field:
    """A month column shown as YYYY-MM; ``start`` stores it from the input's period (its start
    or its end)."""
    store = None
    if start is not None:

        def store(model: Any) -> dict[str, date | None]:
            period = model.period
            return {name: None if period is None else (period.start if start else period.end)}

    return Field(
        name,
        str | None if optional else str,
        doc,
        example=example,
        present=lambda row: month(getattr(row, name)),
        store=store,
    )


def period_label_field(optional: bool = False) -> Field:
    """``period_label``: period_start to period_end in words (app.present.period_label)."""
    return shown(
        "period_label",
        str | None if optional else str,
        "The period in words: March 2024, 2024, Jan–Jul 2024, Sep 2022 – May 2025; a month the "
        "source does not state is said so: 'Feb–Jun 2022 (start assumed)'.",
        lambda row: period_label(
            row.period_start,
            row.period_end,
            start_assumed=row.period_start_assumed,
            end_assumed=row.period_end_assumed,
        ),
        example="March 2024",
    )


def assumed_fields(optional: bool = False) -> tuple[Field, Field]:
    """``period_start_assumed`` / ``period_end_assumed``: whether the curators assumed a month
    the source does not state (null with no period at all, when the period is ``optional``)."""

    def assumed(side: str) -> Field:
        name = f"period_{side}_assumed"
        return Field(
            name,
            bool | None if optional else bool,
            f"True when the source does not state the {side} month: the curators assumed it "
            "(see the statement)." + (" Null when the record has no period." if optional else ""),
            example=False,
            present=lambda row: None if row.period_start is None else getattr(row, name),
            store=lambda model: {
                name: model.period is not None and getattr(model.period, f"{side}_assumed")
            },
        )

    return assumed("start"), assumed("end")


def region_field(name: str, alias: Any, prefix: str, doc: str, input_name: str) -> Field:
    """A joined region, shown as {code, name, name_iso, name_ru}, three CSV columns, stored as
    its code."""
    from app.schemas.read import RegionRef

    return Field(
        name,
        RegionRef | None,
        doc,
        columns=region_columns(alias, prefix),
        present=lambda row: region_ref(row, prefix),
        csv=Csv(
            tuple(f"{name}_{part}" for part in ("code", "name", "name_ru")),
            lambda value: tuple((value or {}).get(part) for part in ("code", "name", "name_ru")),
        ),
        store=lambda model: {f"{name}_code": getattr(model, input_name)},
    )


def list_field(name: str, item: Any, doc: str, example: Any, to_list: Any, to_text: Any) -> Field:
    """A list kept as one text column (``to_list`` / ``to_text`` convert), joined in CSV."""
    return Field(
        name,
        list[item],
        doc,
        example=example,
        present=lambda row: to_list(getattr(row, name)),
        csv=Csv((name,), lambda value: (joined(value),)),
        store=lambda model: {name: to_text(getattr(model, name))},
    )


# Filters of more than one family.


def region_filter(description: str, column: Any, name: str = "region") -> Filter:
    """``?region=`` (or ``name``): equality on ``column``, a known region code. For the record's
    own region, ``column`` is the family table's copy of records.region_code (models.region_copy),
    so the family's index (region_code, <its order>) serves filter and order together."""
    return Filter(
        name,
        str | None,
        region_query(description),
        lambda code: column == code,
        check=lambda _session, code, parameter: known_region(code, parameter),
    )


def month_filter(
    name: str, description: str, condition: Any, alias: str | None = None, bound: Any = None
) -> Filter:
    return Filter(
        name,
        str | None,
        month_query(description, alias=alias),
        condition,
        check=lambda _session, value, parameter: month_param(value, parameter),
        bound=bound,
    )


def check_month_range(
    start: date | None, end: date | None, names: tuple[str, str] = ("from", "to")
) -> None:
    """A 422 naming both parameters when the first month is after the last: no period can
    match, and an empty 200 would hide the mistake."""
    if start is not None and end is not None and start > end:
        first, last = names
        reason = f"{first} ({start:%Y-%m}) is after {last} ({end:%Y-%m})"
        raise InvalidParameter(
            reason, [ProblemError(parameter=name, reason=reason) for name in names]
        )


def months_in_order(values: Mapping[str, Any]) -> None:
    """A family's ``check_filters``: ``from`` not after ``to``."""
    check_month_range(values.get("from"), values.get("to"))


known_article = known_value(articles.c.id, "the id of an article (see /v1/articles)")
known_person = known_value(people.c.id, "the id of a person (see /v1/people)", person_names)


def article_filter() -> Filter:
    def supported_by(article_id: str) -> ColumnElement[bool]:
        quoted_in = select(evidence.c.record_id).where(evidence.c.article_id == article_id)
        return records.c.id.in_(quoted_in)

    return Filter(
        "article",
        str | None,
        Query(
            max_length=120,
            description="Id of an article: only records it supports.",
            examples=["dagens-2024-10-02-russian-soldiers-flee-to-the-forest"],
        ),
        supported_by,
        check=known_article,
    )


def text_filter(
    name: str, column: Any, description: str, example: str, size: int, check: Check | None = None
) -> Filter:
    """Equality on ``column``; ``check`` refuses values that name nothing (``app.lookups``)."""
    return Filter(
        name,
        str | None,
        Query(max_length=size, description=description, examples=[example]),
        lambda value: column == value,
        check=check,
    )


INCLUDE_DEPRECATED = Filter(
    "include_deprecated",
    bool,
    Query(
        description="Also list deprecated records (misprints, superseded figures).",
        examples=[True],
    ),
    lambda include: true() if include else records.c.rank != "deprecated",
    default=False,
)


def facets(own: dict[str, ColumnElement[Any]], year: Any) -> dict[str, ColumnElement[Any]]:
    """A family's facets: its ``own`` beside those every family has (``publisher`` counts each
    record's first source's publisher; ``year`` the year of ``year``)."""
    return {
        "region": records.c.region_code,
        **own,
        "publisher": articles.c.publisher,
        "year": extract("year", year),
    }
