"""What a message breaks: stop-words, regexes, links, caps and emoji (stateless checks)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.i18n import t
from bot.rules.normalise import Normalised, mixed_script
from cogs.moderation.ladder import stronger
from cogs.moderation.matcher import CompiledModeration, Hit
from cogs.moderation.rules import ActionSpec, Exemptions, parse_action

# A link is a scheme or `www.` followed by a host, always; or a bare `host.tld` whose TLD is a
# real one, whose last label has two letters or more, and which is not part of an e-mail
# address (`info@company.kz`) or a sentence end without a space (`done.To be`, `all.Me`):
# a bare host's TLD must be lower-case (or followed by a `/` path), and a one-letter name
# (`t.me`) counts only with a path.
_TLDS = (
    "com|net|org|ru|kz|me|io|gg|ly|co|link|xyz|top|info|biz|ltd|app|dev|site|online|shop"
    "|click|fr|uk|de|su|to|cc|ws|pro|club|live|рф"
)
_LINK = re.compile(
    r"(?:https?://|www\.)([^\s/:?#]+)"
    r"|(?<![@\w.-])((?:[a-z0-9-]+\.)*(?:[a-z0-9][a-z0-9-]*[a-z0-9]"
    rf"\.(?-i:{_TLDS}|(?i:{_TLDS})(?=/))|[a-z0-9]\.(?:{_TLDS})(?=/)))\b(?![@.-]?\w)",
    re.IGNORECASE,
)
_EMOJI = re.compile(
    "[\U0001f300-\U0001faff\U00002600-\U000027bf\U0001f000-\U0001f2ff\U0001f900-\U0001f9ff]"
)
_UPPER = re.compile(r"[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ]")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(slots=True)
class WorkMeter:
    """Worst-case steps spent on admin regexes (RE2: instructions x characters searched).

    Counted, not timed, so tests can assert a bound that holds on any machine.
    """

    regex_steps: int = 0
    messages: int = 0
    most: int = 0  # the largest count for one message

    def add(self, steps: int) -> None:
        self.regex_steps += steps
        self.messages += 1
        self.most = max(self.most, steps)


@dataclass(frozen=True, slots=True)
class Violation:
    """One rule a message broke, with what that rule does about it."""

    rule: str
    action: ActionSpec
    points: int
    dry_run: bool
    reason: str
    repeat: bool = False  # the same limit again within its window: remove, no new case


def exempt(exemptions: Exemptions, roles: tuple[str, ...], chat_id: str) -> bool:
    return chat_id in exemptions.channels or any(r in exemptions.roles for r in roles)


def domains(text: str) -> list[str]:
    """Host names of links in `text` (with or without a scheme), lower-case, no `www.`."""
    if "." not in text:
        return []
    found = []
    for scheme_host, bare_host in _LINK.findall(text):
        host = (scheme_host or bare_host).lower().rstrip(".")
        found.append(host.removeprefix("www."))
    return found


def _listed(host: str, listed: tuple[str, ...]) -> bool:
    return any(host == d or host.endswith("." + d) for d in listed)


_EDGE = re.compile(r"^\W+|\W+$")


def matched_words(text: str, normal: Normalised, hit: Hit) -> str:
    """The words of `text` a stop-word hit covers, as the member wrote them ("walletz").

    The match is found in the skeleton (lower case, look-alikes folded, repeats collapsed),
    which a member would not recognise, and a wildcard entry ("wallet*") says nothing about
    what was written. The skeleton keeps one space between words, so word positions map back
    to the original; where they cannot (spaced-out letters were joined), the entry is shown.
    """
    skeleton = normal.text
    first = skeleton.count(" ", 0, hit.start + hit.entry.lead) - 1
    last = skeleton.count(" ", 0, hit.end - 1)
    written = [w for w in (_EDGE.sub("", raw) for raw in text.split()) if w]
    if len(written) != len(skeleton.split()) or not 0 <= first < last <= len(written):
        return hit.entry.text.strip("*")
    return " ".join(written[first:last])


def content_checks(
    compiled: CompiledModeration,
    text: str,
    normal: Normalised,
    roles: tuple[str, ...],
    chat_id: str,
    locale: str,
    newcomer: bool,
    meter: WorkMeter | None = None,
    hosts: list[str] | None = None,
) -> list[Violation]:
    """Every content rule `text` breaks (the limits on pace live in limits.py).

    `hosts`: `domains(text)` when the caller has it already (the stage needs it for the
    newcomer and spam checks too, and the link pattern is the costliest scan of a message)."""
    rules = compiled.rules
    found: list[Violation] = []
    seen_rules: set[str] = set()
    for hit in compiled.words.scan(normal):
        entry = hit.entry
        if entry.rule in seen_rules:
            continue
        words = compiled.lists[entry.rule]
        if exempt(words.exempt, roles, chat_id):
            continue
        seen_rules.add(entry.rule)
        reason = t(locale, "moderation.reasons.stopword", word=matched_words(text, normal, hit))
        found.append(Violation(entry.rule, entry.action, entry.points, entry.dry_run, reason))
    steps = 0
    for check in compiled.regexes:
        rule = check.rule
        if exempt(rule.exempt, roles, chat_id):
            continue
        subject = normal.text if rule.on == "normalised" else text
        steps += check.size * (len(subject) + 1)
        if check.compiled.search(subject):
            reason = t(locale, "moderation.reasons.regex", rule=rule.id)
            found.append(Violation(rule.id, check.action, rule.points, rule.dry_run, reason))
    if meter is not None:
        meter.add(steps)
    links = rules.limits.links
    if links.enabled and not exempt(links.exempt, roles, chat_id):
        for host in domains(text) if hosts is None else hosts:
            if _listed(host, links.deny_domains):
                reason = t(locale, "moderation.reasons.denied_link", domain=host)
            elif newcomer and not _listed(host, links.allow_domains):
                reason = t(locale, "moderation.reasons.newcomer_link", hours=links.newcomer_hours)
            else:
                continue
            found.append(Violation("links", links.act, links.points, links.dry_run, reason))
            break
    caps = rules.limits.caps
    if caps.enabled and len(text) >= caps.min_letters and not exempt(caps.exempt, roles, chat_id):
        letters = len(_LETTER.findall(text))
        if letters >= caps.min_letters and len(_UPPER.findall(text)) >= caps.ratio * letters:
            reason = t(locale, "moderation.reasons.caps")
            found.append(Violation("caps", caps.act, caps.points, caps.dry_run, reason))
    emoji = rules.limits.emoji
    if emoji.enabled and not text.isascii() and not exempt(emoji.exempt, roles, chat_id):
        count = len(_EMOJI.findall(text))
        if count > emoji.max:
            reason = t(locale, "moderation.reasons.emoji", count=count, max=emoji.max)
            found.append(Violation("emoji", emoji.act, emoji.points, emoji.dry_run, reason))
    mixed = rules.mixed_script
    # A plain message is in one script (normalise.py): nothing to mix.
    if mixed.enabled and not normal.plain and not text.isascii() and mixed_script(text):
        reason = t(locale, "moderation.reasons.mixed_script")
        found.append(Violation("mixed-script", mixed.act, mixed.points, mixed.dry_run, reason))
    return found


def strongest(violations: list[Violation]) -> ActionSpec:
    """The most severe action among `violations` (log when there are none)."""
    best = parse_action("log")
    for violation in violations:
        best = stronger(violation.action, best)
    return best
