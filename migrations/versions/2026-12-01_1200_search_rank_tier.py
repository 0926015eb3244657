"""Search ranked and limited inside the index: each document stores its rank tier (0 preferred,
1 normal or an article, 2 deprecated), so a search asks the index for the best ``limit`` hits of
one tier at a time instead of scoring, joining and sorting every match.

SQLite: ``search_fts`` becomes an external-content FTS5 table over the view
``search_fts_content`` (no second copy of every title and body), with a ``tags`` column holding
the tier and kind as one token (``t1ksentence``), so both filters are part of the MATCH and
``ORDER BY rank LIMIT n`` stays FTS5's own top-n path. PostgreSQL: one partial GIN index per
tier replaces the index over every ``tsv``, so a tier's matches come from its own index.

Revision ID: 5c1e9a7b3d20
Revises: e4b9c2d17f30
Create Date: 2026-11-26 07:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c1e9a7b3d20"
down_revision: str | None = "e4b9c2d17f30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIERS = (0, 1, 2)
TOKENIZE = "tokenize = 'unicode61 remove_diacritics 2'"
CONTENT_VIEW = (
    "CREATE VIEW search_fts_content AS SELECT id, title, body, "
    "'t' || tier || 'k' || kind AS tags FROM search_documents"
)


def upgrade() -> None:
    with op.batch_alter_table("search_documents") as batch_op:
        batch_op.add_column(
            sa.Column("tier", sa.SmallInteger(), nullable=False, server_default="1")
        )
    op.execute(
        "UPDATE search_documents SET tier = (SELECT CASE records.rank WHEN 'preferred' THEN 0 "
        "WHEN 'deprecated' THEN 2 ELSE 1 END FROM records WHERE records.id = entity_id) "
        "WHERE entity = 'record' AND entity_id IN (SELECT id FROM records WHERE rank <> 'normal')"
    )  # only the documents whose tier is not the default: a PostgreSQL update rewrites the tsv
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_fts")
        op.execute(CONTENT_VIEW)
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, tags, "
            f"content = 'search_fts_content', content_rowid = 'id', {TOKENIZE})"
        )
        op.execute("INSERT INTO search_fts (search_fts) VALUES ('rebuild')")
    else:
        op.execute("DROP INDEX IF EXISTS ix_search_documents_tsv")
        for tier in TIERS:
            op.execute(
                f"CREATE INDEX ix_search_documents_tsv_tier{tier} ON search_documents "
                f"USING GIN (tsv) WHERE tier = {tier}"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_fts")
        op.execute("DROP VIEW IF EXISTS search_fts_content")
        op.execute(
            f"CREATE VIRTUAL TABLE search_fts USING fts5(doc_id UNINDEXED, title, body, {TOKENIZE})"
        )
        op.execute(
            "INSERT INTO search_fts (doc_id, title, body) "
            "SELECT id, title, body FROM search_documents"
        )
    else:
        for tier in TIERS:
            op.execute(f"DROP INDEX IF EXISTS ix_search_documents_tsv_tier{tier}")
        op.execute("CREATE INDEX ix_search_documents_tsv ON search_documents USING GIN (tsv)")
    with op.batch_alter_table("search_documents") as batch_op:
        batch_op.drop_column("tier")
