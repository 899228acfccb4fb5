"""Pydantic models of `rules/moderation.toml`: stop-words, regexes, limits, slow-mode, ladder."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from bot.core.durations import parse_duration
from bot.rules.models import LocalisedText, RuleFile
from cogs.moderation.regex import MAX_REGEX_TOTAL, compile_regex, regex_size

# What a rule does when it matches. Every kind but `log` removes the offending message.
KINDS = ("log", "delete", "warn", "mute", "kick", "ban")
ACTION_PATTERN = r"^(log|delete|warn|mute|kick|ban)(\s+\d+[smhdw](\d+[smhdw])*)?$"
RULE_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"


def _action_text(value: str) -> str:
    parse_action(value)  # raises ValueError with a hint people can act on, not the regex
    return value


def _rule_id(value: str) -> str:
    if not re.match(RULE_ID_PATTERN, value):
        raise ValueError(
            f"{value!r} is not a rule id: use up to 40 lower-case letters, digits, - and _, "
            "starting with a letter or digit (e.g. spam-links)"
        )
    return value


# The pattern stays in the JSON Schema for editors; validation gives the friendlier message.
ActionText = Annotated[
    str,
    AfterValidator(_action_text),
    Field(
        json_schema_extra={"pattern": ACTION_PATTERN},
        description="log, delete, warn, mute <duration>, kick, ban [duration]; e.g. 'mute 10m'",
    ),
]
RuleId = Annotated[
    str, AfterValidator(_rule_id), Field(json_schema_extra={"pattern": RULE_ID_PATTERN})
]
Title = Annotated[str, Field(min_length=1, max_length=100)]
Points = Annotated[int, Field(ge=0, le=1000)]


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """A parsed action: `kind` and, for mute and ban, how long (None: until lifted)."""

    kind: str
    duration: timedelta | None = None

    @property
    def severity(self) -> int:
        return KINDS.index(self.kind)

    @property
    def removes(self) -> bool:
        return self.kind != "log"


def parse_action(text: str) -> ActionSpec:
    """`mute 10m` → ActionSpec("mute", 10 minutes); raise ValueError with a hint."""
    if not re.match(ACTION_PATTERN, text.strip()):
        raise ValueError(f"{text!r} is not an action; write e.g. delete, warn, 'mute 10m', ban")
    kind, _, rest = text.strip().partition(" ")
    duration = parse_duration(rest) if rest.strip() else None
    if kind == "mute" and duration is None:
        duration = timedelta(minutes=10)
    return ActionSpec(kind, duration)


class Exemptions(RuleFile):
    """Who a rule leaves alone: platform role names and channel ids."""

    roles: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()


class _Rule(RuleFile):
    action: ActionText = "delete"
    points: Points = 1
    dry_run: bool = Field(default=False, description="log what would happen, do nothing")
    exempt: Exemptions = Exemptions()

    @property
    def act(self) -> ActionSpec:
        return parse_action(self.action)


class WordList(_Rule):
    """A stop-word list: entries inline and/or in files (one entry per line, `#` comments).

    An entry is a whole word or phrase; `*` at its start or end opts into partial matches
    (`scam*` also matches `scammer`). A line may override the list's action: `word | ban`.
    """

    id: RuleId
    # What members read as the rule's name ("spam and profanity"), per language or one string;
    # without it they read "listed words", never the id.
    title: Title | LocalisedText | None = None
    language: Literal["kk", "ru", "en", "any"] = "any"
    words: tuple[str, ...] = ()
    files: tuple[str, ...] = ()


class AllowList(RuleFile):
    """Words that must never match, even inside a wildcard entry (the Scunthorpe problem)."""

    words: tuple[str, ...] = ()
    files: tuple[str, ...] = ()


class RegexRule(_Rule):
    """An admin regular expression, run by RE2, within a size budget.

    RE2 is linear in the text but not in the pattern: its worst case is about (program size) x
    (text length) steps, and `(?s).{0,1000}x.{0,1000}y` compiles to 16,006 instructions (up to
    2 s per message). Each pattern and the whole set therefore have an instruction budget.
    """

    id: RuleId
    title: Title | LocalisedText | None = None  # the name members read; else the id
    pattern: str = Field(min_length=1, max_length=2000)
    on: Literal["text", "normalised"] = "text"
    ignore_case: bool = True

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        compile_regex(value, ignore_case=True)
        return value


class FloodLimit(_Rule):
    enabled: bool = True
    messages: int = Field(default=6, ge=2, le=50)
    seconds: int = Field(default=10, ge=1, le=3600)


class DuplicateLimit(_Rule):
    enabled: bool = True
    count: int = Field(default=3, ge=2, le=20)
    seconds: int = Field(default=120, ge=1, le=86400)
    min_length: int = Field(
        default=6, ge=1, le=4000, description="shorter messages ('ok', '+1') are fine"
    )


class MentionLimit(_Rule):
    enabled: bool = True
    per_message: int = Field(default=5, ge=1, le=100)
    per_window: int = Field(default=10, ge=1, le=1000)
    seconds: int = Field(default=60, ge=1, le=3600)


class LinkLimit(_Rule):
    enabled: bool = True
    deny_domains: tuple[str, ...] = ()
    allow_domains: tuple[str, ...] = ()
    newcomer_hours: int = Field(default=24, ge=0, le=24 * 90)


class CapsLimit(_Rule):
    enabled: bool = False
    min_letters: int = Field(default=16, ge=4, le=4000)
    ratio: float = Field(default=0.8, gt=0, le=1)


class EmojiLimit(_Rule):
    enabled: bool = True
    max: int = Field(default=15, ge=1, le=500)


class Limits(RuleFile):
    flood: FloodLimit = FloodLimit(action="mute 5m", points=2)
    duplicates: DuplicateLimit = DuplicateLimit()
    mentions: MentionLimit = MentionLimit(points=2)
    links: LinkLimit = LinkLimit()
    caps: CapsLimit = CapsLimit(points=0)
    emoji: EmojiLimit = EmojiLimit()


class AutoSlowmode(RuleFile):
    """N violations in one channel within `window_seconds` → slow-mode for a while."""

    enabled: bool = True
    violations: int = Field(default=5, ge=1, le=1000)
    window_seconds: int = Field(default=60, ge=1, le=86400)
    seconds: int = Field(default=30, ge=1, le=21600)
    minutes: int = Field(default=10, ge=1, le=10080)


class Slowmode(RuleFile):
    auto: AutoSlowmode = AutoSlowmode()


class LadderStep(RuleFile):
    points: int = Field(ge=1, le=100000)
    action: ActionText

    @field_validator("action")
    @classmethod
    def _member_action(cls, value: str) -> str:
        if parse_action(value).kind in ("log", "delete"):
            raise ValueError("a ladder step must warn, mute, kick or ban")
        return value


class Ladder(RuleFile):
    """Points add up per member and halve every `half_life_hours`; crossing a step acts."""

    half_life_hours: float = Field(default=24.0, gt=0, le=24 * 365)
    manual_warn_points: Points = 3
    steps: tuple[LadderStep, ...] = (
        LadderStep(points=3, action="warn"),
        LadderStep(points=6, action="mute 1h"),
        LadderStep(points=10, action="kick"),
        LadderStep(points=15, action="ban"),
    )

    @field_validator("steps")
    @classmethod
    def _ascending(cls, steps: tuple[LadderStep, ...]) -> tuple[LadderStep, ...]:
        points = [s.points for s in steps]
        if points != sorted(set(points)):
            raise ValueError("steps must have strictly increasing points")
        return steps


class NameCheck(_Rule):
    """Display names of newcomers are checked against the stop-words on join."""

    enabled: bool = True
    action: ActionText = "log"
    points: Points = 0


class MixedScript(_Rule):
    """A word mixing Latin and Cyrillic letters (`pаypal`) is a spam signal worth reporting."""

    enabled: bool = True
    action: ActionText = "log"
    points: Points = 0


class Manipulation(_Rule):
    """Accounts that join and at once vote, react or press buttons in a burst (bought votes)."""

    enabled: bool = True
    action: ActionText = "log"
    points: Points = 0
    join_minutes: int = Field(default=60, ge=1, le=10080, description="who counts as just joined")
    votes: int = Field(default=5, ge=2, le=1000, description="votes in a burst")
    seconds: int = Field(default=60, ge=1, le=3600, description="the burst's window")
    discount_hours: int = Field(
        default=24, ge=1, le=24 * 30, description="how long a flagged member's votes count nothing"
    )


class SpamCommunity(RuleFile):
    """One community's own spam threshold and dry-run (keys are `platform:id`)."""

    threshold: float | None = Field(default=None, gt=0, lt=1)
    dry_run: bool | None = None


