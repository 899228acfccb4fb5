"""Every catalogue is complete: same keys, same placeholders, and every key the code uses exists."""

from __future__ import annotations

import importlib
import inspect
import re

from bot.core.cogs import Cog
from bot.i18n import LOCALES, Plural, catalogue, forms, placeholders, render, t
from tests.auxil.app import ROOT

KEY_IN_CODE = re.compile(
    r"""(?:\bt|\.t|\.reply|CommandError)\(\s*(?:[a-z_.]+,\s*)?["']([a-z0-9_]+(?:\.[a-z0-9_]+)+)["']"""
)


def test_every_locale_has_every_key() -> None:
    keys = {locale: set(catalogue(locale)) for locale in LOCALES}
    everything = set().union(*keys.values())
    missing = {locale: sorted(everything - found) for locale, found in keys.items()}
    assert all(not gaps for gaps in missing.values()), f"missing translations: {missing}"


def test_placeholders_match_across_locales() -> None:
    english = catalogue("en")
    wrong = []
    for locale in LOCALES:
        for key, message in catalogue(locale).items():
            if key in english and placeholders(message) != placeholders(english[key]):
                wrong.append(f"{locale}:{key}")
    assert not wrong, f"placeholders differ from English in: {wrong}"


def test_no_catalogue_is_left_untranslated() -> None:
    english = catalogue("en")
    for locale in ("ru", "kk"):
        same = [
            k
            for k, v in catalogue(locale).items()
            if v == english.get(k) and max(map(len, forms(v))) > 12
        ]
        assert not same, f"{locale} copies English verbatim for {same}"


def _keys_used_in_code() -> set[str]:
    used: set[str] = set()
    for folder in ("bot", "cogs"):
        for path in (ROOT / folder).rglob("*.py"):
            used.update(KEY_IN_CODE.findall(path.read_text("utf-8")))
    return used


def test_every_key_used_in_code_exists() -> None:
    used = _keys_used_in_code()
    assert "core.ping.reply" in used, "the key scanner found nothing; fix KEY_IN_CODE"
    missing = sorted(k for k in used if k not in catalogue("en"))
    assert not missing, f"code uses keys missing from the catalogues: {missing}"


def _cog_classes() -> list[type[Cog]]:
    for path in (ROOT / "cogs").rglob("*.py"):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        importlib.import_module(module.removesuffix(".__init__"))
    found, stack = [], list(Cog.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("cogs."):
            found.append(cls)
    return found


def test_every_shipped_command_has_translated_descriptions() -> None:
    english = catalogue("en")
    classes = _cog_classes()
    assert classes, "no cogs found under cogs/"
    missing: list[str] = []
    for cls in classes:
        for _, func in inspect.getmembers(cls, inspect.isfunction):
            spec = getattr(func, "__kenes_command__", None)
            if spec is None:
                continue
            wanted = [spec.description_key] + [spec.param_key(p.name) for p in spec.params]
            missing.extend(key for key in wanted if key not in english)
    assert not missing, f"commands without translated descriptions: {missing}"


def test_t_fills_fields_and_falls_back() -> None:
    assert "/nope" in t("ru", "core.errors.unknown_command", name="nope")
    assert t("xx", "core.ping.reply") == t("en", "core.ping.reply")
    assert t("en", "no.such.key") == "no.such.key"


# Fields that hold a count or an amount. A message showing one must be a plural table in
# every language whose nouns agree with numbers (one/few/many/other), so "1 votes" and
# "5 раза" cannot be written; Kazakh keeps the noun singular but computes endings
# ("{max:dat}", never a fixed "{max}-ге"). Durations are timedeltas, read by the i18n layer.
NUMBER_FIELDS = {
    "count", "n", "votes", "points", "score", "seconds", "hours", "max", "most", "limit",
    "left", "have", "need", "joins", "top", "step", "voters",
}  # fmt: skip
AGREEING = ("en", "ru")
FIXED_ENDING = re.compile(r"\}-[а-яәіңғүұқөһ]")


def test_every_number_goes_through_the_plural_machinery() -> None:
    wrong = []
    for locale in AGREEING:
        for key, message in catalogue(locale).items():
            numbers = placeholders(message) & NUMBER_FIELDS
            if not numbers:
                continue
            if not isinstance(message, Plural):
                wrong.append(f"{locale}:{key} shows {sorted(numbers)} but is not a plural table")
            elif message.by not in numbers:
                wrong.append(f"{locale}:{key} chooses its form by {message.by!r}, not a number")
    assert not wrong, "\n".join(wrong)


def test_kazakh_endings_after_numbers_are_computed() -> None:
    fixed = [k for k, m in catalogue("kk").items() if any(FIXED_ENDING.search(f) for f in forms(m))]
    assert not fixed, f"write {{field:case}} instead of a fixed ending in: {fixed}"


def test_every_message_renders_in_every_language() -> None:
    # Unknown cases ("{x:bogus}") and plural tables without "other" fail here, not in a handler.
    samples: dict[str, object] = dict.fromkeys(NUMBER_FIELDS, 2)
    for locale in LOCALES:
        for key, message in catalogue(locale).items():
            for text in forms(message):
                render(locale, text, samples)
            if isinstance(message, Plural):
                assert "other" in message.forms, f"{locale}:{key} has no 'other' form"
