"""Multi-pattern stop-word matching (one Aho-Corasick pass) and RE2 admin regexes.

Built once per rule set by `compile_moderation` (a RulesStore compiler), never on the message
path, and swapped in atomically with the rule set. Entries are normalised exactly like message
text (normalise.py), so `с п а м`, `$pam` and `spaaam` all meet the entry `spam`.

Whole-word entries become the key `" word "` in the skeleton's space-delimited stream, so
`class` never matches `ass`; `*` at an end drops that boundary space (opt-in partial match).
The allow-list adds `" word "` keys too: a hit inside an allowed word is discarded.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ahocorasick

from bot.rules.loader import RuleProblem, RulesError, RuleSet
from cogs.moderation.normalise import MASK, Normalised, normalise, skeleton
from cogs.moderation.regex import compile_regex
from cogs.moderation.rules import (
    ActionSpec,
    ModerationRules,
    RegexRule,
    WordList,
    parse_action,
)

log = logging.getLogger(__name__)

ALLOW = -1
MAX_WORDS = 200_000
MAX_MASK_VARIANTS = 4_000  # letters tried for masked words (`f*ck`) in one message


@dataclass(frozen=True, slots=True)
class Entry:
    """One listed word or phrase, as written, with what a match does."""

    rule: str
    text: str
    action: ActionSpec
    points: int
    dry_run: bool
    runs: tuple[int, ...] | None = None  # letters that must repeat (`ass` is not `as`)
    lead: int = 1  # 1 when the key starts with the boundary space, else 0


@dataclass(frozen=True, slots=True)
class Hit:
    entry: Entry
    start: int
    end: int  # exclusive, in the skeleton


class WordMatcher:
    """All stop-words and allowed words in one automaton; `scan()` is one pass over the text."""

    def __init__(self, entries: Iterable[tuple[str, Entry]], allowed: Iterable[str]) -> None:
        keyed: dict[str, list[Entry | None]] = {}
        self.size = 0
        for key, entry in entries:
            keyed.setdefault(key, []).append(entry)
            self.size += 1
        for word in allowed:
            key = normalise(word).text
            if key.strip():
                keyed.setdefault(key, []).append(None)
        self._automaton: Any = ahocorasick.Automaton()
        # The letters a masked letter may stand for: every letter of every key.
        self._letters = sorted({c for key in keyed for c in key if c.strip()})
        for key, values in keyed.items():
            self._automaton.add_word(key, (len(key), tuple(values)))
        if keyed:
            self._automaton.make_automaton()
        self._empty = not keyed

    def scan(self, text: Normalised) -> list[Hit]:
        """Every entry found in `text`, minus those inside an allowed word.

        Words with a masked letter (`f*ck`) are tried with each letter in the mask's place;
        a hit in any of those spellings counts (its positions are in that spelling, not `text`).
        """
        if self._empty:
            return []
        hits = self._scan(text)
        if text.masked:
            hits.extend(self._scan(self._unmasked(text.masked)))
        return hits

    def _unmasked(self, masked: tuple[str, ...]) -> Normalised:
        variants: list[str] = []
        for word in masked:
            spellings = [word]
            while MASK in spellings[0]:
                if len(spellings) * len(self._letters) > MAX_MASK_VARIANTS:
                    spellings = []
                    break
                spellings = [s.replace(MASK, c, 1) for s in spellings for c in self._letters]
            variants.extend(spellings)
        return skeleton(" " + " ".join(variants) + " ")

    def _scan(self, text: Normalised) -> list[Hit]:
        hits: list[Hit] = []
        allowed: list[tuple[int, int]] = []
        check_runs = False
        for end, (length, values) in self._automaton.iter(text.text):
            start = end + 1 - length
            for entry in values:
                if entry is None:
                    allowed.append((start, end + 1))
                else:
                    hits.append(Hit(entry, start, end + 1))
                    check_runs = check_runs or entry.runs is not None
        if not hits:
            return hits
        if allowed:
            hits = [h for h in hits if not any(a <= h.start and h.end <= b for a, b in allowed)]
        if check_runs:
            runs = text.runs()
            hits = [h for h in hits if _runs_ok(h, runs)]
        return hits


def _runs_ok(hit: Hit, runs: list[int]) -> bool:
    need = hit.entry.runs
    if need is None:
        return True
    first = hit.start + hit.entry.lead
    return all(runs[first + i] >= n for i, n in enumerate(need) if n > 1)


def entry_key(raw: str) -> tuple[str, tuple[int, ...] | None, int]:
    """The automaton key of one entry as written, its letter runs, and its lead (0 or 1).

    Raises ValueError when the entry is empty after normalisation or has `*` mid-word.
    """
    text = raw.strip()
    head, tail = text.startswith("*"), text.endswith("*") and len(text) > 1
    core = text.strip("*")
    if "*" in core:
        raise ValueError(f"{raw!r}: `*` is allowed only at the start or the end of an entry")
    normal = normalise(core)
    if not normal.text.strip():
        raise ValueError(f"{raw!r} has no letters left after normalisation")
    key = normal.text
    runs = tuple(normal.runs())
    lead = 1
    if head:
        key, runs, lead = key[1:], runs[1:], 0
    if tail:
        key, runs = key[:-1], runs[:-1]
    letters = runs[lead:] if lead else runs
    return key, (letters if any(n > 1 for n in letters) else None), lead


@dataclass(frozen=True)
class RegexCheck:
    rule: RegexRule
    compiled: Any
    action: ActionSpec
    size: int = 0  # RE2 instructions: the steps per character searched, at worst


@dataclass(frozen=True)
class CompiledModeration:
    """What the moderation stage needs, derived from one rule set (the compiler's output)."""

    rules: ModerationRules
    words: WordMatcher
    regexes: tuple[RegexCheck, ...] = ()
    lists: dict[str, WordList] = field(default_factory=dict)


def _lines(path: Path) -> list[tuple[int, str]]:
    """Entries of a word file: one per line; `#` starts a comment; blank lines are skipped."""
    found = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        text = line.split("#", 1)[0].strip()
        if text:
            found.append((number, text))
    return found


def _file_entries(
    base: Path, label: str, key: str, name: str
) -> tuple[list[tuple[str, str, str]], list[RuleProblem]]:
    """(file, where, text) for each entry of a word file, or the problem reading it."""
    path = (base / name).resolve()
    if base.resolve() not in path.parents:
        return [], [RuleProblem(label, key, f"{name!r} must be a file inside the rules folder")]
    try:
        lines = _lines(path)
    except FileNotFoundError:
        return [], [
            RuleProblem(label, key, f"no such word file {name!r} (path is relative to rules/)")
        ]
    except UnicodeDecodeError:
        return [], [RuleProblem(label, key, f"{name!r} is not UTF-8 text; save it as UTF-8")]
    return [(f"{base.name}/{name}", f"line {n}", text) for n, text in lines], []


def compile_moderation(ruleset: RuleSet) -> CompiledModeration:
    """The RulesStore compiler: word automaton and RE2 regexes; RulesError on any bad entry."""
    rules = ruleset.get(ModerationRules)
    base = ruleset.source or Path("rules")
    label = f"{base.name}/moderation.toml"
    problems: list[RuleProblem] = []
    entries: list[tuple[str, Entry]] = []
    for i, words in enumerate(rules.stopwords):
        sources = [(label, f"stopwords.{i}.words.{j}", w) for j, w in enumerate(words.words)]
        for j, name in enumerate(words.files):
            found, bad = _file_entries(base, label, f"stopwords.{i}.files.{j}", name)
            sources.extend(found)
            problems.extend(bad)
        for where, key, raw in sources:
            text, _, action_text = raw.partition("|")
            try:
                action = parse_action(action_text) if action_text.strip() else words.act
                pattern, runs, lead = entry_key(text)
            except ValueError as exc:
                problems.append(RuleProblem(where, key, str(exc)))
                continue
            # A `| log` entry only reports: it must not add strikes towards the ladder.
            points = 0 if action.kind == "log" else words.points
            entries.append(
                (pattern, Entry(words.id, text.strip(), action, points, words.dry_run, runs, lead))
            )
    if len(entries) > MAX_WORDS:
        problems.append(RuleProblem(label, "stopwords", f"more than {MAX_WORDS} entries"))
    allowed = list(rules.allow.words)
    for j, name in enumerate(rules.allow.files):
        found, bad = _file_entries(base, label, f"allow.files.{j}", name)
        allowed.extend(text for _, _, text in found)
        problems.extend(bad)
    regexes = []
    for i, rule in enumerate(rules.regex):
        try:
            compiled = compile_regex(rule.pattern, ignore_case=rule.ignore_case)
        except ValueError as exc:
            problems.append(RuleProblem(label, f"regex.{i}.pattern", str(exc)))
            continue
        regexes.append(RegexCheck(rule, compiled, rule.act, int(compiled.programsize)))
    if problems:
        raise RulesError(problems)
    matcher = WordMatcher(entries, allowed)
    log.info(
        "moderation rules compiled: %d stop-word entries, %d regexes", matcher.size, len(regexes)
    )
    return CompiledModeration(
        rules=rules,
        words=matcher,
        regexes=tuple(regexes),
        lists={w.id: w for w in rules.stopwords},
    )
