"""A moderation case keeps the link to the message it is about

Revision ID: 0029
Revises: 0020
Create Date: 2026-11-29 06:20:00

The dashboard's recent cases link to the message that was acted on (a Discord
`https://discord.com/channels/<guild>/<channel>/<message>` or a Telegram `https://t.me/...`
link). Cases written before this revision, and cases without a message (a moderator's command
on a member), keep it empty.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mod_cases") as batch:
        batch.add_column(sa.Column("link", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mod_cases") as batch:
        batch.drop_column("link")
