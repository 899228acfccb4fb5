"""The console transcript language: one line, one thing that happens.

alice joins                  alice leaves
alice is moderator           (or admin, member)
alice: hello everyone        alice in #random: hi
alice replies to 3: +1       alice edits 3: fixed text
alice reacts 👍 to 3         alice unreacts 👍 on 3
alice dm: I need help        (a direct message to the bot)
alice attaches docs/media/fees.csv: /post media 1 | Fees   (a local file sent with the line)
alice presses vote:1 on 5    alice votes 1,3 in poll 7
as bob                       (then plain lines are said by bob)
in community kz              (then lines happen in community console:kz; the first is the default)
+10s  +5m  +2h  +3d          (time passes; scheduled work due in that span runs)
# a comment
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import timedelta

from bot.core.durations import parse_duration
from bot.core.permissions import Level


class TranscriptError(ValueError):
    """A line that is not in the transcript language; the message says how to write it."""


@dataclass(frozen=True, slots=True)
class Say:
    who: str | None
    text: str
    channel: str | None = None
    reply_to: int | None = None
    direct: bool = False
    attach: str | None = None  # a local file sent with the message (its path)


@dataclass(frozen=True, slots=True)
class Edit:
    who: str
    message: int
    text: str


@dataclass(frozen=True, slots=True)
class Join:
    who: str


@dataclass(frozen=True, slots=True)
class Leave:
    who: str


@dataclass(frozen=True, slots=True)
class SetRole:
    who: str
    level: Level


@dataclass(frozen=True, slots=True)
class React:
    who: str
    emoji: str
    message: int
    removed: bool = False


@dataclass(frozen=True, slots=True)
class Press:
    who: str
    custom_id: str
    message: int


@dataclass(frozen=True, slots=True)
class Vote:
    who: str
    poll: str
    options: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Advance:
    delta: timedelta


@dataclass(frozen=True, slots=True)
class SwitchSpeaker:
    who: str


@dataclass(frozen=True, slots=True)
class SwitchCommunity:
    community: str


Step = (
    Say | Edit | Join | Leave | SetRole | React | Press | Vote | Advance | SwitchSpeaker
    | SwitchCommunity
)  # fmt: skip

_NAME = r"(?P<who>[A-Za-z][\w.-]*)"
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"^{_NAME} joins$"), "join"),
    (re.compile(rf"^{_NAME} leaves$"), "leave"),
    (re.compile(rf"^{_NAME} is (?:an? )?(?P<level>member|moderator|admin)$"), "role"),
    (re.compile(rf"^{_NAME} (?P<un>un)?reacts (?P<emoji>\S+) (?:to|on) (?P<msg>\d+)$"), "react"),
    (re.compile(rf"^{_NAME} presses (?P<id>\S+) on (?P<msg>\d+)$"), "press"),
    (re.compile(rf"^{_NAME} votes (?P<opts>[\d, ]*?) ?in poll (?P<poll>\S+)$"), "vote"),
    (re.compile(rf"^{_NAME} edits (?P<msg>\d+): ?(?P<text>.*)$"), "edit"),
    (re.compile(rf"^{_NAME} replies to (?P<msg>\d+): ?(?P<text>.*)$"), "reply"),
    (re.compile(rf"^{_NAME} in #(?P<chan>[\w-]+): ?(?P<text>.*)$"), "say_in"),
    (re.compile(rf"^{_NAME} dm: ?(?P<text>.*)$"), "dm"),
    (re.compile(rf"^{_NAME} attaches (?P<path>[^\s:]+): ?(?P<text>.*)$"), "attach"),
    (re.compile(rf"^{_NAME}: ?(?P<text>.*)$"), "say"),
    (re.compile(rf"^as {_NAME}$"), "as"),
    (re.compile(r"^in community (?P<who>[\w.-]+)$"), "community"),
]


# How each directive is written, for a line that looks like one but does not parse.
_EXAMPLES = {
    "joins": "alice joins",
    "leaves": "alice leaves",
    "reacts": "alice reacts 👍 to 3",
    "unreacts": "alice unreacts 👍 on 3",
    "presses": "alice presses vote:1 on 5",
    "votes": "alice votes 1,3 in poll 7",
    "edits": "alice edits 3: new text",
    "replies": "alice replies to 3: agreed",
}
_LEVELS = ("member", "moderator", "admin")
_ALIASES = {"join": "joins", "joined": "joins", "leave": "leaves", "left": "leaves"}
_WHO = re.compile(r"^[A-Za-z][\w.-]*$")


def _close(word: str, options: tuple[str, ...] | list[str]) -> str | None:
    found = difflib.get_close_matches(word.lower(), options, n=1, cutoff=0.75)
    return found[0] if found else None


def _near_directive(text: str) -> str | None:
    """The example of the directive `text` seems to attempt, or None for an ordinary line.

    Only lines shaped like a directive count: a name, a word close to a directive's verb and,
    for those that point at a message, a number; "bob is happy" stays something said."""
    words = text.split()
    if len(words) < 2 or not _WHO.match(words[0]) or ":" in words[0]:
        return None
    second = words[1].lower()
    if second == "is" and len(words) == 3 and _close(words[2], _LEVELS):
        return "alice is moderator (member, moderator or admin)"
    verb = _ALIASES.get(second) or _close(second, list(_EXAMPLES))
    rest = words[2:]
    if verb in ("joins", "leaves"):
        return _EXAMPLES[verb] if not rest else None
    # Directives that point at a message end in "to/on <n>", or have "<n>:" before the text.
    points = (len(rest) >= 2 and rest[-2] in ("to", "on") and rest[-1].isdigit()) or any(
        re.fullmatch(r"\d+:", w) for w in rest
    )
    if verb in ("reacts", "unreacts", "presses", "edits", "replies") and points:
        return _EXAMPLES[verb]
    if verb == "votes" and rest and rest[-1].isdigit() and len(rest) >= 2:
        return _EXAMPLES[verb]
    return None


def parse_line(line: str) -> Step | None:
    """Parse one transcript line; None for blank lines and comments."""
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    if text.startswith("+"):
        try:
            return Advance(parse_duration(text[1:]))
        except ValueError:
            raise TranscriptError(f"{text!r}: time steps look like +10s, +5m, +2h or +3d") from None
    for pattern, kind in _PATTERNS:
        match = pattern.match(text)
        if match is None:
            continue
        who = match.group("who").lower()
        if kind == "join":
            return Join(who)
        if kind == "leave":
            return Leave(who)
        if kind == "role":
            return SetRole(who, Level[match.group("level").upper()])
        if kind == "react":
            return React(who, match.group("emoji"), int(match.group("msg")), bool(match["un"]))
        if kind == "press":
            return Press(who, match.group("id"), int(match.group("msg")))
        if kind == "vote":
            raw = [p for p in re.split(r"[,\s]+", match.group("opts")) if p]
            return Vote(who, match.group("poll"), tuple(int(p) for p in raw))
        if kind == "edit":
            return Edit(who, int(match.group("msg")), match.group("text"))
        if kind == "reply":
            return Say(who, match.group("text"), reply_to=int(match.group("msg")))
        if kind == "say_in":
            return Say(who, match.group("text"), channel=match.group("chan"))
        if kind == "dm":
            return Say(who, match.group("text"), direct=True)
        if kind == "attach":
            return Say(who, match.group("text"), attach=match.group("path"))
        if kind == "say":
            return Say(who, match.group("text"))
        if kind == "community":
            return SwitchCommunity(match.group("who"))
        return SwitchSpeaker(who)
    example = _near_directive(text)
    if example is not None:
        # Saying it in the chat instead would hide the typo until the output looks wrong.
        raise TranscriptError(
            f"{text!r} looks like a directive but is not one; write e.g. {example}"
        )
    return Say(None, text)
