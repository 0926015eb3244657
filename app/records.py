"""Records of any family as the API shows them: each with its sources, relations and independent
source chains. Shared by every route that shows records (lists, details, regions, articles,
disputes, the change feed), so it lives below the routes.

A ``RecordReader`` serves one request: the citation graph is loaded once, however many groups of
records the request shows, and each group costs two statements (sources, relations)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row
from sqlalchemy.orm import Session

from app import present, queries
from app.analysis import derive_multipliers, derived_regions
from app.families import FAMILIES, Family
from app.present import RecordContext
from app.provenance import CitationGraph, relations_for
from app.rows import plain_rows

# How many records of each family a region or an article embeds (the rest: a link to the list).
# A detail is an overview: the list behind `more_records` pages, filters and caches the rest.
# 20 holds every seed region and article whole (the most: 14), and keeps a detail the size of
# the seed's at any scale (100 made the RU-BU page 513 KB and 12x the seed's time at 1M).
DETAIL_RECORDS = 20
ARTICLE_CACHE = 20_000  # articles a reader keeps (an export's batches share them)
FAMILIES_BY_PATH = [family.path for family in FAMILIES.values()]


class RecordReader:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._graph: CitationGraph | None = None
        # (reference, citation) by article id, for every group this reader presents: an export
        # looks each article up once, not once per batch.
        self._articles: dict[str, tuple[dict[str, Any], str]] = {}

    @classmethod
    def of(cls, session: Session) -> RecordReader:
        """The reader of this session (one session is one request): its graph is loaded once
        however many pages or batches the request presents."""
        reader = session.info.get("record_reader")
        if not isinstance(reader, cls):
            reader = session.info["record_reader"] = cls(session)
        return reader

    @property
    def graph(self) -> CitationGraph:
        if self._graph is None:
            self._graph = CitationGraph.load(self.session)
        return self._graph

    def present(self, family: Family, rows: Sequence[Row[Any]]) -> list[dict[str, Any]]:
        return self.present_groups([(family, rows)])[0]

    def present_groups(
        self, groups: Sequence[tuple[Family, Sequence[Row[Any]]]]
    ) -> list[list[dict[str, Any]]]:
        """Several families' rows at once: their sources and relations in one statement each."""
        groups = [(family, plain_rows(rows)) for family, rows in groups]
        context = self._context([row for _, rows in groups for row in rows])
        return [
            [present.record(row, context) | family.present_fields(row) for row in rows]
            for family, rows in groups
        ]

    def context(self, rows: Sequence[Row[Any]]) -> tuple[list[Any], RecordContext]:
        """``rows`` as ``plain_rows``, and what presenting them needs: their evidence,
        relations and articles (``app.csv_records`` writes CSV rows from these)."""
        plain = plain_rows(rows)
        return plain, self._context(plain)

    def _context(self, rows: Sequence[Any]) -> RecordContext:
        ids = [row.id for row in rows]
        sources = queries.evidence_for(self.session, ids)
        relations = relations_for(self.session, ids)
        articles = self._known_articles(sources, relations)
        return RecordContext(sources, relations, self.independent_chains, articles)

    def independent_chains(self, article_ids: set[str]) -> int:
        """``CitationGraph.independent_chains``, without loading the graph for fewer than two
        articles (most records: one source, one chain)."""
        if len(article_ids) < 2:
            return len(article_ids)
        return self.graph.independent_chains(article_ids)

    def _known_articles(
        self, *groups: dict[str, list[Any]]
    ) -> dict[str, tuple[dict[str, Any], str]]:
        """The reader's articles, with those the rows in ``groups`` name looked up if new; kept
        to ``ARTICLE_CACHE`` entries (past it, started again), so memory stays flat."""
        wanted = {
            row.article_id for rows_by_id in groups for rows in rows_by_id.values() for row in rows
        }
        missing = sorted(wanted.difference(self._articles))
        if missing and len(self._articles) + len(missing) > ARTICLE_CACHE:
            self._articles = {k: v for k, v in self._articles.items() if k in wanted}
        for row in queries.article_refs(self.session, missing):
            self._articles[row.article_id] = present.article_entry(row)
        return self._articles

    def by_family(
        self, conditions: dict[str, Sequence[ColumnElement[bool]]]
    ) -> dict[str, list[dict[str, Any]]]:
        """Every record (deprecated included) of each family matching its conditions, keyed by
        the family's path (``sentences``, ...): a fixed number of statements."""
        return self.embedded(conditions, dict.fromkeys(FAMILIES_BY_PATH))[0]

    def embedded(
        self, conditions: dict[str, Sequence[ColumnElement[bool]]], lists: Mapping[str, str | None]
    ) -> tuple[dict[str, list[dict[str, Any]]], dict[str, str | None]]:
        """What a detail embeds of each family (by path): its first ``DETAIL_RECORDS`` records
        in list order when ``lists`` gives the URL of its full list, else all of them; and that
        URL where records were left out, else None. A fixed number of statements."""
        groups: list[tuple[Family, Sequence[Row[Any]]]] = []
        more: dict[str, str | None] = {}
        for family in FAMILIES.values():
            url = lists[family.path]
            limit = DETAIL_RECORDS + 1 if url is not None else None
            rows = family.rows(self.session, *conditions[family.kind], limit=limit)
            more[family.path] = url if len(rows) > DETAIL_RECORDS and url is not None else None
            groups.append((family, rows[:DETAIL_RECORDS] if url is not None else rows))
        shown = self.present_groups(groups)
        return {family.path: items for (family, _), items in zip(groups, shown, strict=True)}, more

    def computed(self, family: Family, record_id: str) -> dict[str, Any] | None:
        """A record the API computes rather than stores, by the id it hands out: a derived
        multiplier (as /v1/risks/multipliers shows it), computed from the live rates of its two
        regions. None when ``record_id`` names no such record."""
        regions = derived_regions(record_id) if family.kind == "risk" else None
        if regions is None:
            return None
        region, reference = regions
        in_either = queries.records.c.region_code.in_(regions)
        rates = self.present(family, family.rows(self.session, *queries.LIVE_RATES, in_either))
        derived = derive_multipliers(rates, reference, region)
        return next((item for item in derived if item["id"] == record_id), None)

    def by_id(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Records of any family by id."""
        found = self.by_family({kind: [queries.records.c.id.in_(ids)] for kind in FAMILIES})
        return {item["id"]: item for items in found.values() for item in items}


def present_articles(session: Session, rows: Sequence[Row[Any]]) -> list[dict[str, Any]]:
    """Articles with the citation links that touch them (one statement for all)."""
    citations = queries.citations_for(session, [row.id for row in rows])
    return [present.article(row, citations) for row in rows]


def present_named(rows: Sequence[Row[Any]]) -> list[dict[str, Any]]:
    """People or organisations as their read schemas show them (rows of
    ``queries.people_select`` / ``organisations_select``: already the JSON's fields)."""
    return [row._asdict() | {"aliases": list(row.aliases or [])} for row in rows]
