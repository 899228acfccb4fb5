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
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from bot.core.durations import parse_duration
from bot.core.errors import CommandError
from bot.i18n import t
from cogs.polls.rules import PollRules

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
_FLAG = re.compile(r"--([A-Za-z][\w-]*)")
# A head token that is meant as a duration: digits with letters (0s, 10x, 1h30m), not an
# ordinal (1st, 2nd) and not a plain number (2024).
_DURATION_LIKE = re.compile(r"(?:\d+[^\W\d_]+)+")
_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th)", re.IGNORECASE)
_TOKEN = re.compile(r"\s*(\S+)")
# Opening quote -> the quotes that may close it.
_QUOTE_PAIRS = {
    '"': '"',
    "'": "'",
    "“": '”“"',
    "«": "»",
    "„": '“”"',
}
_CUSTOM_EMOJI = re.compile(r"<a?:\w+:\d+>")
_EMOJI_JOINERS = frozenset("\ufe0f\ufe0e\u200d\u20e3")


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


def _fail(locale: str, kind: Kind, key: str, **params: object) -> CommandError:
    return CommandError(key, usage=t(locale, f"polls.usage.{kind}"), **params)


def parse_poll(raw: str, kind: Kind, rules: PollRules, locale: str) -> PollSpec:
    """Parse the argument text of a poll command; raise CommandError with a clear message."""
    text = raw.strip()
    if not text:
        raise _fail(locale, kind, "polls.errors.empty")
    duration, flags, start = _read_head(text, kind, rules, locale)
    segments = _split(text[start:])
    if len(segments) < 2:
        raise _fail(locale, kind, "polls.errors.no_options")
    explanation = ""
    # --explain is the one flag that comes last: after the final option; the explanation is
    # everything after it, `|` included.
    for index in range(1, len(segments)):
        segment = segments[index]
        found = _EXPLAIN.search(segment, _past_quote(segment))
        if found is None:
            continue
        if "explain" not in FLAGS[kind]:
            raise _fail(locale, kind, "polls.errors.explain_only_quiz")
        tail = "|".join([segment[found.end() :], *segments[index + 1 :]])
        segments, explanation = [*segments[:index], segment[: found.start()]], tail.strip()
        if not explanation:
            raise _fail(locale, kind, "polls.errors.explain_empty")
        break
    question = _unquote(segments[0])
    if not question:
        raise _fail(locale, kind, "polls.errors.no_question")
    if len(question) > MAX_QUESTION:
        raise _fail(locale, kind, "polls.errors.question_long", most=MAX_QUESTION)
    if not rules.min_duration <= duration <= rules.max_duration:
        raise _fail(
            locale,
            kind,
            "polls.errors.duration_range",
            shortest=rules.min_duration,
            longest=rules.max_duration,
        )
    options = [" ".join(_unquote(p).split()) for p in segments[1:]]
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
        options[correct] = _unquote(options[correct][1:])
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
    # Compared before A/B adds its labels, which would make "A. same" and "B. same" differ.
    keys = [o.casefold() for o in (emojis or options)]
    if len(set(keys)) != len(keys):
        raise _fail(locale, kind, "polls.errors.duplicate")
    if kind == "ab":
        options = [f"A. {options[0]}", f"B. {options[1]}"]
    too_long = next((o for o in options if len(o) > MAX_OPTION), None)
    if too_long is not None:
        raise _fail(locale, kind, "polls.errors.option_long", most=MAX_OPTION)
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


def _past_quote(segment: str) -> int:
    """Where a segment's leading quoted text ends (0 when it does not start with a quote)."""
    lead = len(segment) - len(segment.lstrip())
    opener = segment[lead : lead + 1]
    if opener not in _QUOTE_PAIRS:
        return 0
    closed = _closing(opener).search(segment, lead + 1)
    return closed.end() if closed is not None else 0


def _closing(opener: str) -> re.Pattern[str]:
    """The quote closing `opener`, followed by the next `|`, the end, or --explain."""
    closers = re.escape(_QUOTE_PAIRS[opener])
    return re.compile(rf"[{closers}](?=\s*(?:\||$|--explain(?:\s|$)))", re.IGNORECASE)


def _is_emoji(token: str) -> bool:
    """A Unicode emoji (with its modifiers and joiners) or a custom one like <:name:id>."""
    if _CUSTOM_EMOJI.fullmatch(token):
        return True
    base = False
    for index, ch in enumerate(token):
        code = ord(ch)
        if ch in _EMOJI_JOINERS or 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F:
            continue  # variation selectors, ZWJ, keycap, skin tones, flag tags
        if ch in "0123456789#*" and token[index + 1 :].lstrip("\ufe0f").startswith("\u20e3"):
            base = True  # a keycap: 1️⃣, #️⃣
            continue
        if code < 0x80:
            return False  # ASCII punctuation such as ! or ? is not an emoji
        if (
            unicodedata.category(ch) == "So"
            or 0x1F000 <= code <= 0x1FAFF
            or 0x2600 <= code <= 0x27BF
            or 0x2B00 <= code <= 0x2BFF
        ):
            base = True
            continue
        return False
    return base


def _split(text: str) -> list[str]:
    """Split on `|`, except inside a quoted question or option ("Tabs | spaces?")."""
    segments: list[str] = []
    start = position = 0
    while True:
        lead = len(text) - len(text[position:].lstrip())
        opener = text[lead] if lead < len(text) else ""
        if opener in _QUOTE_PAIRS:
            match = _closing(opener).search(text, lead + 1)
            if match is not None:
                position = match.end()
        bar = text.find("|", position)
        if bar < 0:
            segments.append(text[start:])
            return segments
        segments.append(text[start:bar])
        start = position = bar + 1


def _unquote(segment: str) -> str:
    text = segment.strip()
    if len(text) >= 2 and text[0] in _QUOTE_PAIRS and text[-1] in _QUOTE_PAIRS[text[0]]:
        return text[1:-1].strip()
    return text


def _read_head(
    text: str, kind: Kind, rules: PollRules, locale: str
) -> tuple[timedelta, set[str], int]:
    """Flags and the duration before the question, in any order; where the question starts.

    Only the head holds flags: once the question begins, `--public` is just text.
    """
    duration: timedelta | None = None
    flags: set[str] = set()
    position = 0
    while True:
        match = _TOKEN.match(text, position)
        if match is None:
            return duration or rules.default_duration, flags, position
        token = match.group(1)
        flag = _FLAG.fullmatch(token)
        if flag is not None:
            name = flag.group(1).lower()
            if name == "explain":
                key = "explain_place" if kind == "quiz" else "explain_only_quiz"
                raise _fail(locale, kind, f"polls.errors.{key}")
            if name not in FLAGS[kind]:
                known = ", ".join(f"--{f}" for f in sorted(FLAGS[kind]))
                raise _fail(locale, kind, "polls.errors.unknown_flag", flag=token, known=known)
            flags.add(name)
        elif duration is None and _DURATION_LIKE.fullmatch(token) and not _ORDINAL.fullmatch(token):
            try:
                duration = parse_duration(token)
            except ValueError:
                raise _fail(locale, kind, "polls.errors.duration_bad", value=token) from None
        else:
            return duration or rules.default_duration, flags, match.start(1)
        position = match.end()
