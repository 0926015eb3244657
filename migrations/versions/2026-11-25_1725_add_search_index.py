"""Add full-text search: search_documents, plus FTS5 (SQLite) or tsvector + GIN (PostgreSQL).

Revision ID: 8db868ba9708
Revises: 58da852fa15b
Create Date: 2026-11-25 17:25:17.944797
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8db868ba9708"
down_revision: str | None = "58da852fa15b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 'russian' stems Cyrillic words with the Russian stemmer and Latin ones with the English
# stemmer; 'simple' keeps exact words (names, numbers). Titles weigh more than bodies.
TSV = """
    setweight(to_tsvector('simple', title), 'A') ||
    setweight(to_tsvector('russian', title), 'A') ||
    setweight(to_tsvector('simple', body), 'B') ||
    setweight(to_tsvector('russian', body), 'B')
"""


def upgrade() -> None:
    op.create_table(
        "search_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=12), nullable=False),
        sa.Column("entity_id", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_documents")),
        sa.UniqueConstraint(
            "entity", "entity_id", name=op.f("uq_search_documents_entity_entity_id")
        ),
    )
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_documents_kind"), ["kind"], unique=False)

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5("
            "doc_id UNINDEXED, title, body, tokenize = 'unicode61 remove_diacritics 2')"
        )
    elif dialect == "postgresql":
        op.execute(f"ALTER TABLE search_documents ADD COLUMN tsv tsvector GENERATED ALWAYS AS ({TSV}) STORED")
        op.execute("CREATE INDEX ix_search_documents_tsv ON search_documents USING GIN (tsv)")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_search_documents_tsv")
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_documents_kind"))
    op.drop_table("search_documents")
