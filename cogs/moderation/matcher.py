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
import reprlib
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import ahocorasick

from bot.rules.loader import RuleProblem, RulesError, RuleSet, read_text_file
from bot.rules.normalise import MASK, Normalised, normalise, skeleton, transliterations
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
_shown = reprlib.Repr()
_shown.maxstring = 60
MAX_WORDS = 200_000
# Spellings tried for all masked words (`f*ck`) of one message together: a message of many
# masked words (`a**b ` × 800) must cost no more than one with a few.
MAX_MASK_VARIANTS = 4_000


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
        budget = MAX_MASK_VARIANTS  # for the whole message, not per word
        letters = len(self._letters)
        for word in masked:
            needed = letters ** word.count(MASK)
            if needed > budget:
                continue  # too many spellings: skip this word, try the (cheaper) others
            budget -= needed
            spellings = [word]
            while MASK in spellings[0]:
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


def _lines(text: str) -> list[tuple[int, str]]:
    """Entries of a word file: one per line; `#` starts a comment; blank lines are skipped."""
    found = []
    # Only "\n" ends a line, so line numbers match what an editor shows.
    for number, line in enumerate(text.split("\n"), start=1):
        entry = line.split("#", 1)[0].strip()
        if entry:
            found.append((number, entry))
    return found


# What one line of a word file compiles to: (where, entry text, action text, key or the error).
Keyed = tuple[str, str, str, tuple[str, tuple[int, ...] | None, int] | str]


class ModerationCompiler:
    """The RulesStore compiler: word automaton and RE2 regexes; RulesError on any bad entry.

    Normalising entries is the slow part of a build (a 1 MB list takes seconds), so each word
    file's keyed entries are kept by (path, mtime, size): an edit of one file re-keys that file
    only. The automaton itself is rebuilt in C each time, which is fast.
    """

    MAX_CACHED_FILES = 64

    def __init__(self) -> None:
        self._files: dict[tuple[str, int, int], list[Keyed]] = {}
        self.keyed = 0  # entries normalised so far (tests count the work an edit causes)

    def __call__(self, ruleset: RuleSet) -> CompiledModeration:
        return compile_moderation(ruleset, self)

    def key(self, where: str, raw: str) -> Keyed:
        text, _, action_text = raw.partition("|")
        self.keyed += 1
        try:
            return where, text.strip(), action_text, entry_key(text)
        except ValueError as exc:
            return where, text.strip(), action_text, str(exc)

    def file_entries(
        self, base: Path, label: str, key: str, name: str
    ) -> tuple[list[tuple[str, Keyed]], list[RuleProblem]]:
        """(file, keyed entry) for each entry of a word file, or the problem reading it."""
        path = (base / name).resolve()
        quoted = _quoted(name)  # a 5,000-character name must not make a 5,000-character problem
        if base.resolve() not in path.parents:
            problem = f"{quoted} must be a file inside the rules folder"
            return [], [RuleProblem(label, key, problem)]
        shown = f"{base.name}/{name}"
        try:
            info = path.stat()
            stamp = (str(path), info.st_mtime_ns, info.st_size)
            cached = self._files.get(stamp)
            if cached is None:
                text = read_text_file(path)
                cached = [self.key(f"line {n}", entry) for n, entry in _lines(text)]
                if len(self._files) >= self.MAX_CACHED_FILES:
                    self._files.clear()
                self._files[stamp] = cached
        except FileNotFoundError:
            problem = f"no such word file {quoted} (path is relative to rules/)"
            return [], [RuleProblem(label, key, problem)]
        except IsADirectoryError:
            example = _quoted(name.rstrip("/") + "/en.txt")
            problem = f"{quoted} is a folder; name a word file in it, e.g. {example}"
            return [], [RuleProblem(label, key, problem)]
        except UnicodeDecodeError:
            return [], [RuleProblem(label, key, f"{quoted} is not UTF-8 text; save it as UTF-8")]
        except OSError as exc:
            # The OS's words without the path it repeats (`[Errno 36] File name too long: …`).
            reason = exc.strerror or type(exc).__name__
            return [], [RuleProblem(label, key, f"word file {quoted} cannot be read: {reason}")]
        return [(shown, keyed) for keyed in cached], []


