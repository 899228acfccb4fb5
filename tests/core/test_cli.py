"""The `kenes` command: version, help on every subcommand, schema generation."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot import __version__
from bot.cli import main
from tests.auxil.app import RULES


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert __version__ in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [[], ["run"], ["db"], ["db", "upgrade"], ["db", "downgrade"], ["rules"], ["rules", "check"]],
)
def test_help_on_every_subcommand(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main([*argv, "--help"])
    assert done.value.code == 0
    assert "usage: kenes" in capsys.readouterr().out


def test_rules_schema_writes_json_schemas(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    assert (
        main(["--config", str(RULES.parent / "config.example.toml"), "rules", "schema", str(rules)])
        == 0
    )
    schema = json.loads((rules / "schema" / "community.schema.json").read_text("utf-8"))
    assert schema["title"] == "CommunityRules"
    assert schema["additionalProperties"] is False


def test_shipped_schemas_are_up_to_date(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    main(["--config", str(RULES.parent / "config.example.toml"), "rules", "schema", str(rules)])
    for fresh in (rules / "schema").glob("*.json"):
        shipped = RULES / "schema" / fresh.name
        assert shipped.exists(), f"run `kenes rules schema` and commit {shipped}"
        assert shipped.read_text("utf-8") == fresh.read_text("utf-8"), f"{shipped} is stale"
