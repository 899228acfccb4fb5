"""Every number in every rule file has a range; values that broke at run time fail the check."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from bot.core.features import shipped_rule_files
from bot.rules.loader import file_models
from cogs.heroes.rules import HeroWeights
from cogs.polls.rules import PollRules


def _numbers(
    schema: dict[str, Any], defs: dict[str, Any], path: str
) -> list[tuple[str, dict[str, Any]]]:
    if "$ref" in schema:
        return _numbers(defs[schema["$ref"].rsplit("/", 1)[-1]], defs, path)
    found: list[tuple[str, dict[str, Any]]] = []
    if schema.get("type") in ("integer", "number"):
        found.append((path, schema))
    for key in ("anyOf", "allOf", "oneOf"):
        for part in schema.get(key, []):
            found += _numbers(part, defs, path)
    for name, sub in schema.get("properties", {}).items():
        found += _numbers(sub, defs, f"{path}.{name}")
    if isinstance(schema.get("items"), dict):
        found += _numbers(schema["items"], defs, f"{path}[]")
    if isinstance(schema.get("additionalProperties"), dict):
        found += _numbers(schema["additionalProperties"], defs, f"{path}{{}}")
    return found


def test_every_numeric_rule_field_has_a_lower_and_an_upper_bound() -> None:
    unbounded = []
    for name, model in file_models(shipped_rule_files()).items():
        schema = model.model_json_schema()
        for path, field in _numbers(schema, schema.get("$defs", {}), name):
            low = "minimum" in field or "exclusiveMinimum" in field
            high = "maximum" in field or "exclusiveMaximum" in field
            if not (low and high):
                unbounded.append(path)
    assert unbounded == []


@pytest.mark.parametrize("value", ["P999999999D", "-P1D", "PT0S", "99999999999999d"])
def test_durations_beyond_the_command_limit_are_refused(value: str) -> None:
    with pytest.raises(ValidationError):
        PollRules.model_validate({"max_duration": value})


def test_a_long_but_sane_iso_duration_is_fine() -> None:
    rules = PollRules.model_validate({"max_duration": "P60D"})
    assert rules.max_duration == timedelta(days=60)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), 1e9])
def test_hero_weights_must_be_finite_and_sane(value: float) -> None:
    with pytest.raises(ValidationError):
        HeroWeights.model_validate({"ama_answer": value})
