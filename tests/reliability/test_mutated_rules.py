"""1,000 mutated rule folders: the loader and `kenes rules check` answer with problems, never a
traceback. Seeded mutations of the shipped files: syntax damage, wrong types and ranges, deep
nesting, unknown keys, hostile regexes, word files that are folders, binary or outside rules/.
"""

from __future__ import annotations

import random
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.features import shipped_rule_files
from bot.rules.loader import RulesError, load_rules
from cogs.moderation.matcher import ModerationCompiler
from tests.auxil.app import ROOT, RULES

FOLDERS = 1_000
# Memory-backed storage where the system has it: the test is about the loader, not the disk.
SCRATCH = "/dev/shm" if Path("/dev/shm").is_dir() else None
SEED = 1129
CONFIG = str(ROOT / "config.example.toml")
TOML = sorted(p.name for p in RULES.glob("*.toml"))
WORDS = sorted(p.name for p in (RULES / "words").glob("*.txt"))
VALUES = [
    "-1",
    "0",
    "99999999999999999999999",
    "1e308",
    "-1e308",
    "nan",
    "inf",
    "-inf",
    '"P999999999D"',
    '"-P1D"',
    '"PT0S"',
    '"999999w"',
    '"10m"',
    '""',
    '"\\u0000"',
    "true",
    "[]",
    "{}",
    '["a", 1]',
    '"' + "x" * 5000 + '"',
    "[" * 40 + "]" * 40,
    '"(?s).{0,1000}x.{0,1000}y"',
    '"(a)\\\\1"',
    '"(?=x)"',
    '"["',
    '"mute 99999999999d"',
    '"ban 0s"',
    '"words/../../../etc/passwd"',
    '"/"',
    '"."',
    '"words"',
    '"words/"',
]
NUMBER = re.compile(r"(?m)^(\s*[a-z_]+\s*=\s*)(-?[\d.]+|\"[^\"\n]*\"|true|false)\s*$")


def _replace_value(text: str, rng: random.Random) -> str:
    matches = list(NUMBER.finditer(text))
    if not matches:
        return text
    m = rng.choice(matches)
    return text[: m.start(2)] + rng.choice(VALUES) + text[m.end(2) :]


def _damage(text: str, rng: random.Random) -> str:
    if not text:
        return "="
    i = rng.randrange(len(text))
    kind = rng.randrange(4)
    if kind == 0:
        return text[:i]
    if kind == 1:
        return text[:i] + rng.choice(["[", "]", '"', "=", "\n[[", "\x00", "\ud800", "{"]) + text[i:]
    if kind == 2:
        return text[:i] + text[i + rng.randint(1, 40) :]
    return text[:i] + text[i:].replace("=", "==", 1)


def _extra(text: str, rng: random.Random) -> str:
    choice = rng.randrange(5)
    if choice == 0:
        return text + f"\nunknown_key_{rng.randint(0, 9)} = 1\n"
    if choice == 1:
        depth = rng.choice([33, 1000, 5000])
        return text + "\nnested = " + "[" * depth + "]" * depth + "\n"
    if choice == 2:
        return (
            text
            + '\n[[regex]]\nid = "x"\npattern = \''
            + rng.choice(
                ["(?s).{0,1000}x.{0,1000}y", "(a+)+$", "(?<=a)b", "[", "a{1001}", ".*" * 300]
            )
            + "'\n"
        )
    if choice == 3:
        return text + '\n[[stopwords]]\nid = "w"\nfiles = [' + rng.choice(VALUES) + "]\n"
    return text + "\nx = {" + "a = {" * 40 + "}" * 41 + "\n"


def _word_file(folder: Path, rng: random.Random) -> None:
    path = folder / "words" / rng.choice(WORDS)
    if not path.is_file():
        return  # already mutated into a folder or removed
    choice = rng.randrange(6)
    if choice == 0:
        path.unlink()
        path.mkdir()
    elif choice == 1:
        path.write_bytes(bytes(rng.randrange(256) for _ in range(200)))
    elif choice == 2:
        path.write_text("a*b\n*\n|\n| ban 5\nword | explode\n" + "x" * 20000, "utf-8")
    elif choice == 3:
        path.write_text("\n".join("*" * rng.randint(1, 3) for _ in range(10)), "utf-8")
    elif choice == 4:
        path.unlink()
    else:
        path.write_text(
            "\u2028\u0085ok\n\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        )


MUTATIONS: list[Callable[[str, random.Random], str]] = [_replace_value, _damage, _extra]


def _mutate(folder: Path, rng: random.Random) -> None:
    for _ in range(rng.randint(1, 3)):
        roll = rng.random()
        if roll < 0.15:
            _word_file(folder, rng)
            continue
        path = folder / rng.choice(TOML)
        if roll < 0.2 and path.is_file():
            path.unlink()
            if rng.random() < 0.5:
                path.mkdir()
            continue
        if not path.is_file():
            continue
        text = path.read_bytes().decode("utf-8", "surrogatepass")
        mutated = rng.choice(MUTATIONS)(text, rng)
        path.write_bytes(mutated.encode("utf-8", "surrogatepass"))


def _restore(folder: Path) -> None:
    shutil.rmtree(folder)
    shutil.copytree(RULES, folder, ignore=shutil.ignore_patterns("schema"))


def test_a_thousand_mutated_folders_give_problems_not_tracebacks(tmp_path: Path) -> None:
    with tempfile.TemporaryDirectory(dir=SCRATCH or tmp_path) as scratch:
        _thousand(Path(scratch) / "rules")


def _thousand(folder: Path) -> None:
    rng = random.Random(SEED)
    shutil.copytree(RULES, folder, ignore=shutil.ignore_patterns("schema"))
    compiler = ModerationCompiler()  # kept across folders, like a running bot's
    rejected = 0
    for number in range(FOLDERS):
        _mutate(folder, rng)
        problems: list[str] = []
        try:
            load_rules(folder, {"moderation": compiler}, shipped_rule_files())
        except RulesError as exc:  # anything else fails the test with its traceback
            problems = [str(p) for p in exc.problems] or ["(an empty RulesError)"]
        if problems:
            rejected += 1
        too_long = [p[:200] for p in problems if len(p) >= 2000 or not p]
        assert too_long == [], number
        _restore(folder)
    # Most mutations break something; some (a harmless value) are valid and load.
    assert rejected > FOLDERS // 2


@pytest.mark.parametrize("seed", range(5))
def test_rules_check_exits_cleanly_on_mutated_folders(
    tmp_path: Path, seed: int, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = random.Random(seed)
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder, ignore=shutil.ignore_patterns("schema"))
    _mutate(folder, rng)
    assert main(["--config", CONFIG, "rules", "check", str(folder)]) in (0, 1)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
