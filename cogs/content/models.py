"""Tables of the content feature: posts and where they went, their links, sign-ups, debates,
challenges and the UGC showcase."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime

Id = BigInteger().with_variant(Integer, "sqlite")
PlatformId = String(64)


class ContentPost(Base):
    """A post of the team: `draft`, `scheduled`, `published` or `cancelled`.

    `texts` holds one text per language; `step` the next step's details (`poll`: question and
    options; `link`: url). `source_key` names a post planned in `rules/content.toml`.
    """

    __tablename__ = "content_posts"
    __table_args__ = (
        # Named: the naming convention names an index by its first column only.
        Index("ix_content_posts_status", "community_id", "status"),
        Index("ix_content_posts_source", "community_id", "source_key", unique=True),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(16))
    community_ext: Mapped[str] = mapped_column(PlatformId)
    rubric: Mapped[str] = mapped_column(String(32))
    texts: Mapped[dict[str, str]] = mapped_column(JSON)
    step_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    step: Mapped[dict[str, Any]] = mapped_column(JSON)
    sponsored: Mapped[bool] = mapped_column(Boolean, default=False)
    media: Mapped[str] = mapped_column(String(500), default="")
    alt: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_by: Mapped[str] = mapped_column(PlatformId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    override_by: Mapped[str | None] = mapped_column(PlatformId, nullable=True)
    override_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    source_key: Mapped[str | None] = mapped_column(String(32), nullable=True)


class ContentDelivery(Base):
    """Where a post went: one row per community (`platform:id`) it was published in."""

    __tablename__ = "content_deliveries"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("content_posts.id", ondelete="CASCADE"), primary_key=True
    )
    target: Mapped[str] = mapped_column(String(100), primary_key=True)
    chat_id: Mapped[str] = mapped_column(PlatformId)
    message_id: Mapped[str | None] = mapped_column(PlatformId, nullable=True)
    poll_id: Mapped[int | None] = mapped_column(Id, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class ContentLink(Base):
    """A link of a post with its UTM tags: published as a tracked link (`/l/<id>`)."""

    __tablename__ = "content_links"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("content_posts.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(Text)
    tracked: Mapped[str] = mapped_column(Text)
    clicks: Mapped[int] = mapped_column(Integer, default=0)


class ContentSignup(Base):
    """A member who pressed a sign-up button: `subject` is `post:<id>` or `challenge:<id>`."""

    __tablename__ = "content_signups"

    subject: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(PlatformId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Debate(Base):
    """A for/against debate: two sides, members pick one, the result goes to the digest."""

    __tablename__ = "content_debates"
    __table_args__ = (Index(None, "community_id", "closed_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(16))
    community_ext: Mapped[str] = mapped_column(PlatformId)
    chat_id: Mapped[str] = mapped_column(PlatformId)
    message_id: Mapped[str | None] = mapped_column(PlatformId, nullable=True)
    question: Mapped[str] = mapped_column(Text)
    side_a: Mapped[str] = mapped_column(String(200))
    side_b: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[str] = mapped_column(PlatformId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class DebateVote(Base):
    """The side a member picked (0: A, 1: B); picking again changes it until the end."""

    __tablename__ = "content_debate_votes"

    debate_id: Mapped[int] = mapped_column(
        ForeignKey("content_debates.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(PlatformId, primary_key=True)
    side: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Challenge(Base):
    """A joint challenge with a deadline; members join with a button and post their result."""

    __tablename__ = "content_challenges"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(16))
    community_ext: Mapped[str] = mapped_column(PlatformId)
    chat_id: Mapped[str] = mapped_column(PlatformId)
    message_id: Mapped[str | None] = mapped_column(PlatformId, nullable=True)
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[str] = mapped_column(PlatformId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)


class ChallengeResult(Base):
    """A participant's posted result: counted as UGC for the digest and the hero of the week."""

    __tablename__ = "content_challenge_results"

    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("content_challenges.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(PlatformId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Featured(Base):
    """A member's post a moderator featured in the UGC showcase."""

    __tablename__ = "content_featured"
    __table_args__ = (
        Index("ix_content_featured_message", "community_id", "chat_id", "message_id", unique=True),
        Index("ix_content_featured_at", "community_id", "at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(PlatformId)
    name: Mapped[str] = mapped_column(String(100))
    chat_id: Mapped[str] = mapped_column(PlatformId)
    message_id: Mapped[str] = mapped_column(PlatformId)
    excerpt: Mapped[str] = mapped_column(Text)
    featured_by: Mapped[str] = mapped_column(PlatformId)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Discussion(Base):
    """Where members discuss a post or a debate (`subject` is `post:<id>` or `debate:<id>`):
    the reply chain of `message_id` in `chat_id`, and the thread opened on it (`thread_id`: a
    Discord thread, a Telegram forum topic), if any."""

    __tablename__ = "content_discussions"
    __table_args__ = (Index("ix_content_discussions_opened", "opened_at"),)

    subject: Mapped[str] = mapped_column(String(40), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(PlatformId, primary_key=True)
    message_id: Mapped[str] = mapped_column(PlatformId)
    thread_id: Mapped[str | None] = mapped_column(PlatformId, nullable=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DiscussionReply(Base):
    """A member's message in a discussion (a reply to the post, or a message in its thread)."""

    __tablename__ = "content_replies"

    subject: Mapped[str] = mapped_column(String(40), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(PlatformId, primary_key=True)
    message_id: Mapped[str] = mapped_column(PlatformId, primary_key=True)
    user_id: Mapped[str] = mapped_column(PlatformId)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
