"""Bad rule edits are clear messages (check, start, hot reload); reloads compile off the loop."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.actions import DeleteMessage
from bot.core.features import shipped_rule_files
from bot.rules.loader import MAX_DEPTH, RuleFileSpec, RulesError, RuleSet, load_rules
from bot.rules.store import RulesStore
from cogs.moderation.matcher import ModerationCompiler, compile_moderation
from cogs.moderation.rules import ModerationRules
from tests.auxil.app import ROOT
from tests.auxil.moderation import copy_rules, mod_log, moderated

CONFIG = str(ROOT / "config.example.toml")


def problems_of(rules: Path) -> list[str]:
    with pytest.raises(RulesError) as caught:
        load_rules(rules, {"moderation": compile_moderation}, shipped_rule_files())
    return [str(p) for p in caught.value.problems]


def point_word_file_at_a_folder(rules: Path) -> None:
    (rules / "words" / "more").mkdir()
    path = rules / "moderation.toml"
    text = path.read_text("utf-8").replace('files = ["words/en.txt"]', 'files = ["words/more"]')
    path.write_text(text, "utf-8")


def nest_deeply(rules: Path, levels: int = 1000) -> None:
    # community.toml: the core's own file, validated whichever features are loaded.
    with (rules / "community.toml").open("a", encoding="utf-8") as f:
        f.write("\nnested = " + "[" * levels + "]" * levels + "\n")


def test_a_word_file_entry_naming_a_folder_is_a_clear_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = copy_rules(tmp_path)
    point_word_file_at_a_folder(rules)
    [problem] = problems_of(rules)
    assert "stopwords.0.files.0" in problem
    assert "'words/more' is a folder" in problem
    assert main(["--config", CONFIG, "rules", "check", str(rules)]) == 1
    out = capsys.readouterr()
    assert "is a folder" in out.err
    assert "Traceback" not in out.out + out.err


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 1000, 100_000])
def test_toml_nested_too_deep_is_a_clear_problem(
    tmp_path: Path, levels: int, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = copy_rules(tmp_path)
    nest_deeply(rules, levels)
    [problem] = problems_of(rules)
    assert problem.startswith("rules/community.toml: (syntax): tables or arrays nest more than")
    assert main(["--config", CONFIG, "rules", "check", str(rules)]) == 1
    assert "Traceback" not in capsys.readouterr().err
    with pytest.raises(RulesError, match="nest more than"):
        RulesStore(rules).load()  # what `kenes run` does first


async def test_a_bad_hot_reload_keeps_the_last_good_rules_and_tells_the_mod_log(
    tmp_path: Path,
) -> None:
    rules = copy_rules(tmp_path)
    async with moderated(tmp_path, rules=rules) as (app, memory):
        await memory.say("ann", "hello")  # the community is known to the bot now
        before = app.services.rules.current
        point_word_file_at_a_folder(rules)
        nest_deeply(rules)
        assert await app.services.rules.check_for_changes() is True
        assert app.services.rules.current is before
        [notice] = [line for line in mod_log(memory) if "is a folder" in line]
        assert "nest more than" in notice
        # The last good stop-words are still enforced.
        actions = await memory.say("bob", "what the f.u.c.k")
        assert any(isinstance(a, DeleteMessage) for a in actions)


async def test_reload_compiles_in_a_worker_thread(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    store = RulesStore(rules)
    threads: list[int] = []

    def record(ruleset: RuleSet) -> object:
        threads.append(threading.get_ident())
        return None

    store.add_compiler("probe", record)
    store.load()
    assert await store.reload() == []
    assert threads[0] == threading.get_ident()  # the first load, before anything is served
    assert threads[1] != threading.get_ident()


async def test_touching_one_word_file_re_keys_that_file_only(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    compiler = ModerationCompiler()
    store = RulesStore(rules)
    store.add_file(RuleFileSpec("moderation.toml", ModerationRules))
    store.add_compiler("moderation", compiler)
    store.load()
    # A large list, so re-keying everything would show.
    big = "\n".join(f"word{i}" for i in range(5000))
    (rules / "words" / "en.txt").write_text(big, "utf-8")
    assert await store.reload() == []
    first = compiler.keyed
    (rules / "words" / "kk.txt").write_text("жаңа сөз\nтағы бір\n", "utf-8")
    assert await store.reload() == []
    assert compiler.keyed - first < 100  # the two new lines and the inline words, not 5,000
