"""`kenes rules replay` and `kenes rules check` with the moderation compiler."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.auxil.app import ROOT
from tests.auxil.moderation import copy_rules

CONFIG = str(ROOT / "config.example.toml")
T0 = 1_767_603_600  # 2026-01-05 09:00 UTC


def run_replay(tmp_path: Path, rows: list[dict[str, object] | str], *extra: str) -> int:
    log = tmp_path / "log.jsonl"
    log.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows)
    )
    return main(["--config", CONFIG, "rules", "replay", *extra, str(log)])


def test_replay_prints_a_verdict_per_line_with_simulated_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows: list[dict[str, object] | str] = [
        {"text": "hello everyone", "user": "alice", "ts": T0},
        {"text": "с п а м? no, f.u.c.k", "user": "bob", "ts": T0 + 1},
    ]
    # Seven messages in seven seconds: the seventh breaks the flood limit (6 in 10 s).
    rows += [{"text": f"line {i}", "user": "eve", "ts": T0 + 10 + i} for i in range(7)]
    # The same pace an hour later, spread out: fine.
    rows += [{"text": f"calm {i}", "user": "eve", "ts": T0 + 3600 + 5 * i} for i in range(7)]
    rows.append("{not json")
    assert run_replay(tmp_path, rows) == 1  # one unreadable line
    captured = capsys.readouterr()
    out = [json.loads(line) for line in captured.out.splitlines()]
    assert out[0] == {"line": 1, "verdict": "allow", "rules": [], "reason": ""}
    assert out[1]["verdict"] == "delete"
    assert out[1]["rules"] == ["profanity-en"]
    assert [o["verdict"] for o in out[2:9]] == ["allow"] * 6 + ["mute"]
    assert out[8]["rules"] == ["flood"]
    assert {o["verdict"] for o in out[9:16]} == {"allow"}
    assert out[16]["error"].startswith("not JSON (Expecting property name enclosed in double")
    assert 'one object a line, e.g. {"text": "hello"' in out[16]["error"]
    assert "replayed 16 messages:" in captured.err
    assert "unreadable lines: 1" in captured.err


def test_replay_uses_the_given_rules_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = copy_rules(tmp_path)
    (rules / "words" / "en.txt").write_text("pineapple pizza | ban\n")
    rows: list[dict[str, object] | str] = [{"text": "Pineapple PIZZA!", "user": "bob"}]
    assert run_replay(tmp_path, rows, "--rules", str(rules)) == 0
    [line] = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert line["verdict"] == "ban"


def test_rules_check_runs_the_moderation_compiler(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = copy_rules(tmp_path)
    assert main(["--config", CONFIG, "rules", "check", str(rules)]) == 0
    capsys.readouterr()
    with (rules / "words" / "kk.txt").open("a") as f:
        f.write("та*быс\n")
    assert main(["--config", CONFIG, "rules", "check", str(rules)]) == 1
    assert "rules/words/kk.txt: line" in capsys.readouterr().err
    text = (rules / "moderation.toml").read_text()
    (rules / "moderation.toml").write_text(text + "\n[[regex]]\nid = 'x'\npattern = '(?<=a)b'\n")
    assert main(["--config", CONFIG, "rules", "check", str(rules)]) == 1
    assert "regex.2.pattern" in capsys.readouterr().err


def test_rules_check_reports_word_files_when_moderation_toml_is_invalid_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = copy_rules(tmp_path)
    with (rules / "words" / "kk.txt").open("a") as f:
        f.write("та*быс\nжаман | explode\n")
    text = (rules / "moderation.toml").read_text()
    text = text.replace('files = ["words/ru.txt"]', 'files = ["words/nope.txt"]', 1)
    (rules / "moderation.toml").write_text(text + "\n[[regex]]\nid = 'x'\naction = 'boom'\n")
    assert main(["--config", CONFIG, "rules", "check", str(rules)]) == 1
    err = capsys.readouterr().err
    assert "regex.2" in err, "the TOML problem"
    assert "no such word file 'words/nope.txt'" in err
    assert err.count("rules/words/kk.txt: line") == 2, err


def test_replay_keeps_lines_whole_and_numbered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # JSON allows U+0085, U+2028 and U+2029 raw inside strings; only "\n" ends a line.
    rows: list[dict[str, object] | str] = [
        {"text": "one\u2028two\u0085three\u2029four", "user": "ann"},
        {"text": "f.u.c.k", "user": "bob", "ts": 10**300},
        {"text": "f.u.c.k", "user": "bob"},
    ]
    log = tmp_path / "log.jsonl"
    log.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    assert main(["--config", CONFIG, "rules", "replay", str(log)]) == 1
    out = [json.loads(line) for line in capsys.readouterr().out.split("\n") if line]
    assert [o["line"] for o in out] == [1, 2, 3]
    assert out[0]["verdict"] == "allow"
    assert "at most" in out[1]["error"]
    assert out[2]["verdict"] == "delete"
