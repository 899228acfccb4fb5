"""The metrics' own tables: the bot's posts per day, and weekly D7/D30 cohorts whose figures
can no longer change.

A cohort week's D7 is final once day 13 after its last member's first day is over, its D30
once day 36 is: from then on the ledger cannot change it, so it is computed once and kept,
and a year of cohort tables reads one row a week. Weeks still open are computed live. Rows are
a cache of the ledger and the members table: deleting them only makes the next read compute
them again (one week per write, so rebuilding never holds the write lock long).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime

RowId = BigInteger().with_variant(Integer, "sqlite")


class CohortWeek(Base):
    """One community's cohort of one local week (Monday `week`): its size, how many came back
    in days 7–13 (`d7`) and 30–36 (`d30`, None until that is final) after their first day."""

    __tablename__ = "metrics_cohorts"

    community_id: Mapped[int] = mapped_column(
        RowId, ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    week: Mapped[date] = mapped_column(Date, primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    d7: Mapped[int] = mapped_column(Integer)
    d30: Mapped[int | None] = mapped_column(Integer, nullable=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BotPostsDay(Base):
    """The bot's own posts in a community on one local day, by the next step they ask for
    (`kind` "" for a post without one): the share of posts with a next step."""

    __tablename__ = "metrics_bot_posts"

    community_id: Mapped[int] = mapped_column(
        RowId, ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    posts: Mapped[int] = mapped_column(Integer, default=0)