def _quoted(name: str) -> str:
    """A word-file name as a problem quotes it: repr, at most 60 characters."""
    return _shown.repr(name)


def _raw_word_file_problems(
    base: Path, label: str, compiler: ModerationCompiler
) -> list[RuleProblem]:
    """Problems of the word files named in the raw moderation.toml (used when it fails to load)."""
    try:
        raw = tomllib.loads(read_text_file(base / "moderation.toml"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []  # unreadable: nothing names a word file; the loader says why
    named: list[tuple[str, object]] = []
    lists = raw.get("stopwords", [])
    for i, words in enumerate(lists if isinstance(lists, list) else []):
        files = words.get("files", []) if isinstance(words, dict) else []
        for j, name in enumerate(files if isinstance(files, list) else []):
            named.append((f"stopwords.{i}.files.{j}", name))
    allow = raw.get("allow", {})
    files = allow.get("files", []) if isinstance(allow, dict) else []
    for j, name in enumerate(files if isinstance(files, list) else []):
        named.append((f"allow.files.{j}", name))
    problems: list[RuleProblem] = []
    for key, name in named:
        if not isinstance(name, str):
            continue  # a wrong type: the loader reports it
        found, bad = compiler.file_entries(base, label, key, name)
        problems.extend(bad)
        if key.startswith("allow."):
            continue  # allowed entries are taken as written
        for where, (line, _text, action_text, keyed) in found:
            try:
                if action_text.strip():
                    parse_action(action_text)
                if isinstance(keyed, str):
                    raise ValueError(keyed)
            except ValueError as exc:
                problems.append(RuleProblem(where, line, str(exc)))
    return problems


def compile_moderation(
    ruleset: RuleSet, compiler: ModerationCompiler | None = None
) -> CompiledModeration:
    """Build the moderation matchers for `ruleset`; RulesError listing every bad entry."""
    compiler = compiler or ModerationCompiler()
    base = ruleset.source or Path("rules")
    label = f"{base.name}/moderation.toml"
    try:
        rules = ruleset.get(ModerationRules)
    except KeyError:
        # moderation.toml itself has problems (reported by the loader): still check the word
        # files it names, so an admin sees every problem in one run.
        raw_problems = _raw_word_file_problems(base, label, compiler)
        if raw_problems:
            raise RulesError(raw_problems) from None
        raise
    problems: list[RuleProblem] = []
    entries: list[tuple[str, Entry]] = []
    for i, words in enumerate(rules.stopwords):
        sources = [
            (label, compiler.key(f"stopwords.{i}.words.{j}", w)) for j, w in enumerate(words.words)
        ]
        for j, name in enumerate(words.files):
            found, bad = compiler.file_entries(base, label, f"stopwords.{i}.files.{j}", name)
            sources.extend(found)
            problems.extend(bad)
        for where, (key, text, action_text, keyed) in sources:
            try:
                action = parse_action(action_text) if action_text.strip() else words.act
                if isinstance(keyed, str):
                    raise ValueError(keyed)
                pattern, runs, lead = keyed
            except ValueError as exc:
                problems.append(RuleProblem(where, key, str(exc)))
                continue
            # A `| log` entry only reports: it must not add strikes towards the ladder.
            points = 0 if action.kind == "log" else words.points
            entry = Entry(words.id, text, action, points, words.dry_run, runs, lead)
            entries.append((pattern, entry))
            # Russian and Kazakh entries also meet their Latin transliterations (`suka`).
            for spelling in transliterations(text):
                latin, latin_runs, latin_lead = entry_key(spelling)
                if latin != pattern:
                    entries.append((latin, replace(entry, runs=latin_runs, lead=latin_lead)))
    if len(entries) > MAX_WORDS:
        problems.append(RuleProblem(label, "stopwords", f"more than {MAX_WORDS} entries"))
    allowed = list(rules.allow.words)
    for j, name in enumerate(rules.allow.files):
        found, bad = compiler.file_entries(base, label, f"allow.files.{j}", name)
        allowed.extend(text for _, (_, text, _, _) in found)
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
