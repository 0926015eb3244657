"""Index revisions.created_at: Last-Modified is max(created_at), read on every request path once
a second, and without an index it scans the whole revision log.

Revision ID: 85c44ded7a64
Revises: 5e2a9c4d7f10
Create Date: 2026-11-26 03:11:14.203820
"""

from collections.abc import Sequence

from alembic import op

revision: str = "85c44ded7a64"
down_revision: str | None = "5e2a9c4d7f10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("revisions") as batch_op:
        batch_op.create_index("ix_revisions_created_at", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("revisions") as batch_op:
        batch_op.drop_index("ix_revisions_created_at")
