"""Full-text search over records and articles: building each entity's document (called by the
loader in the same transaction that writes the entity) and querying it.

SQLite uses FTS5 (``search_fts``, bm25 ranking, ``snippet()``); PostgreSQL a generated
``tsvector`` with a GIN index (``ts_rank``, ``ts_headline``); both weigh a title 4x a body.
Region names are indexed in English and Russian, so Бурятия and Buryatia both find the Buryatia
records.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Row,
    Table,
    column,
    delete,
    insert,
    literal,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from app.models import (
    Article,
    Claim,
    Evidence,
    Organisation,
    Person,
    Record,
    Region,
    RiskFigure,
    SearchDocument,
    SentenceStat,
)

documents = cast(Table, SearchDocument.__table__)
FTS_COLUMNS = ("title", "body", "tags")
MARK, UNMARK = "<mark>", "</mark>"
# Private-use characters the engines put round matches, replaced by <mark> after escaping.
START, STOP = "\ue000", "\ue001"


@dataclass(frozen=True)
class Hit:
    kind: str
    entity_id: str
    title: str
    snippet: str
    score: float


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


# The FTS5 table (external content: it keeps only the index) and the view it reads its text
# from; ``tags`` holds the rank tier and kind as one token ("t1ksentence") for the MATCH.
fts = table("search_fts", column("search_fts"), column("rowid"), *map(column, FTS_COLUMNS))
fts_content = table("search_fts_content", column("id"), *map(column, FTS_COLUMNS))


def _docs_of(entity: str, scope: Scope) -> Any:
    return select(documents.c.id).where(documents.c.entity == entity, scope(documents.c.entity_id))


def _fts_rows(entity: str, scope: Scope, *command: Any) -> Any:
    """FTS5 rows (or 'delete' commands) for the stored documents of ``entity`` in ``scope``."""
    return insert(fts).from_select(
        [*(["search_fts"] if command else []), "rowid", *FTS_COLUMNS],
        select(*command, fts_content.c.id, *(fts_content.c[c] for c in FTS_COLUMNS)).where(
            fts_content.c.id.in_(_docs_of(entity, scope))
        ),
    )


def _remove(session: Session, entity: str, ids: Iterable[str]) -> None:
    ids = list(ids)
    if not ids:
        return
    if _dialect(session) == "sqlite":  # external content: told what it indexed, before it goes
        session.execute(_fts_rows(entity, _among(ids), literal("delete")))
    session.execute(
        delete(documents).where(documents.c.entity == entity, documents.c.entity_id.in_(ids))
    )


def _add(session: Session, rows: list[dict[str, Any]], scope: Scope) -> None:
    """Store ``rows`` (documents of one entity, all within ``scope``) and index them."""
    if not rows:
        return
    # The loader's bulk writer (COPY on PostgreSQL rather than an INSERT a row: at 100k
    # sentences 17.4 s of the server's time instead of 19.1, most of it the tsvectors, and
    # 3.5 s of ours instead of 4.6), imported here so serving never loads the loader.
    from app.loader.bulk import insert_rows

    insert_rows(session, documents, rows, only=list(rows[0]))
    if _dialect(session) == "sqlite":
        session.execute(_fts_rows(rows[0]["entity"], scope))


def _region_names(region: Region | None) -> list[str]:
    if region is None:
        return []
    return [region.code, region.name, region.name_iso, region.name_ru]


# Ids per statement when (re)indexing: an unbounded IN list fails past SQLite's and PostgreSQL's
# parameter limits (a data package of 70k records did on PostgreSQL).
CHUNK = 5000


# Which ids one step of indexing covers: a bounded IN list, or a range of ids.
Scope = Callable[[Any], ColumnElement[bool]]


def _among(ids: list[str]) -> Scope:
    return lambda column: column.in_(ids)


def _between(first: str, last: str) -> Scope:
    return lambda column: column.between(first, last)


def index_records(session: Session, record_ids: Iterable[str]) -> None:
    """(Re)build the documents of ``record_ids``; ids that no longer exist are dropped."""
    ids = sorted(set(record_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        _remove(session, "record", chunk)
        _index_records(session, _among(chunk))


def index_everything(session: Session) -> None:
    """Build every document into an empty index (an import): a range of ids at a time, so no
    statement carries a list of ids and none is compiled anew per chunk."""
    for first, last in _ranges(session, Record.id):
        _index_records(session, _between(first, last))
    for first, last in _ranges(session, Article.id):
        _index_articles(session, _between(first, last))


def _ranges(session: Session, column: Any) -> Iterator[tuple[str, str]]:
    """(first, last) id of each run of CHUNK ids, in order."""
    ids = session.scalars(select(column).order_by(column)).all()
    for start in range(0, len(ids), CHUNK):
        yield ids[start], ids[min(start + CHUNK, len(ids)) - 1]


def _index_records(session: Session, scope: Scope) -> None:
    regions = {r.code: r for r in session.scalars(select(Region))}
    quotes: dict[str, list[str]] = defaultdict(list)
    for row in session.execute(
        select(Evidence.record_id, Evidence.quote, Evidence.quote_en).where(
            scope(Evidence.record_id)
        )
    ):
        quotes[row.record_id] += [row.quote, row.quote_en or ""]
    extra: dict[str, list[str]] = defaultdict(list)
    for risk in session.execute(
        select(RiskFigure.id, RiskFigure.reference_region_code, RiskFigure.metric).where(
            scope(RiskFigure.id)
        )
    ):
        extra[risk.id] += [
            risk.metric,
            *_region_names(regions.get(risk.reference_region_code or "")),
        ]
    for sentence in session.execute(
        select(SentenceStat.id, SentenceStat.offences, SentenceStat.measure).where(
            scope(SentenceStat.id)
        )
    ):
        extra[sentence.id] += [sentence.offences or "", sentence.measure]
    for claim in session.execute(
        select(
            Claim.id,
            Person.name,
            Person.aliases,
            Organisation.name.label("org"),
            Organisation.aliases.label("org_aliases"),
        )
        .outerjoin(Person, Person.id == Claim.speaker_id)
        .outerjoin(Organisation, Organisation.id == Claim.organisation_id)
        .where(scope(Claim.id))
    ):
        extra[claim.id] += [
            claim.name or "",
            *(claim.aliases or []),
            claim.org or "",
            *(claim.org_aliases or []),
        ]
    rows = []
    for record in session.execute(
        select(Record.id, Record.kind, Record.statement, Record.region_code, Record.rank).where(
            scope(Record.id)
        )
    ):
        body = [
            *quotes[record.id],
            *_region_names(regions.get(record.region_code or "")),
            *extra[record.id],
        ]
        rows.append(
            {
                "entity": "record",
                "entity_id": record.id,
                "kind": record.kind,
                "title": record.statement,
                "body": " · ".join(p for p in body if p),
                "tier": TIERS.get(record.rank, NORMAL),
            }
        )
    _add(session, rows, scope)


def index_articles(session: Session, article_ids: Iterable[str]) -> None:
    ids = sorted(set(article_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        _remove(session, "article", chunk)
        _index_articles(session, _among(chunk))


def _index_articles(session: Session, scope: Scope) -> None:
    rows = [
        {
            "entity": "article",
            "entity_id": a.id,
            "kind": "article",
            "title": a.title or a.description or a.publisher,
            "body": " · ".join([a.publisher, *(a.authors or []), a.notes or "", a.url or ""]),
            "tier": NORMAL,
        }
        for a in session.scalars(select(Article).where(scope(Article.id)))
    ]
    _add(session, rows, scope)


def _words(query: str) -> list[str]:
    """Letters and digits only: whatever else a user types is never query syntax."""
    return re.findall(r"[^\W_]+", query.lower())


def _stems(query: str) -> list[str]:
    """Each word cut to a prefix of its first letters, so inflections match (Бурятия, Бурятии;
    Buryatia, Buryat); every word must match. SQLite indexes words as written; PostgreSQL
    indexes them as written and stemmed too (Russian stems for Cyrillic words, English for
    Latin ones: see the search migration). A stem is nearly always a prefix of its word, so a
    prefix matching a stem matches the word as well and a query finds the same on both
    engines; the rare exceptions are stems that respell (ё as е, a final y as i)."""
    return [w if len(w) <= 4 else w[: max(4, len(w) - 2)] for w in _words(query)]


def _highlight(snippet: str) -> str:
    """HTML-escape the text, then turn the sentinels round each match into <mark> tags."""
    return html.escape(snippet).replace(START, MARK).replace(STOP, UNMARK)


# The search order of ranks, stored with each document: preferred records first, then normal
# ones and articles (which have no rank), then deprecated ones.
TIERS = {"preferred": 0, "normal": 1, "deprecated": 2}
NORMAL = TIERS["normal"]
KINDS = ("sentence", "risk", "claim", "article")
SNIPPET = f"snippet(search_fts, -1, '{START}', '{STOP}', '…', 16)"
# PostgreSQL's relevance: ts_rank with the title (weight A) 4x the body (weight B), as bm25 weighs
# them on SQLite. Not ts_rank_cd: a relevance order scores every match of a tier, and cover
# density rebuilds each document's positions to do it (3.5 against 0.25 us a match; 2,650 matches
# at 200k sentences: 5.8 -> 2.9 ms). The weights are {D, C, B, A}; C and D are not used.
RANK = "ts_rank('{0.1, 0.2, 0.25, 1.0}', d.tsv, q.query)"
HEADLINE = f"""ts_headline('simple', d.title || ' — ' || d.body, q.query,
    'StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=10, MaxFragments=2,
     FragmentDelimiter=" … "')"""


def search(
    session: Session,
    query: str,
    kinds: Sequence[str] | None,
    limit: int,
    include_deprecated: bool = False,
) -> list[Hit]:
    """The best ``limit`` hits: by rank first (preferred, normal, deprecated: a misprint never
    outranks the count it misprints), then by text relevance. Deprecated records only when
    ``include_deprecated``.

    One tier at a time, each asking the index for its best ``limit`` still wanted (FTS5's
    ``ORDER BY rank LIMIT``; a partial GIN index per tier on PostgreSQL), and stopping once the
    page is full: a tier after a full page is never read, and only the hits shown are joined to
    their documents and given a snippet. The engines still score every match of the tiers read
    (a relevance order needs every score), in the index and without a sort of whole rows."""
    stems = _stems(query)
    if not stems:
        return []
    tier_search = _sqlite_tier if _dialect(session) == "sqlite" else _postgres_tier
    hits: list[Hit] = []
    for tier in range(3 if include_deprecated else 2):
        if len(hits) == limit:
            break
        hits += tier_search(session, stems, tier, kinds, limit - len(hits))
    return hits


def _sqlite_tier(
    session: Session, stems: list[str], tier: int, kinds: Sequence[str] | None, limit: int
) -> list[Hit]:
    """The best ``limit`` hits of one tier: FTS5 ranks and limits them itself (``ORDER BY
    rank``, bm25 weighing a title 4x a body), so the snippets and the join to the documents
    are only for the hits returned. The tier and kind are one token of ``tags`` (one phrase
    hit at most, so a snippet never picks that column over the title or body that matched).
    The normal tier, nearly every document, is asked for as "not the other tiers": ANDing the
    words with a token every document holds walks that token's whole list (5.4 -> 2.1 ms for
    1,325 matches at 100k sentences).
    Equal scores come in the index's order; within the page, in id order."""
    words = "{title body} : (" + " AND ".join(f'"{stem}"*' for stem in stems) + ")"
    if tier == NORMAL and not kinds:  # most documents: cheaper to leave the few others out
        others = (f"t{t}k{kind}" for t in TIERS.values() if t != NORMAL for kind in KINDS)
        wanted = f"{words} NOT tags : ({' OR '.join(others)})"
    else:
        tags = " OR ".join(f"t{tier}k{kind}" for kind in kinds or KINDS)
        wanted = f"{words} AND tags : ({tags})"
    sql = f"""
        SELECT d.kind, d.entity_id, d.title, search_fts.rank AS score, {SNIPPET} AS snippet
        FROM search_fts JOIN search_documents d ON d.id = search_fts.rowid
        WHERE search_fts MATCH :q AND search_fts.rank MATCH 'bm25(4.0, 1.0, 0.0)'
        ORDER BY search_fts.rank LIMIT :limit"""
    rows = session.execute(text(sql), {"q": wanted, "limit": limit})
    hits = [Hit(r.kind, r.entity_id, r.title, _highlight(r.snippet), -float(r.score)) for r in rows]
    return sorted(hits, key=lambda hit: (-hit.score, hit.entity_id))


def _postgres_tier(
    session: Session, stems: list[str], tier: int, kinds: Sequence[str] | None, limit: int
) -> list[Hit]:
    """The best ``limit`` hits of one tier: matched through the tier's partial GIN index (the
    tier is a literal so that the planner can choose it), ranked by ``RANK`` and
    limited, then given headlines (only the hits shown)."""
    params: dict[str, Any] = {"q": " & ".join(f"{stem}:*" for stem in stems), "limit": limit}
    where = ""
    if kinds:
        where = " AND d.kind IN (" + ", ".join(f":k{i}" for i in range(len(kinds))) + ")"
        params |= {f"k{i}": kind for i, kind in enumerate(kinds)}
    sql = f"""
        WITH q AS (SELECT to_tsquery('simple', :q) AS query),
        best AS (
            SELECT d.id, {RANK} AS score
            FROM search_documents d CROSS JOIN q
            WHERE d.tsv @@ q.query AND d.tier = {int(tier)}{where}
            ORDER BY score DESC, d.entity_id LIMIT :limit)
        SELECT d.kind, d.entity_id, d.title, best.score, {HEADLINE} AS snippet
        FROM best JOIN search_documents d ON d.id = best.id CROSS JOIN q
        ORDER BY best.score DESC, d.entity_id"""
    rows: Iterable[Row[Any]] = session.execute(text(sql), params)
    return [Hit(r.kind, r.entity_id, r.title, _highlight(r.snippet), float(r.score)) for r in rows]