class SpamRules(_Rule):
    """The learned spam score: samples in `samples/spam.txt` and `samples/ham.txt` (one message
    a line), taught from chat with /spam and /notspam, applied without a restart."""

    enabled: bool = True
    action: ActionText = "delete"
    points: Points = 2
    samples: str = Field(default="samples", description="folder under rules/ with the samples")
    threshold: float = Field(default=0.8, gt=0, lt=1, description="score that acts")
    # The model scores each fifth of the samples with a model trained on the rest, and never
    # acts on members below the score that keeps this share of that ham untouched (a
    # newcomer's first messages excepted).
    false_positives: float = Field(
        default=0.005, ge=0, le=0.2, description="share of held-out ham the check may act on"
    )
    newcomer_threshold: float = Field(
        default=0.6, gt=0, lt=1, description="the score that acts on a newcomer's messages"
    )
    newcomer_messages: int = Field(
        default=5, ge=0, le=1000, description="a newcomer's first N messages are checked hardest"
    )
    trusted_messages: int = Field(
        default=30, ge=1, le=100000, description="members with this many clean messages pass"
    )
    communities: dict[str, SpamCommunity] = Field(default_factory=dict)

    def threshold_for(self, community: str, newcomer: bool) -> float:
        own = self.communities.get(community)
        base = own.threshold if own is not None and own.threshold is not None else self.threshold
        return min(base, self.newcomer_threshold) if newcomer else base

    def dry_run_for(self, community: str) -> bool:
        own = self.communities.get(community)
        return own.dry_run if own is not None and own.dry_run is not None else self.dry_run


