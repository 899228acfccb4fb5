"""Load and validate every rule file, reporting all problems at once with file and key path."""

from __future__ import annotations

import json
import logging
import re
import reprlib
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from bot.rules.models import CommunityRules

M = TypeVar("M", bound=BaseModel)
log = logging.getLogger(__name__)

# No rule file needs more than a few levels of tables and arrays; a deeper one is a broken edit
# (or an attack) and would exhaust the parser's and the validator's recursion.
MAX_DEPTH = 32
MAX_FILE_BYTES = 4 << 20
MAX_MESSAGE = 300
_shown = reprlib.Repr()
_shown.maxstring = _shown.maxother = 60


@dataclass(frozen=True, slots=True)
class RuleProblem:
    """One thing wrong in one rule file; `line` (from 1) when the key is found in the file."""

    file: str
    key: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        # `file:line:` is the form editors and terminals turn into a link to the line.
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.key}: {self.message}"


class RulesError(Exception):
    """A rule set failed validation; `problems` lists every error found."""

    def __init__(self, problems: list[RuleProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class RuleSet:
    """One validated snapshot of all rule files plus what was compiled from them."""

    files: Mapping[str, BaseModel]
    compiled: Mapping[str, object] = field(default_factory=dict)
    source: Path | None = None

    def get(self, model: type[M]) -> M:
        """The loaded file, or table of a shared file, of type `model`."""
        for value in self.files.values():
            if isinstance(value, model):
                return value
            if isinstance(value, SharedFile):
                for name in type(value).model_fields:
                    section = getattr(value, name)
                    if isinstance(section, model):
                        return section
        raise KeyError(f"no rule file of type {model.__name__} is loaded")


@dataclass(frozen=True, slots=True)
class RuleFileSpec:
    """A rule file a feature owns, or one table (`section`) of a file several features share."""

    file: str
    model: type[BaseModel]
    section: str | None = None


# The core's own rule file; features register theirs from their `setup(host)`.
CORE_RULE_FILES: tuple[RuleFileSpec, ...] = (RuleFileSpec("community.toml", CommunityRules),)


class SharedFile(BaseModel):
    """A rule file whose top-level tables belong to different features (`rituals.toml`).

    Tables of features that are not loaded are left alone, so disabling a feature does not
    make its table an error; keys inside a loaded feature's table are still checked strictly.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)


def _has_defaults(model: type[BaseModel]) -> bool:
    return all(not info.is_required() for info in model.model_fields.values())


def file_models(specs: Iterable[RuleFileSpec]) -> dict[str, type[BaseModel]]:
    """One model per file: a feature's own model, or a `SharedFile` of the tables registered."""
    whole: dict[str, type[BaseModel]] = {}
    sections: dict[str, dict[str, type[BaseModel]]] = {}
    for spec in specs:
        if spec.section is None:
            if spec.file in whole or spec.file in sections:
                raise ValueError(f"rule file {spec.file} is registered twice")
            whole[spec.file] = spec.model
        else:
            tables = sections.setdefault(spec.file, {})
            if spec.file in whole or spec.section in tables:
                raise ValueError(f"[{spec.section}] of {spec.file} is registered twice")
            tables[spec.section] = spec.model
    for file, tables in sections.items():
        fields: dict[str, Any] = {
            name: (model, model() if _has_defaults(model) else ...)
            for name, model in sorted(tables.items())
        }
        title = Path(file).stem.capitalize() + "Rules"
        whole[file] = create_model(title, __base__=SharedFile, **fields)
    return dict(sorted(whole.items()))


# A compiler turns a validated RuleSet into derived data (matchers, indexes) before the swap,
# so nothing expensive is built on the message path. It raises RulesError to reject a set.
Compiler = Callable[[RuleSet], object]


def _hint_for(item: Mapping[str, Any]) -> str:
    kind = item["type"]
    if kind == "extra_forbidden":
        return "unknown key; check the spelling (see rules/schema/ for every allowed key)"
    if kind == "missing":
        return "required key is missing"
    if kind == "value_error":
        # Our validators' own words, which already name the value ("'mute 10' is not an
        # action; write e.g. ..."), without pydantic's "Value error, " in front.
        return _bounded(str(item.get("ctx", {}).get("error", item["msg"])))
    got = item.get("input")
    # Bounded: a huge or deeply nested value must not turn into a huge (or failing) message.
    shown = _shown.repr(got) if not isinstance(got, dict) else "a table"
    return f"{_bounded(item['msg'])} (got {shown})"


def _bounded(message: str) -> str:
    # Validators quote the value they refuse ("'xxx…' is not a duration"): a 5,000-character
    # value must not make a 5,000-character problem line.
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 1] + "…"


def problems_from(file: str, error: ValidationError) -> list[RuleProblem]:
    """Turn a pydantic error into one RuleProblem per failing key."""
    return [
        RuleProblem(
            file=file,
            key=".".join(str(p) for p in item["loc"]) or "(top level)",
            message=_hint_for(item),
        )
        for item in error.errors()
    ]


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?$")
_ASSIGN = re.compile(r"^\s*([A-Za-z0-9_.\"' -]+?)\s*=")
_AT_LINE = re.compile(r"at line (\d+)")


def _dotted(text: str) -> list[str]:
    return [part.strip().strip("\"'") for part in text.split(".")]


def key_lines(source: str) -> list[tuple[tuple[str, ...], int]]:
    """Each table header and key assignment of a TOML text: (its full key path, its line).

    Hand-written because tomllib (and tomli) return values without positions; this reads only
    the lines that start a table or a key, which is all a problem needs to point at. Arrays
    of tables count their elements (`[[stopwords]]` twice gives `stopwords.0` and
    `stopwords.1`, as pydantic names them), and lines inside multi-line strings are skipped.
    """
    found: list[tuple[tuple[str, ...], int]] = []
    table: tuple[str, ...] = ()
    counts: dict[tuple[str, ...], int] = {}
    quote: str | None = None
    for number, line in enumerate(source.splitlines(), start=1):
        if quote is not None:
            if line.count(quote) % 2 == 1:
                quote = None
            continue
        header = _HEADER.match(line)
        if header is not None:
            parts = _dotted(header[2])
            path: tuple[str, ...] = ()
            for part in parts[:-1]:  # a parent that is an array of tables: its current element
                path += (part,)
                if path in counts:
                    path += (str(counts[path]),)
            path += (parts[-1],)
            if header[1] == "[[":
                counts[path] = counts.get(path, -1) + 1
                path += (str(counts[path]),)
            table = path
            found.append((table, number))
            continue
        assign = _ASSIGN.match(line)
        if assign is None or line.lstrip().startswith("#"):
            continue
        found.append((table + tuple(_dotted(assign[1])), number))
        value = line[assign.end() :]
        for opener in ('"""', "'''"):
            if value.count(opener) % 2 == 1:
                quote = opener
                break
    return found


def line_of_key(source: str, key: str) -> int | None:
    """The line that best matches the key path `key` (`stopwords.2.points`), None if no line.

    The line of the longest matching prefix wins: a missing key points at its table, a key
    inside an inline table or an array at the line that opens it.
    """
    wanted = tuple(key.split("."))
    best, best_line = 0, None
    for path, number in key_lines(source):
        score = 0
        for have, want in zip(path, wanted, strict=False):
            if have != want:
                break
            score += 1
        if score > best:
            best, best_line = score, number
    return best_line


def with_lines(directory: Path, problems: list[RuleProblem]) -> list[RuleProblem]:
    """`problems` with the line of each key found in its rule file of `directory`."""
    sources: dict[str, str | None] = {}
    shown = []
    for problem in problems:
        prefix = f"{directory.name}/"
        if problem.line is not None or not problem.file.startswith(prefix):
            shown.append(problem)
            continue
        if problem.file not in sources:
            try:
                sources[problem.file] = read_text_file(directory / problem.file[len(prefix) :])
            except (OSError, UnicodeDecodeError):
                sources[problem.file] = None
        source = sources[problem.file]
        line = None
        if source is not None and problem.key == "(syntax)":
            at = _AT_LINE.search(problem.message)
            line = int(at[1]) if at else None
        elif source is not None and not problem.key.startswith("("):
            line = line_of_key(source, problem.key)
        shown.append(replace(problem, line=line))
    return shown


def depth(value: object, limit: int = MAX_DEPTH) -> int:
    """How deeply tables and arrays nest in `value`, counting no further than `limit` + 1."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            level += 1
            deepest = max(deepest, level)
            if level > limit:
                break
            stack.extend((child, level) for child in _children(item))
    return deepest


def _children(item: dict[str, object] | list[object]) -> list[object]:
    return list(item.values()) if isinstance(item, dict) else item


def read_text_file(path: Path, limit: int = MAX_FILE_BYTES) -> str:
    """A regular UTF-8 file's text; OSError (with a readable reason) for anything else.

    A folder, a FIFO (which would block the reader for ever) or a file too big to be a rule
    file is refused before it is opened for reading.
    """
    info = path.stat()
    if path.is_dir():
        raise IsADirectoryError(f"{path.name!r} is a folder, not a file")
    if not path.is_file():
        raise OSError(f"{path.name!r} is not a regular file")
    if info.st_size > limit:
        raise OSError(f"{path.name!r} is larger than {limit >> 20} MB")
    return path.read_text("utf-8")


def parse_rule_file(path: Path, model: type[M], label: str) -> tuple[M | None, list[RuleProblem]]:
    """Read one TOML rule file into `model`; return it or the problems found."""
    try:
        raw = tomllib.loads(read_text_file(path))
    except FileNotFoundError:
        return None, [RuleProblem(label, "(file)", "missing; restore it from the repository")]
    except tomllib.TOMLDecodeError as exc:
        return None, [RuleProblem(label, "(syntax)", f"not valid TOML: {exc}")]
    except UnicodeDecodeError:
        return None, [RuleProblem(label, "(encoding)", "not UTF-8 text; save it as UTF-8")]
    except RecursionError:
        return None, [RuleProblem(label, "(syntax)", _too_deep())]
    except OSError as exc:
        return None, [RuleProblem(label, "(file)", f"cannot be read: {_reason(exc)}")]
    if depth(raw) > MAX_DEPTH:
        return None, [RuleProblem(label, "(syntax)", _too_deep())]
    try:
        loaded = model.model_validate(raw, context={"rules_dir": path.parent})
    except ValidationError as exc:
        return None, problems_from(label, exc)
    return loaded, []


def _too_deep() -> str:
    return f"tables or arrays nest more than {MAX_DEPTH} levels deep; no rule file needs that"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) if exc.filename is not None else str(exc)


def load_rules(
    directory: Path,
    compilers: Mapping[str, Compiler] | None = None,
    files: Iterable[RuleFileSpec] = CORE_RULE_FILES,
) -> RuleSet:
    """Validate the rule files `files` in `directory` (every shipped one: `shipped_rule_files()`).

    Raises RulesError listing every problem found.
    """
    models = file_models(files)
    loaded_files: dict[str, BaseModel] = {}
    problems: list[RuleProblem] = []
    if not directory.is_dir():
        hint = "no such folder; point bot.rules_dir in the config at the rules folder"
        raise RulesError([RuleProblem(str(directory), "(folder)", hint)])
    for name, model in models.items():
        loaded, found = parse_rule_file(directory / name, model, f"{directory.name}/{name}")
        problems.extend(found)
        if loaded is not None:
            loaded_files[name] = loaded
    # Compile what did load even when another file has problems, so word lists and regexes
    # are reported in the same run as the TOML (an admin fixes everything in one go).
    ruleset = RuleSet(files=loaded_files, source=directory)
    compiled: dict[str, object] = {}
    for key, compile_ in (compilers or {}).items():
        try:
            compiled[key] = compile_(ruleset)
        except RulesError as exc:
            problems.extend(exc.problems)
        except KeyError:
            if not problems:
                raise  # a compiler asking for a file nobody registered: a bug, not an edit
            # its own file failed to load: that problem is reported already
        except Exception as exc:  # a compiler bug must still be a message, never a traceback
            log.exception("rule compiler %r failed", key)
            problems.append(RuleProblem(directory.name, f"({key})", f"could not compile: {exc!r}"))
    if problems:
        raise RulesError(with_lines(directory, problems))
    return RuleSet(files=loaded_files, compiled=compiled, source=directory)


def write_schemas(directory: Path, files: Iterable[RuleFileSpec]) -> list[Path]:
    """Write a JSON Schema per rule file into `directory/schema/`, for editors."""
    target = directory / "schema"
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in file_models(files).items():
        path = target / f"{Path(name).stem}.schema.json"
        schema = model.model_json_schema()
        if issubclass(model, SharedFile):
            # Editors see every shipped feature's table, so an unknown table is a typo there.
            schema["additionalProperties"] = False
            schema["description"] = (
                f"`rules/{name}`: one table per feature that keeps its rules here."
            )
            schema = dict(sorted(schema.items()))
        path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n")
        written.append(path)
    return written
