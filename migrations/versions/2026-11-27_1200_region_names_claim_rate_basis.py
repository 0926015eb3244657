"""Regions: the English name is ``name``, the ISO 3166-2 romanisation ``name_iso``; claims get an
optional ``rate_basis`` (a claim such as "71 requests a day" is a rate, like a court statistic).

The region columns are renamed, not refilled: ``name`` held the ISO name and ``name_en`` the
English one, so the data moves with the names and nothing needs reloading.

Revision ID: 3c1f0e9a7b21
Revises: 8db868ba9708
Create Date: 2026-11-27 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c1f0e9a7b21"
down_revision: str | None = "8db868ba9708"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("regions") as batch:
        batch.alter_column("name", new_column_name="name_iso", existing_type=sa.String(120))
    with op.batch_alter_table("regions") as batch:
        batch.alter_column("name_en", new_column_name="name", existing_type=sa.String(120))
    op.add_column("claims", sa.Column("rate_basis", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("rate_basis")
    with op.batch_alter_table("regions") as batch:
        batch.alter_column("name", new_column_name="name_en", existing_type=sa.String(120))
    with op.batch_alter_table("regions") as batch:
        batch.alter_column("name_iso", new_column_name="name", existing_type=sa.String(120))
