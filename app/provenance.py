"""How records relate to each other and how independent their sources are.

``corroborates`` and ``contradicts`` are read both ways (if A corroborates B, B is corroborated
by A); ``derived_from`` points from the derived record to its inputs. Two articles that relay the
same upstream (through ``cites`` / ``via`` links) are one independent source chain, not two.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Row, Table, and_, bindparam, literal, select, union_all
from sqlalchemy.orm import Session

from app.models import Article, ArticleCitation, Evidence, Record, RecordRelation
from app.queries import id_batches
from app.rows import plain_result

relations = cast(Table, RecordRelation.__table__)
records = cast(Table, Record.__table__)
evidence = cast(Table, Evidence.__table__)
articles = cast(Table, Article.__table__)
citations = cast(Table, ArticleCitation.__table__)


def _side(forward: bool) -> Any:
    """Relations seen from the records in ``:ids``; ``other`` is the record at the far end."""
    mine, other = (
        (relations.c.record_id, relations.c.other_record_id)
        if forward
        else (relations.c.other_record_id, relations.c.record_id)
    )
    return (
        select(
            mine.label("record_id"),
            other.label("other_id"),
            relations.c.relation,
            literal(forward).label("forward"),
            relations.c.note,
            records.c.kind.label("other_kind"),
            records.c.value.label("other_value"),
            records.c.unit.label("other_unit"),  # a count's value is shown as an integer
            records.c.value_qualifier.label("other_value_qualifier"),
            records.c.rank.label("other_rank"),
            evidence.c.article_id,  # the far record's first source (the reader looks it up)
        )
        .select_from(
            relations.join(records, records.c.id == other).join(
                evidence, and_(evidence.c.record_id == other, evidence.c.position == 0)
            )
        )
        .where(mine.in_(bindparam("ids", expanding=True)))
    )


# Built once: constructing a union of joins costs more than running it on a page of ids.
RELATIONS = union_all(_side(True), _side(False)).order_by("record_id", "other_id")


def relations_for(session: Session, record_ids: Sequence[str]) -> dict[str, list[Row[Any]]]:
    """Every relation touching ``record_ids``, with the far record's value and the id of its
    first source's article (one statement per ``ID_BATCH`` ids)."""
    by_record: dict[str, list[Row[Any]]] = defaultdict(list)
    for batch in id_batches(record_ids):
        for row in plain_result(session, RELATIONS, {"ids": batch}):
            by_record[row.record_id].append(row)
    return by_record


@dataclass
class CitationGraph:
    """Which articles each article cites or relays; roots are where chains start."""

    upstream: dict[str, list[str]] = field(default_factory=dict)
    _reached: dict[str, frozenset[str]] = field(default_factory=dict, repr=False, compare=False)
    _roots: dict[str, frozenset[str]] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def load(cls, session: Session) -> CitationGraph:
        graph: dict[str, list[str]] = defaultdict(list)
        links = session.execute(select(citations.c.article_id, citations.c.cited_article_id))
        for article_id, cited_article_id in links.all():
            graph[article_id].append(cited_article_id)
        return cls(dict(graph))

    def _reach(self, article_id: str) -> frozenset[str]:
        """The article and everything upstream of it (memoised: a page asks again and again)."""
        cached = self._reached.get(article_id)
        if cached is not None:
            return cached
        seen: set[str] = set()
        stack = [article_id]
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(self.upstream.get(current, []))
        self._reached[article_id] = found = frozenset(seen)
        return found

    def roots(self, article_id: str) -> frozenset[str]:
        """Where the article's chains start: the articles upstream that cite nothing further.
        Articles that cite each other in a closed cycle start one chain together (named by
        the smallest id), not one each. Memoised: the same few articles back many records."""
        cached = self._roots.get(article_id)
        if cached is not None:
            return cached
        found: set[str] = set()
        for node in self._reach(article_id):
            upstream = self._reach(node)
            if all(node in self._reach(other) for other in upstream):  # nothing leads out
                found.add(min(upstream))
        self._roots[article_id] = roots = frozenset(found)
        return roots

    def independent_chains(self, article_ids: Iterable[str]) -> int:
        """How many independent chains the articles form: articles sharing a root are one."""
        distinct = set(article_ids)
        if len(distinct) < 2:  # most records: one source, one chain
            return len(distinct)
        groups: list[set[str]] = []
        for article_id in distinct:
            roots = set(self.roots(article_id))
            overlapping = [g for g in groups if g & roots]
            for group in overlapping:
                roots |= group
                groups.remove(group)
            groups.append(roots)
        return len(groups)
