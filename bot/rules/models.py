"""Pydantic models of the rule files under `rules/`; unknown keys are errors."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class RuleFile(BaseModel):
    """Base of every rule-file model: strict, immutable once loaded."""

    # nan and inf pass every range check (nan compares false both ways) and then break the
    # arithmetic at run time ("inf points", a hero score that never wins): refused in every file.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class LocalisedText(RuleFile):
    """The same text in each shipped language; a missing language falls back to English."""

    en: str = Field(min_length=1, max_length=4000)
    ru: str | None = Field(default=None, max_length=4000)
    kk: str | None = Field(default=None, max_length=4000)

    def get(self, locale: str) -> str:
        value = getattr(self, locale, None) if locale in ("en", "ru", "kk") else None
        return value if isinstance(value, str) and value else self.en


class CommunityRules(RuleFile):
    """`rules/community.toml`: the rules members accept, shown by /rules and on join."""

    rules: LocalisedText
    about: LocalisedText | None = None
