"""Rule files: shipped files are valid, all problems are reported at once, hot reload is safe."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.adapters.memory import MemoryAdapter
from bot.core.actions import SendMessage
from bot.rules.loader import RuleProblem, RulesError, line_of_key
from bot.rules.store import RulesStore
from tests.auxil.app import ROOT, RULES, load_shipped, make_config, running_app


def copy_rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


def test_every_shipped_rule_file_is_valid() -> None:
    try:
        load_shipped(RULES)
    except RulesError as exc:
        pytest.fail("shipped rule files have problems:\n" + "\n".join(map(str, exc.problems)))


def test_all_problems_are_reported_with_file_and_key(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    (rules / "community.toml").write_text('[rules]\nen = ""\nfr = "bonjour"\n', "utf-8")
    with pytest.raises(RulesError) as caught:
        load_shipped(rules)
    shown = [str(p) for p in caught.value.problems]
    assert any("community.toml:2: rules.en:" in s and "at least 1 character" in s for s in shown)
    assert any("community.toml:3: rules.fr: unknown key" in s for s in shown)


def test_syntax_errors_name_the_line(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    (rules / "community.toml").write_text("[rules\nen = 'x'\n", "utf-8")
    with pytest.raises(RulesError) as caught:
        load_shipped(rules)
    assert "line 1" in str(caught.value)


async def test_hot_reload_swaps_good_edits_and_keeps_the_last_good_on_bad_ones(
    tmp_path: Path,
) -> None:
    rules = copy_rules(tmp_path)
    memory = MemoryAdapter()
    config = make_config(rules_dir=rules)
    async with running_app(tmp_path / "k.db", config=config, adapters=[memory]) as app:
        reported: list[str] = []

        async def report(problems: list[RuleProblem]) -> None:
            reported.extend(str(p) for p in problems)

        app.services.rules.on_problems(report)
        path = rules / "community.toml"
        path.write_text('[rules]\nen = "Only cats."\n', "utf-8")
        assert await app.services.rules.check_for_changes() is True
        first = (await memory.say("alice", "/rules"))[0]
        assert isinstance(first, SendMessage)
        assert "Only cats." in first.text

        path.write_text('[rules]\nen = "Dogs too."\nextra = 1\n', "utf-8")
        assert await app.services.rules.check_for_changes() is True
        second = (await memory.say("alice", "/rules"))[0]
        assert isinstance(second, SendMessage)
        assert "Only cats." in second.text, "a bad edit must keep the last good rules"
        assert len(reported) == 1
        assert reported[0].startswith("rules/community.toml:3: rules.extra: unknown key")


def test_store_refuses_to_start_on_bad_rules(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    (rules / "community.toml").unlink()
    with pytest.raises(RulesError, match="missing"):
        RulesStore(rules).load()


def test_cli_rules_check_exit_codes(tmp_path: Path) -> None:
    def check(directory: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "rules", "check", str(directory)],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )

    assert check(RULES).returncode == 0
    rules = copy_rules(tmp_path)
    (rules / "community.toml").write_text("[rules]\nen = 5\n", "utf-8")
    done = check(rules)
    assert done.returncode == 1
    assert "community.toml:2: rules.en" in done.stderr


def rules_check(directory: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "rules", "check", str(directory)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 1
    return done.stdout + done.stderr


def test_rules_check_speaks_plainly_about_actions_and_regexes(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    moderation = rules / "moderation.toml"
    text = moderation.read_text("utf-8")
    text = text.replace('action = "delete"', 'action = "mute 10"', 1)
    text = text.replace("pattern = '(?:discord", "pattern = '((?:discord", 1)  # a ( never closed
    moderation.write_text(text, "utf-8")
    out = rules_check(rules)
    assert "INFO" not in out
    assert "'mute 10' is not an action; write e.g. delete, warn, 'mute 10m', ban" in out
    assert "^(log|delete" not in out  # never the raw regular expression
    assert "a `(` is never closed" in out
    assert "lookaround" not in out


def test_rules_check_reports_word_lists_with_the_toml_at_once(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    polls = rules / "polls.toml"
    polls.write_text(polls.read_text("utf-8").replace("bar_width = 10", "bar_width = 0"), "utf-8")
    words = rules / "words" / "en.txt"
    words.write_text(words.read_text("utf-8") + "wallet*|nuke\n", "utf-8")
    out = rules_check(rules)
    assert "polls.toml:18: bar_width" in out
    assert "words/en.txt: line" in out
    assert "'nuke' is not an action" in out


def test_problems_name_the_line_of_the_key_even_in_the_nth_array_table(tmp_path: Path) -> None:
    # An admin reads `stopwords.4.points` and has to count [[stopwords]] by hand; the line
    # (as `file:line:`, which editors and terminals open) points at the very key.
    rules = copy_rules(tmp_path)
    moderation = rules / "moderation.toml"
    lines = moderation.read_text("utf-8").splitlines()
    fifth = [n for n, line in enumerate(lines) if line == "[[stopwords]]"][4]
    points = next(n for n in range(fifth, len(lines)) if lines[n].startswith("points = "))
    lines[points] = "points = 2000000"
    lines.insert(1, "notice_second = 30  # a typo")
    moderation.write_text("\n".join(lines) + "\n", "utf-8")
    with pytest.raises(RulesError) as caught:
        load_shipped(rules)
    shown = [str(p) for p in caught.value.problems]
    assert any(s.startswith("rules/moderation.toml:2: notice_second: unknown key") for s in shown)
    assert any(
        s.startswith(f"rules/moderation.toml:{points + 2}: stopwords.4.points:") for s in shown
    )


def test_problems_of_compiled_keys_and_nested_tables_name_their_line(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    (rules / "words" / "en.txt").unlink()
    faq = rules / "faq.toml"
    lines = faq.read_text("utf-8").splitlines()
    urls = [n for n, line in enumerate(lines) if line.startswith("url = ")]
    lines[urls[1]] = 'url = "ftp:x"'
    faq.write_text("\n".join(lines) + "\n", "utf-8")
    shown = rules_check(rules).splitlines()
    files_line = next(
        n + 1
        for n, line in enumerate((rules / "moderation.toml").read_text("utf-8").splitlines())
        if line.startswith('files = ["words/en.txt"]')
    )
    where = f"rules/moderation.toml:{files_line}: stopwords.0.files.0: no such word file"
    assert any(s.strip().startswith(where) for s in shown), shown
    assert any(s.strip().startswith(f"rules/faq.toml:{urls[1] + 1}: entries.") for s in shown)


def test_line_of_key_skips_multi_line_strings_and_counts_nested_array_tables() -> None:
    source = (
        'text = """\n'
        "points = 1\n"
        '"""\n'
        "[[entries]]\n"
        "id = 'a'\n"
        "[[entries.links]]\n"
        "url = 'x'\n"
        "[[entries]]\n"
        "id = 'b'\n"
        "[[entries.links]]\n"
        "url = 'y'\n"
        "[[entries.links]]\n"
        "url = 'z'\n"
    )
    assert line_of_key(source, "points") is None
    assert line_of_key(source, "entries.1.links.1.url") == 13
    assert line_of_key(source, "entries.1.links.0.url") == 11
    assert line_of_key(source, "entries.0.links.0.url") == 7
    assert line_of_key(source, "entries.1.missing") == 8
    assert line_of_key(source, "text") == 1


def test_a_missing_rules_folder_says_which_setting_to_fix(tmp_path: Path) -> None:
    with pytest.raises(RulesError) as caught:
        load_shipped(tmp_path / "nowhere")
    assert str(caught.value).endswith(
        "nowhere: (folder): no such folder; point bot.rules_dir in the config at the rules folder"
    )
