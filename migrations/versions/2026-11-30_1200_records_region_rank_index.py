"""Index records (region_code, rank, id): covering for the region facet and ?region=, so the
facet counts each region's records from the index, in region order, instead of reading every
record's row (595 -> ~190 ms at 100k sentences on SQLite). It replaces the index on region_code
alone, which is its prefix.

Revision ID: e4b9c2d17f30
Revises: a7d3e1f0c9b2
Create Date: 2026-11-26 05:50:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "e4b9c2d17f30"
down_revision: str | None = "a7d3e1f0c9b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("records") as batch_op:
        batch_op.create_index(
            "ix_records_region_code_rank_id", ["region_code", "rank", "id"], unique=False
        )
        batch_op.drop_index("ix_records_region_code")


def downgrade() -> None:
    with op.batch_alter_table("records") as batch_op:
        batch_op.create_index("ix_records_region_code", ["region_code"], unique=False)
        batch_op.drop_index("ix_records_region_code_rank_id")
