"""Static checks of the container files, hadolint-style, for where no Docker engine runs.

No Docker engine runs on the machines Kenes is developed on, so the image build is not tested
here (tests/test_deploy.py builds it where an engine answers, and skips saying so otherwise).
These rules catch the obvious breakage without one: each rule is a function that returns its
findings, run on the shipped files (which must have none) and on a broken example (which must
be caught, so a rule cannot pass by finding nothing).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import _parser
from bot.config import load_config
from bot.health import beat, check
from tests.auxil.app import ROOT

BUILD_TOOLS = ("build-essential", "gcc", "g++", "make ", "-dev ", "clang", "cargo", "rustc")


@dataclass
class Stage:
    image: str
    name: str | None
    lines: list[str]  # instructions, continuation lines joined


def parse(dockerfile: str) -> tuple[dict[str, str], list[Stage]]:
    """The ARG defaults before the first FROM, and the stages with their instructions."""
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for raw in dockerfile.replace("\\\n", " ").splitlines():
        line = " ".join(raw.split())
        if not line or line.startswith("#"):
            continue
        word = line.split(" ", 1)[0].upper()
        if word == "ARG" and not stages:
            arg, _, default = line.split(" ", 1)[1].partition("=")
            args[arg] = default
        elif word == "FROM":
            parts = line.split()
            image = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args.get(m[1] or m[2], ""), parts[1])
            alias = parts[3] if len(parts) >= 4 and parts[2].upper() == "AS" else None
            stages.append(Stage(image, alias, []))
        elif stages:
            stages[-1].lines.append(line)
    return args, stages


def instructions(stage: Stage, word: str) -> list[str]:
    return [line.split(" ", 1)[1] for line in stage.lines if line.upper().startswith(word + " ")]


def pinned_base(stages: list[Stage]) -> list[str]:
    """DL3006/DL3007: every base image names a version, never `latest` or nothing."""
    found = []
    for stage in stages:
        tag = stage.image.rpartition(":")[2] if ":" in stage.image else ""
        if "@sha256:" not in stage.image and (
            not tag or tag == "latest" or not re.search(r"\d", tag)
        ):
            found.append(f"base image {stage.image!r} is not pinned to a version")
    return found


def non_root(stages: list[Stage]) -> list[str]:
    """DL3002: the final stage switches to a user that is not root."""
    users = instructions(stages[-1], "USER")
    if not users:
        return ["the final stage has no USER: it runs as root"]
    if users[-1].split(":")[0] in ("root", "0"):
        return [f"the final stage runs as {users[-1]}"]
    return []


def no_build_tools(stages: list[Stage]) -> list[str]:
    """Compilers stay in the build stage: nothing is installed with them in the final one."""
    found = []
    for run in instructions(stages[-1], "RUN"):
        found += [f"{tool.strip()} in the final stage" for tool in BUILD_TOOLS if tool in run + " "]
    return found


def apt_hygiene(stages: list[Stage]) -> list[str]:
    """DL3009/DL3015: apt-get installs without recommends and removes its lists in the RUN."""
    found = []
    for stage in stages:
        for run in instructions(stage, "RUN"):
            if "apt-get install" not in run:
                continue
            if "--no-install-recommends" not in run:
                found.append("apt-get install without --no-install-recommends")
            if "rm -rf /var/lib/apt/lists" not in run:
                found.append("apt-get lists are left in the layer")
    return found


def copy_not_add(stages: list[Stage]) -> list[str]:
    """DL3020: COPY for files and folders; ADD fetches URLs and unpacks archives unasked."""
    return [f"ADD {add}" for stage in stages for add in instructions(stage, "ADD")]


def copy_from_known_stage(stages: list[Stage]) -> list[str]:
    """COPY --from names an earlier stage."""
    found = []
    for index, stage in enumerate(stages):
        earlier = {s.name for s in stages[:index]} | {str(i) for i in range(index)}
        for copy in instructions(stage, "COPY"):
            source = re.match(r"--from=(\S+)", copy)
            if source and source.group(1) not in earlier:
                found.append(f"COPY --from={source.group(1)}: no such earlier stage")
    return found


def exec_form(stages: list[Stage]) -> list[str]:
    """DL3025: ENTRYPOINT, CMD and HEALTHCHECK in JSON form (signals reach kenes, not a shell)."""
    found = []
    final = stages[-1]
    for word in ("ENTRYPOINT", "CMD"):
        for value in instructions(final, word):
            if not value.startswith("["):
                found.append(f"{word} in shell form")
    for value in instructions(final, "HEALTHCHECK"):
        cmd = health_command(value)
        if value.strip().upper() != "NONE" and not cmd.startswith("["):
            found.append("HEALTHCHECK CMD in shell form")
    return found


def health_command(value: str) -> str:
    """The command of a HEALTHCHECK instruction, after its options."""
    found = re.search(r"(?:^|\s)CMD\s+(.*)$", value)
    return found.group(1) if found else ""


def healthcheck(stages: list[Stage]) -> list[str]:
    """The final stage has a HEALTHCHECK whose command is `kenes ... health`, which this
    version of the CLI accepts, and whose config file sets the heartbeat file it reads."""
    checks = instructions(stages[-1], "HEALTHCHECK")
    if not checks:
        return ["the final stage has no HEALTHCHECK"]
    cmd = health_command(checks[-1])
    if not cmd:
        return ["HEALTHCHECK without CMD"]
    argv = yaml.safe_load(cmd) if cmd.startswith("[") else shlex.split(cmd)
    if argv[0] != "kenes":
        return [f"HEALTHCHECK runs {argv[0]!r}, not kenes"]
    try:
        parsed = _parser().parse_args(argv[1:])
    except SystemExit:
        return [f"kenes does not accept {' '.join(argv[1:])!r}"]
    if parsed.command != "health":
        return [f"HEALTHCHECK runs `kenes {parsed.command}`, not `kenes health`"]
    return []


RULES: list[Callable[[list[Stage]], list[str]]] = [
    pinned_base,
    non_root,
    no_build_tools,
    apt_hygiene,
    copy_not_add,
    copy_from_known_stage,
    exec_form,
    healthcheck,
]


def test_the_shipped_dockerfile_breaks_no_rule() -> None:
    _, stages = parse((ROOT / "Dockerfile").read_text("utf-8"))
    assert len(stages) == 2
    assert stages[0].name == "build"
    findings = [finding for rule in RULES for finding in rule(stages)]
    assert findings == []


BROKEN = """\
ARG BASE=python
FROM ${BASE} AS build
RUN apt-get update && apt-get install -y build-essential
FROM python:latest
ADD https://example.com/x.tar.gz /x
COPY --from=builder /opt /opt
RUN apt-get update && apt-get install -y --no-install-recommends gcc && rm -rf /var/lib/apt/lists/*
USER root
HEALTHCHECK CMD curl -f http://localhost/ || exit 1
ENTRYPOINT kenes run
"""


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (pinned_base, "base image 'python' is not pinned"),
        (pinned_base, "base image 'python:latest' is not pinned"),
        (non_root, "the final stage runs as root"),
        (no_build_tools, "gcc in the final stage"),
        (apt_hygiene, "apt-get install without --no-install-recommends"),
        (apt_hygiene, "apt-get lists are left in the layer"),
        (copy_not_add, "ADD https://example.com/x.tar.gz /x"),
        (copy_from_known_stage, "COPY --from=builder: no such earlier stage"),
        (exec_form, "ENTRYPOINT in shell form"),
        (exec_form, "HEALTHCHECK CMD in shell form"),
        (healthcheck, "HEALTHCHECK runs 'curl', not kenes"),
    ],
)
def test_each_rule_catches_its_fault(
    rule: Callable[[list[Stage]], list[str]], expected: str
) -> None:
    _, stages = parse(BROKEN)
    assert any(expected in finding for finding in rule(stages)), rule(stages)


def test_missing_user_and_healthcheck_are_caught() -> None:
    _, stages = parse('FROM python:3.11-slim\nCMD ["kenes"]\n')
    assert non_root(stages) == ["the final stage has no USER: it runs as root"]
    assert healthcheck(stages) == ["the final stage has no HEALTHCHECK"]
    _, wrong = parse('FROM python:3.11-slim\nHEALTHCHECK CMD ["kenes", "run"]\n')
    assert healthcheck(wrong) == ["HEALTHCHECK runs `kenes run`, not `kenes health`"]


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))
    return data


def test_compose_pins_its_images_and_every_long_running_service_has_a_healthcheck() -> None:
    services = _compose()["services"]
    _, stages = parse((ROOT / "Dockerfile").read_text("utf-8"))
    for name, service in services.items():
        image = str(service.get("image", ""))
        if "build" not in service:  # images pulled from a registry name their version
            assert pinned_base([Stage(image, None, [])]) == [], name
        if service.get("restart") == "no":
            assert service.get("healthcheck") == {"disable": True}, name
            continue
        has_own = "healthcheck" in service and not service["healthcheck"].get("disable")
        from_image = "build" in service and healthcheck(stages) == []
        assert has_own or from_image, f"{name} has no healthcheck"


def test_the_image_config_names_the_heartbeat_the_healthcheck_reads() -> None:
    config = load_config(ROOT / "deploy" / "config.toml")
    assert config.bot.heartbeat_file == Path("/var/lib/kenes/heartbeat")
    assert config.bot.heartbeat_file.parent.as_posix() in (ROOT / "Dockerfile").read_text("utf-8")


def _health(config: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), "health", *extra],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )


def test_kenes_health_reads_the_heartbeat(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[bot]\nheartbeat_file = "state/heartbeat"\n', "utf-8")
    missing = _health(config)
    assert missing.returncode == 1
    assert "does not exist" in missing.stderr
    beat(tmp_path / "state" / "heartbeat")
    assert _health(config).returncode == 0
    old = time.time() - 120
    os.utime(tmp_path / "state" / "heartbeat", (old, old))
    stale = _health(config)
    assert stale.returncode == 1
    assert "stuck or stopped" in stale.stderr
    assert check(None) is not None


async def test_the_running_bot_touches_its_heartbeat(tmp_path: Path) -> None:
    from bot.core.tasks import cancel_task
    from bot.health import start_heartbeat

    path = tmp_path / "beat"
    task = start_heartbeat(path)
    try:
        assert check(path) is None
    finally:
        await cancel_task(task)
