"""The one-line poll syntax shared by /poll, /quiz, /ab and /reactpoll.

    /poll [duration] [--multi] [--public] [--buttons] Question? | option | option ...
    /quiz [duration] Question? | wrong | *right | wrong --explain Why it is right.
    /ab [duration] Question? | first choice | second choice
    /reactpoll [duration] [--multi] Question? | 👍 option | 🎉 option

Everything arrives as one Rest argument, so it works the same as typed text and as a Discord
slash-command option. Errors name what is wrong and show a working example.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from bot.core.durations import describe_duration, parse_duration
from bot.core.errors import CommandError
from bot.i18n import t
from bot.rules.polls import PollRules

Kind = Literal["poll", "quiz", "ab", "react"]
MAX_OPTIONS = 10
MAX_OPTION = 100  # Telegram's limit for a poll option; keeps every platform happy
MAX_QUESTION = 300
FLAGS: dict[Kind, frozenset[str]] = {
    "poll": frozenset({"multi", "public", "anon", "buttons"}),
    "quiz": frozenset({"public", "anon", "buttons", "explain"}),
    "ab": frozenset({"public", "anon", "buttons"}),
    "react": frozenset({"multi"}),
}
_EXPLAIN = re.compile(r"(?:^|\s)--explain(?:\s+|$)", re.IGNORECASE)
_FLAG = re.compile(r"(?:^|(?<=\s))--([A-Za-z][\w-]*)(?=\s|$)")
_QUOTES = "\"'“”«»„"


@dataclass(frozen=True, slots=True)
class PollSpec:
    """A parsed, validated poll request."""

    kind: Kind
    question: str
    options: tuple[str, ...]
    duration: timedelta
    multiple: bool = False
    anonymous: bool | None = None
    buttons: bool = False
    correct: int | None = None
    explanation: str = ""
    emojis: tuple[str, ...] = ()


def human_duration(delta: timedelta, locale: str) -> str:
    """ "30 days" rather than "4w2d", in the community's language."""
    return describe_duration(delta, locale)


def _fail(locale: str, kind: Kind, key: str, **params: object) -> CommandError:
    return CommandError(key, usage=t(locale, f"polls.usage.{kind}"), **params)


def _is_emoji(token: str) -> bool:
    return bool(token) and not any(ch.isalnum() for ch in token)


def parse_poll(raw: str, kind: Kind, rules: PollRules, locale: str) -> PollSpec:
    """Parse the argument text of a poll command; raise CommandError with a clear message."""
    text = raw.strip()
    if not text:
        raise _fail(locale, kind, "polls.errors.empty")
    explanation = ""
    found = _EXPLAIN.search(text)
    if found is not None:
        if "explain" not in FLAGS[kind]:
            raise _fail(locale, kind, "polls.errors.explain_only_quiz")
        text, explanation = text[: found.start()], text[found.end() :].strip()
        if not explanation:
            raise _fail(locale, kind, "polls.errors.explain_empty")
    flags = {f.lower() for f in _FLAG.findall(text)}
    unknown = sorted(flags - FLAGS[kind])
    if unknown:
        known = ", ".join(f"--{f}" for f in sorted(FLAGS[kind]))
        raise _fail(locale, kind, "polls.errors.unknown_flag", flag=f"--{unknown[0]}", known=known)
    text = _FLAG.sub(" ", text)
    if "|" not in text:
        raise _fail(locale, kind, "polls.errors.no_options")
    head, *parts = (p.strip() for p in text.split("|"))
    duration, question = _head(head, rules, locale, kind)
    options = [" ".join(p.split()) for p in parts]
    if any(not o for o in options):
        raise _fail(locale, kind, "polls.errors.empty_option")
    want_min, want_max = (2, 2) if kind == "ab" else (2, MAX_OPTIONS)
    if not want_min <= len(options) <= want_max:
        key = "polls.errors.ab_two" if kind == "ab" else "polls.errors.option_count"
        raise _fail(locale, kind, key, count=len(options), most=MAX_OPTIONS)
    correct = None
    if kind == "quiz":
        marked = [i for i, o in enumerate(options) if o.startswith("*")]
        if len(marked) != 1:
            raise _fail(locale, kind, "polls.errors.quiz_correct", count=len(marked))
        correct = marked[0]
        options[correct] = options[correct][1:].strip()
        if not options[correct]:
            raise _fail(locale, kind, "polls.errors.empty_option")
    emojis: list[str] = []
    if kind == "react":
        for index, option in enumerate(options):
            first, _, rest = option.partition(" ")
            if not _is_emoji(first):
                raise _fail(locale, kind, "polls.errors.react_emoji", option=option)
            emojis.append(first)
            options[index] = f"{first} {rest.strip()}".strip()
    if kind == "ab":
        options = [f"A. {options[0]}", f"B. {options[1]}"]
    too_long = next((o for o in options if len(o) > MAX_OPTION), None)
    if too_long is not None:
        raise _fail(locale, kind, "polls.errors.option_long", most=MAX_OPTION)
    keys = [o.casefold() for o in (emojis or options)]
    if len(set(keys)) != len(keys):
        raise _fail(locale, kind, "polls.errors.duplicate")
    return PollSpec(
        kind=kind,
        question=question,
        options=tuple(options),
        duration=duration,
        multiple="multi" in flags,
        anonymous=False if "public" in flags else (True if "anon" in flags else None),
        buttons="buttons" in flags,
        correct=correct,
        explanation=explanation,
        emojis=tuple(emojis),
    )


def _head(head: str, rules: PollRules, locale: str, kind: Kind) -> tuple[timedelta, str]:
    """`[duration] question` before the first `|`."""
    duration = rules.default_duration
    first, _, rest = head.partition(" ")
    try:
        duration = parse_duration(first)
    except ValueError:
        rest = head
    question = rest.strip().strip(_QUOTES).strip()
    if not question:
        raise _fail(locale, kind, "polls.errors.no_question")
    if len(question) > MAX_QUESTION:
        raise _fail(locale, kind, "polls.errors.question_long", most=MAX_QUESTION)
    if not rules.min_duration <= duration <= rules.max_duration:
        raise _fail(
            locale,
            kind,
            "polls.errors.duration_range",
            least=human_duration(rules.min_duration, locale),
            most=human_duration(rules.max_duration, locale),
        )
    return duration, question
