"""A record family's CSV rows straight from its rows, for exports of any size.

``app.csv_rows.record_table`` turns a record as the JSON shows it into a row: right for a page,
but an export would build, for every record, some forty keys of nested dicts only to flatten them
again. Here each batch's evidence, relations and articles are read once (``RecordReader.context``)
and each record becomes its list of cells directly. The cells are the same, byte for byte: the
values come from the same functions (``whole``, ``label``, each field's ``present`` and ``csv``),
and ``tests/test_exports.py`` compares both paths on every seed record.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from operator import attrgetter
from typing import Any

from app.csv_rows import JOIN, RECORD_COLUMNS, SOURCE_COLUMNS, TIMESTAMPS, joined
from app.csv_safety import ESCAPED_STARTS
from app.families.base import Csv, Family
from app.present import CORROBORATING, RecordContext
from app.stream import NEEDS_QUOTES, cell, csv_text, text_cell
from app.vocab import Unit, label, whole

Cells = Callable[[Any], tuple[Any, ...]]
PLAIN = (int, float)  # cells written as they are (a bool is not: it is written true/false)


def _field_cells(family: Family) -> list[Cells]:
    """Per field of the family, its CSV cells from a row: what ``Family.csv_cells`` makes of
    the JSON value ``Family.present_fields`` gives."""
    return [_cells(one.present or attrgetter(one.name), one.csv) for one in family.fields]


def _cells(value: Callable[[Any], Any], csv: Csv | None) -> Cells:
    if csv is None:
        return lambda row: (value(row),)
    split = csv.cells
    return lambda row: split(value(row))


def _article_cells(reference: dict[str, Any]) -> tuple[str, str, str, str]:
    """What the ``source_*`` columns show of an article: url, title, publisher, published_at
    (as the JSON's reference shows them, None as the empty string ``joined`` writes)."""
    return tuple(  # type: ignore[return-value]
        "" if value is None else str(value)
        for value in (
            reference["url"],
            reference["title"],
            reference["publisher"],
            reference["published_at"],
        )
    )


class _ArticleCells(dict[str, tuple[str, str, str, str]]):
    """``_article_cells`` of each article of a context, made when first asked for."""

    def __init__(self, context: RecordContext) -> None:
        super().__init__()
        self.context = context

    def __missing__(self, article_id: str) -> tuple[str, str, str, str]:
        found = self[article_id] = _article_cells(self.context.articles[article_id][0])
        return found


class RecordCsv:
    """The CSV of one family: its columns, and the cells of each row of a batch."""

    def __init__(self, family: Family) -> None:
        self.family = family
        self.columns = [*RECORD_COLUMNS, *family.csv_names, *SOURCE_COLUMNS, *TIMESTAMPS]
        self._fields = _field_cells(family)

    def rows(self, rows: Sequence[Any], context: RecordContext) -> list[str]:
        """Each row (``plain_rows``) as its CSV line (``app.stream.csv_line`` of its cells)."""
        articles = _ArticleCells(context)
        return [self._row(row, context, articles) for row in rows]

    def _row(self, row: Any, context: RecordContext, articles: _ArticleCells) -> str:
        sources = context.sources.get(row.id, ())
        links = context.relations.get(row.id, ())
        chains = {s.article_id for s in sources}
        corroborated: list[str] = []
        contradicted: list[str] = []
        for link in links:
            if link.relation in CORROBORATING:
                corroborated.append(link.other_id)
                if link.relation == "corroborates":
                    chains.add(link.article_id)
            elif link.relation == "contradicts":
                contradicted.append(link.other_id)
        unit = row.unit
        values: list[Any] = [
            row.id,
            row.kind,
            row.statement,
            whole(row.value, unit),
            whole(row.value_low, unit),
            whole(row.value_high, unit),
            row.value_qualifier,
            unit,
            label(Unit, unit),
            row.region_code,
            row.region_name,
            row.region_name_ru,
            row.rank,
            row.rank_reason,
            row.uncertain,
            row.uncertainty_note,
            row.derived,
            row.derivation,
            context.chains(chains),
            JOIN.join(corroborated),
            JOIN.join(contradicted),
            context.articles[sources[0].article_id][1] if sources else "",
        ]
        for cells in self._fields:
            values.extend(cells(row))
        if len(sources) == 1:  # the common case: no joining
            only = sources[0]
            url, title, publisher, published = articles[only.article_id]
            quotes = [
                "" if only.quote is None else str(only.quote),
                "" if only.quote_en is None else str(only.quote_en),
            ]
            values += [1, url, title, publisher, published, *quotes]
        else:
            shown = [articles[s.article_id] for s in sources]
            values.append(len(sources))
            values.extend(JOIN.join(parts) for parts in zip(*shown, strict=True))
            if not shown:
                values += ["", "", "", ""]
            values.append(joined(s.quote for s in sources))
            values.append(joined(s.quote_en for s in sources))
        values.append(row.created_at)
        values.append(row.updated_at)
        # ``csv_text(cell(value))`` of each value, its common cases inline (a call per cell
        # costs as much as the rest of the row): text neutralised and quoted only when one
        # scan says it must be, None empty, numbers as they are, booleans true/false,
        # timestamps in ISO 8601.
        needs_quotes = NEEDS_QUOTES
        return (
            ",".join(
                [
                    (
                        text_cell(value)
                        if value.startswith(ESCAPED_STARTS) or needs_quotes(value)
                        else value
                    )
                    if type(value) is str
                    else ""
                    if value is None
                    else str(value)
                    if type(value) in PLAIN
                    else "true"
                    if value is True
                    else "false"
                    if value is False
                    else value.isoformat()
                    if type(value) is datetime
                    else csv_text(cell(value))
                    for value in values
                ]
            )
            + "\r\n"
        )
