"""Load and validate every rule file, reporting all problems at once with file and key path."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.rules.files import RULE_FILES

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class RuleProblem:
    """One thing wrong in one rule file."""

    file: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.message}"


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
        for value in self.files.values():
            if isinstance(value, model):
                return value
        raise KeyError(f"no rule file of type {model.__name__} is loaded")


# A compiler turns a validated RuleSet into derived data (matchers, indexes) before the swap,
# so nothing expensive is built on the message path. It raises RulesError to reject a set.
Compiler = Callable[[RuleSet], object]


def _hint_for(item: Mapping[str, Any]) -> str:
    kind = item["type"]
    if kind == "extra_forbidden":
        return "unknown key; check the spelling (see rules/schema/ for every allowed key)"
    if kind == "missing":
        return "required key is missing"
    got = item.get("input")
    shown = repr(got) if not isinstance(got, dict) else "a table"
    return f"{item['msg']} (got {shown})"


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


def parse_rule_file(path: Path, model: type[M], label: str) -> tuple[M | None, list[RuleProblem]]:
    """Read one TOML rule file into `model`; return it or the problems found."""
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None, [RuleProblem(label, "(file)", "missing; restore it from the repository")]
    except tomllib.TOMLDecodeError as exc:
        return None, [RuleProblem(label, "(syntax)", f"not valid TOML: {exc}")]
    except UnicodeDecodeError:
        return None, [RuleProblem(label, "(encoding)", "not UTF-8 text; save it as UTF-8")]
    try:
        loaded = model.model_validate(raw, context={"rules_dir": path.parent})
    except ValidationError as exc:
        return None, problems_from(label, exc)
    return loaded, []


def load_rules(
    directory: Path,
    compilers: Mapping[str, Compiler] | None = None,
) -> RuleSet:
    """Validate every known rule file in `directory`; raise RulesError listing all problems."""
    files: dict[str, BaseModel] = {}
    problems: list[RuleProblem] = []
    if not directory.is_dir():
        raise RulesError([RuleProblem(str(directory), "(folder)", "no such folder")])
    for name, model in RULE_FILES.items():
        loaded, found = parse_rule_file(directory / name, model, f"{directory.name}/{name}")
        problems.extend(found)
        if loaded is not None:
            files[name] = loaded
    if problems:
        raise RulesError(problems)
    ruleset = RuleSet(files=files, source=directory)
    compiled: dict[str, object] = {}
    for key, compile_ in (compilers or {}).items():
        try:
            compiled[key] = compile_(ruleset)
        except RulesError as exc:
            problems.extend(exc.problems)
    if problems:
        raise RulesError(problems)
    return RuleSet(files=files, compiled=compiled, source=directory)


def write_schemas(directory: Path) -> list[Path]:
    """Write a JSON Schema per rule file into `directory/schema/` for editors."""
    target = directory / "schema"
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in RULE_FILES.items():
        path = target / f"{Path(name).stem}.schema.json"
        path.write_text(json.dumps(model.model_json_schema(), indent=2, ensure_ascii=False) + "\n")
        written.append(path)
    return written
