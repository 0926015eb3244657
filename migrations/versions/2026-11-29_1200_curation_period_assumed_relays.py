"""Curation standard (issue 10): a period's start or end may be flagged as assumed, on court
statistics and claims; record relations gain ``relays`` and ``translation_of``.

Existing rows were loaded without the flags, so they get false (the seed states every assumed
month since this revision; a reload sets them). The relation check constraint is replaced by
one naming the two new kinds; downgrade drops any row of them first, since the old constraint
would refuse it.

Revision ID: c7e1a9d40b52
Revises: 85c44ded7a64
Create Date: 2026-11-29 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c7e1a9d40b52"
down_revision: str | None = "85c44ded7a64"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = "'corroborates', 'contradicts', 'derived_from'"
NEW_KINDS = f"{OLD_KINDS}, 'relays', 'translation_of'"
PERIOD_TABLES = ("sentence_stats", "claims")


def upgrade() -> None:
    for table in PERIOD_TABLES:
        with op.batch_alter_table(table) as batch:
            for side in ("start", "end"):
                batch.add_column(
                    sa.Column(
                        f"period_{side}_assumed",
                        sa.Boolean(),
                        nullable=False,
                        server_default=sa.false(),
                    )
                )
    with op.batch_alter_table("record_relations") as batch:
        batch.drop_constraint(op.f("ck_record_relations_relation"), type_="check")
        batch.create_check_constraint(
            op.f("ck_record_relations_relation"), f"relation IN ({NEW_KINDS})"
        )


def downgrade() -> None:
    op.execute("DELETE FROM record_relations WHERE relation IN ('relays', 'translation_of')")
    with op.batch_alter_table("record_relations") as batch:
        batch.drop_constraint(op.f("ck_record_relations_relation"), type_="check")
        batch.create_check_constraint(
            op.f("ck_record_relations_relation"), f"relation IN ({OLD_KINDS})"
        )
    for table in PERIOD_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("period_end_assumed")
            batch.drop_column("period_start_assumed")