class ModerationRules(RuleFile):
    """`rules/moderation.toml`: what the moderation stage checks and what it does."""

    dry_run: bool = Field(default=False, description="every rule only logs what it would do")
    exempt_level: Literal["moderator", "admin"] = "moderator"
    exempt: Exemptions = Exemptions()
    notice_seconds: int = Field(default=30, ge=5, le=3600)
    allow: AllowList = AllowList()
    stopwords: tuple[WordList, ...] = ()
    regex: tuple[RegexRule, ...] = Field(default=(), max_length=50)
    limits: Limits = Limits()
    slowmode: Slowmode = Slowmode()
    ladder: Ladder = Ladder()
    names: NameCheck = NameCheck()
    mixed_script: MixedScript = MixedScript()
    spam: SpamRules = SpamRules()
    manipulation: Manipulation = Manipulation()

    @model_validator(mode="after")
    def _unique_ids(self) -> ModerationRules:
        ids = [w.id for w in self.stopwords] + [r.id for r in self.regex]
        for rule_id in ids:
            if ids.count(rule_id) > 1:
                raise ValueError(f"rule id {rule_id!r} is used twice; ids must be unique")
        total = sum(regex_size(r.pattern, ignore_case=r.ignore_case) for r in self.regex)
        if total > MAX_REGEX_TOTAL:
            raise ValueError(
                f"the regex rules together compile to {total} RE2 instructions, more than the "
                f"{MAX_REGEX_TOTAL} every message can afford; remove some or make them simpler"
            )
        return self
