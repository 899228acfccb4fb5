"""Configuration: defaults, per-community overrides, tokens from the environment, clear errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import load_config
from bot.core.errors import ConfigError
from bot.core.refs import CommunityRef
from tests.auxil.app import ROOT


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, "utf-8")
    return path


def test_the_shipped_example_is_valid() -> None:
    config = load_config(ROOT / "config.example.toml")
    assert config.defaults.locale in ("kk", "ru", "en")
    assert "core" in config.bot.cogs


def test_per_community_overrides_fall_back_to_defaults(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            '[defaults]\nlocale = "ru"\n[communities."telegram:-100"]\nlocale = "kk"\n',
        )
    )
    assert config.community(CommunityRef("telegram", "-100")).locale == "kk"
    assert config.community(CommunityRef("telegram", "-100")).timezone == "Asia/Almaty"
    assert config.community(CommunityRef("telegram", "-200")).locale == "ru"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[defaults]\nlocale = "fr"\n', "defaults.locale"),
        ('[defaults]\ntimezone = "Mars/Olympus"\n', "unknown timezone 'Mars/Olympus'"),
        ("[bot]\ndatabse_url = 'x'\n", "bot.databse_url: unknown key"),
        ('[permissions]\nadmins = ["12345"]\n', "must look like 'platform:user_id'"),
        ("[bot\n", "not valid TOML"),
        ("[bot]\njob_lease_seconds = 5\n", "bot.job_lease_seconds"),
        ("[bot]\njob_lease_seconds = 86400\n", "less than or equal to 3600"),
    ],
)
def test_bad_values_name_the_file_and_the_key(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)


def test_problems_name_the_line_and_speak_without_pydantic_prefixes(tmp_path: Path) -> None:
    text = '# site config\n[bot]\nlog_level = "INFO"\ncogz = ["core"]\n\n[defaults]\n'
    path = write(tmp_path, text + 'timezone = "Asia/Almati"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    shown = str(caught.value)
    assert "  - line 4: bot.cogz: unknown key" in shown
    assert "  - line 7: defaults.timezone: unknown timezone 'Asia/Almati'" in shown
    assert "Value error" not in shown


def test_missing_file_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"copy config\.example\.toml"):
        load_config(tmp_path / "nope.toml")


def test_tokens_come_only_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(write(tmp_path, '[platforms.telegram]\ntoken_env = "MY_TG"\n'))
    monkeypatch.delenv("MY_TG", raising=False)
    assert config.token("telegram") is None
    monkeypatch.setenv("MY_TG", "123:abc")
    assert config.token("telegram") == "123:abc"
    with pytest.raises(ConfigError, match="unknown key"):
        load_config(write(tmp_path, '[platforms.telegram]\ntoken = "123:abc"\n'))


def test_the_cli_reports_a_bad_config_without_a_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, '[defaults]\nlocale = "fr"\n')
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(path), "rules", "check"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 2
    assert "defaults.locale" in done.stderr
    assert "Traceback" not in done.stderr
