"""`rules/content.toml`: rubrics and templates, the checklist's limits, UTM tags, file posts."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from bot.rules.models import Channels, LocalisedText, RuleFile
from cogs.content.media import MediaError, check_name

Locale = Literal["kk", "ru", "en"]
StepKind = Literal["poll", "question", "thread", "signup", "link"]
STEP_KINDS: tuple[str, ...] = ("poll", "question", "thread", "signup", "link")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_COMMUNITY = re.compile(r"^[a-z]+:-?[\w-]{1,64}$")
_URL = r"^https?://\S+$"


class Rubric(RuleFile):
    """One rubric: its title, the structure its posts fill in, and the next step it suggests."""

    title: LocalisedText
    template: LocalisedText
    # Long reads and guides: three heavy posts in a row draw a rhythm warning.
    heavy: bool = False
    suggest: StepKind = "question"
    # What the suggestion says to write, e.g. "/post next N poll Which myth next? | … | …".
    hint: LocalisedText


class Utm(RuleFile):
    """UTM tags added to every link of a post (`{rubric}` becomes the post's rubric)."""

    enabled: bool = True
    source: str = Field(default="kenes", min_length=1, max_length=64)
    medium: str = Field(default="community", min_length=1, max_length=64)
    campaign: str = Field(default="{rubric}", min_length=1, max_length=64)


class FileStep(RuleFile):
    """The next step of a post written in the rule file."""

    kind: StepKind
    # poll: the question and 2-10 options; link: the guide or FAQ address.
    question: str = Field(default="", max_length=300)
    options: tuple[str, ...] = Field(default=(), max_length=10)
    url: str = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _complete(self) -> FileStep:
        if self.kind == "poll" and (not self.question or len(self.options) < 2):
            raise ValueError("a poll needs `question` and at least two `options`")
        if self.kind == "link" and not re.match(_URL, self.url):
            raise ValueError("a link needs `url` starting with https:// or http://")
        return self


class FilePost(RuleFile):
    """A post planned in the rule file; Kenes drafts it once (by `key`) and schedules it."""

    key: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    community: str = Field(pattern=_COMMUNITY.pattern)
    rubric: str = Field(pattern=_NAME.pattern)
    # With an offset, "2026-01-09T18:00:00+05:00"; left out, the post stays a draft.
    at: datetime | None = None
    text: dict[Locale, str] = Field(min_length=1)
    next: FileStep | None = None
    sponsored: bool = False
    media: str = Field(default="", max_length=500)
    alt: str = Field(default="", max_length=1000)

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give the time with its offset, e.g. 2026-01-09T18:00:00+05:00")
        return value

    @field_validator("media")
    @classmethod
    def _media(cls, value: str, info: ValidationInfo) -> str:
        """An https:// address stays a link; a path names a file of the rules folder to upload."""
        if not value or re.match(_URL, value):
            return value
        path = PurePosixPath(value)
        if path.is_absolute() or ".." in path.parts or "\\" in value:
            raise ValueError(
                f"{value!r}: give a path inside the rules folder (e.g. content/media/chart.png) "
                "or an https:// address"
            )
        try:
            check_name(path.name)
        except MediaError as exc:
            raise ValueError(str(exc)) from None
        rules_dir = (info.context or {}).get("rules_dir")
        if isinstance(rules_dir, Path) and not (rules_dir / value).is_file():
            raise ValueError(f"{value!r} is not in the rules folder: put the file at {value}")
        return value

    @field_validator("text")
    @classmethod
    def _texts(cls, value: dict[str, str]) -> dict[str, str]:
        for locale, text in value.items():
            if not text.strip() or len(text) > 8000:
                raise ValueError(f"text.{locale} must be 1-8000 characters")
        return value


class ContentRules(Channels):
    """`rules/content.toml`."""

    enabled: bool = True
    # Languages every post must have besides the community's own, e.g. ["kk", "ru"].
    languages: tuple[Locale, ...] = ()
    # Checklist: texts longer than this need a short summary line first (a first paragraph
    # of at most `summary_length` characters).
    long_text: int = Field(default=600, ge=100, le=8000)
    summary_length: int = Field(default=200, ge=20, le=500)
    # Rhythm warnings: this many heavy posts in a row, more than this many posts a day in a chat.
    heavy_in_a_row: int = Field(default=3, ge=2, le=10)
    posts_per_day: int = Field(default=3, ge=1, le=50)
    # How long a post's poll stays open, and how long debates and challenges run by default.
    poll_hours: int = Field(default=24, ge=1, le=720)
    debate_hours: int = Field(default=48, ge=1, le=720)
    challenge_days: int = Field(default=7, ge=1, le=90)
    # Largest media file a post uploads (MB); Telegram takes photos up to 10 MB and files up to
    # 50 MB from bots, Discord 10 MB on a server without boosts.
    media_max_mb: int = Field(default=8, ge=1, le=50)
    utm: Utm = Utm()
    # The same community on several platforms: a post drafted in one goes out in all of them.
    linked: tuple[tuple[str, ...], ...] = Field(default=(), max_length=100)
    rubrics: dict[str, Rubric] = Field(default_factory=dict, max_length=50)
    posts: tuple[FilePost, ...] = Field(default=(), max_length=500)

    @field_validator("linked")
    @classmethod
    def _linked(cls, value: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
        seen: set[str] = set()
        for group in value:
            for ref in group:
                if _COMMUNITY.match(ref) is None:
                    raise ValueError(
                        f"{ref!r} must look like 'platform:id', e.g. 'telegram:-100123'"
                    )
                if ref in seen:
                    raise ValueError(f"{ref!r} is in two groups; a community is in one at most")
                seen.add(ref)
        return value

    @field_validator("rubrics")
    @classmethod
    def _rubric_names(cls, value: dict[str, Rubric]) -> dict[str, Rubric]:
        for name in value:
            if _NAME.match(name) is None:
                raise ValueError(f"rubric name {name!r} must be lowercase a-z, 0-9, _")
        return value

    @model_validator(mode="after")
    def _known_rubrics(self) -> ContentRules:
        keys: set[str] = set()
        for index, post in enumerate(self.posts):
            if post.rubric not in self.rubrics:
                raise ValueError(
                    f"posts.{index}: unknown rubric {post.rubric!r}; known: "
                    + ", ".join(sorted(self.rubrics))
                )
            if post.key in keys:
                raise ValueError(f"posts.{index}: key {post.key!r} is used twice")
            keys.add(post.key)
        return self

    def linked_to(self, community: str) -> tuple[str, ...]:
        """The community and the others it is linked with, itself first."""
        for group in self.linked:
            if community in group:
                return (community, *(ref for ref in group if ref != community))
        return (community,)
