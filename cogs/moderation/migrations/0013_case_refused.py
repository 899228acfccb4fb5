"""A moderation case whose action the platform refused says so

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 00:50:00

A ban of someone ranked above the bot used to leave a case that read as done. Rows written
before this revision keep `refused` empty: whether they were refused is not known.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mod_cases") as batch:
        batch.add_column(sa.Column("refused", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mod_cases") as batch:
        batch.drop_column("refused")
