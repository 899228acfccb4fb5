"""`bot/similarity.py`: near-duplicates fold, opposites never do, in kk, ru and en."""

from __future__ import annotations

import pytest

from bot import similarity

# Pairs that say opposite things: one negated (with or without an apostrophe, a Kazakh
# negative verb form), a pair of opposites, or a word that undoes what the other only names.
OPPOSITE = [
    ("Prices up next year", "Prices down next year"),
    ("Will prices go up?", "Will prices not go up?"),
    ("prices up", "prices wont go up"),
    ("Add a dark mode", "Dont add a dark mode"),
    ("Dark mode", "Remove dark mode"),
    ("Make the bot faster", "Make the bot slower"),
    ("Weekly events online", "Weekly events offline"),
    ("Allow bots", "Disallow bots"),
    ("Enable notifications", "Disable notifications"),
    ("Longer events", "Shorter events"),
    ("Цены вверх", "Цены вниз"),
    ("Цены вырастут", "Цены не вырастут"),
    ("Поднять цены", "Снизить цены"),
    ("Тёмная тема", "Убрать тёмную тему"),
    ("Включить уведомления", "Отключить уведомления"),
    ("Более длинные встречи", "Более короткие встречи"),
    ("Чаще встречи", "Реже встречи"),
    ("Бағалар өседі", "Бағалар түседі"),
    ("Бағалар өседі", "Бағалар өспейді"),
    ("Бағаны көтеру", "Бағаны түсіру"),
    ("Қараңғы тақырып қосу", "Қараңғы тақырып қоспау"),
    ("Хабарламаларды қосу", "Хабарламаларды өшіру"),
    ("Қараңғы тақырып", "Қараңғы тақырыпты өшіру"),
    ("Жиі кездесу", "Сирек кездесу"),
]

SAME = [
    ("Add a dark mode to the app", "Dark mode for the app", 0.4),
    ("Тёмная тема в приложении", "Добавить тёмную тему в приложение", 0.7),
    ("Қосымшаға қараңғы тақырып", "Қосымшада қараңғы тақырып болсын", 0.7),
    ("Апта сайын онлайн кездесу", "Онлайн кездесулер апта сайын", 0.9),
    ("Don't remove dark mode", "Keep dark mode", 0.0),  # double negation: same polarity
]


@pytest.mark.parametrize(("first", "second"), OPPOSITE)
@pytest.mark.parametrize("stem", [False, True])
def test_opposites_never_merge(first: str, second: str, stem: bool) -> None:
    a, b = similarity.words(first), similarity.words(second)
    assert similarity.opposed(a, b)
    assert similarity.similarity(a, b, stem=stem) == 0.0
    assert similarity.closest(a, [(1, b)], 0.01) is None


@pytest.mark.parametrize(("first", "second", "at_least"), SAME)
def test_near_duplicates_still_match_with_stems(first: str, second: str, at_least: float) -> None:
    a, b = similarity.words(first), similarity.words(second)
    assert not similarity.opposed(a, b)
    assert similarity.similarity(a, b, stem=True) >= at_least


def test_stems_cut_inflections_but_keep_short_words() -> None:
    assert similarity.stem_of("тёмную") == similarity.stem_of("тёмная") == "тёмн"
    assert similarity.stem_of("тему") == similarity.stem_of("тема") == "тем"
    assert similarity.stem_of("app") == "app"
    assert similarity.stem_of("приложении") == "прило"
