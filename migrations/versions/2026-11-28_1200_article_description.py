"""Articles get a ``description`` (our words) apart from ``title`` (the published headline).

A bracketed title ("[Kyiv Independent: media say ...]") was a description we wrote where the
headline was not known; it moves to ``description`` without its brackets and ``title`` becomes
null, so no citation quotes it as a headline. Downgrade puts it back in brackets.

Revision ID: 5e2a9c4d7f10
Revises: 3c1f0e9a7b21
Create Date: 2026-11-28 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e2a9c4d7f10"
down_revision: str | None = "3c1f0e9a7b21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("articles", sa.Column("description", sa.Text(), nullable=True))
    op.execute(
        "UPDATE articles SET description = substr(title, 2, length(title) - 2), title = NULL "
        "WHERE title LIKE '[%]'"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE articles SET title = '[' || description || ']' "
        "WHERE title IS NULL AND description IS NOT NULL"
    )
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("description")
