"""Index sentence_stats (measure, period_start, id): ?measure= in the list's order, so a page
reads its rows from the index instead of sorting every match. It replaces the index on measure
alone, which is its prefix.

Revision ID: a7d3e1f0c9b2
Revises: c7e1a9d40b52
Create Date: 2026-11-26 04:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "a7d3e1f0c9b2"
down_revision: str | None = "c7e1a9d40b52"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sentence_stats") as batch_op:
        batch_op.create_index(
            "ix_sentence_stats_measure_period_start_id",
            ["measure", "period_start", "id"],
            unique=False,
        )
        batch_op.drop_index("ix_sentence_stats_measure")


def downgrade() -> None:
    with op.batch_alter_table("sentence_stats") as batch_op:
        batch_op.create_index("ix_sentence_stats_measure", ["measure"], unique=False)
        batch_op.drop_index("ix_sentence_stats_measure_period_start_id")
