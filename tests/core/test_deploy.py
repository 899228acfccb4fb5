"""Deployment files: the image, the compose file, the systemd unit and the version pins agree
with each other and with the `kenes` command they start."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import tomllib
import uuid
from typing import Any

import pytest
import yaml

from bot.cli import _parser
from bot.config import Config, load_config
from tests.auxil.app import ROOT


def _docker_daemon() -> str | None:
    """None when a Docker engine answers; otherwise why the image cannot be built here."""
    if shutil.which("docker") is None:
        return "no docker command on this machine"
    done = subprocess.run(
        ["docker", "info", "--format", "{{.ServerVersion}}"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if done.returncode != 0:
        return "no Docker engine answers here: " + (done.stderr.strip().splitlines() or ["?"])[-1]
    return None


def _stages(dockerfile: str) -> list[list[str]]:
    stages: list[list[str]] = []
    for raw in dockerfile.replace("\\\n", " ").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(line)
    return stages


def test_the_image_runs_as_a_user_without_build_tools() -> None:
    stages = _stages((ROOT / "Dockerfile").read_text("utf-8"))
    assert len(stages) == 2, "a build stage and a slim final stage"
    final = "\n".join(stages[-1])
    assert re.search(r"^FROM \$\{PYTHON_IMAGE\}$", final, re.M)
    assert re.search(r"^USER kenes$", final, re.M), "the final stage runs as the kenes user"
    for tool in ("build-essential", "gcc", "apt-get install"):
        assert tool not in final, f"{tool} in the final stage"
    build = "\n".join(stages[0])
    assert "-c constraints.txt" in build, "the image installs the pinned versions"
    args = re.search(r"^ARG PYTHON_IMAGE=(\S+)", (ROOT / "Dockerfile").read_text("utf-8"), re.M)
    assert args is not None
    assert "slim" in args.group(1)
    entry = re.search(r"^ENTRYPOINT (\[.*\])$", final, re.M)
    cmd = re.search(r"^CMD (\[.*\])$", final, re.M)
    assert entry is not None
    assert cmd is not None
    argv = yaml.safe_load(entry.group(1)) + yaml.safe_load(cmd.group(1))
    assert argv[0] == "kenes"
    _parser().parse_args(argv[1:])


def test_the_image_config_is_valid_and_keeps_state_in_the_volume() -> None:
    config = load_config(ROOT / "deploy" / "config.toml")
    assert config.bot.database_url == "sqlite+aiosqlite:////var/lib/kenes/kenes.db"
    assert config.bot.rules_dir == ROOT / "deploy" / "rules"  # /etc/kenes/rules in the image


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))
    return data


def test_compose_runs_kenes_on_postgres_and_redis_after_one_migration() -> None:
    services = _compose()["services"]
    assert set(services) == {"postgres", "redis", "migrate", "kenes"}
    kenes, migrate = services["kenes"], services["migrate"]
    assert migrate["command"] == ["db", "upgrade"]
    assert kenes["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert kenes["depends_on"]["redis"]["condition"] == "service_healthy"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for service in ("postgres", "redis"):
        assert "healthcheck" in services[service]
    for argv in (kenes["command"], migrate["command"]):
        _parser().parse_args(["--config", "/etc/kenes/config.toml", *argv])
    env = kenes["environment"]
    # Interpolated as compose would, the URLs pass Kenes's own validation.
    url = re.sub(r"\$\{[^}]+\}", "secret", env["KENES_DATABASE_URL"])
    Config.model_validate({"bot": {"database_url": url, "redis_url": env["KENES_REDIS_URL"]}})
    assert url.startswith("postgresql+asyncpg://kenes:secret@postgres:5432/kenes")
    # Tokens come from the operator's environment, never from the file.
    for name in ("KENES_TELEGRAM_TOKEN", "KENES_DISCORD_TOKEN"):
        assert env[name] == f"${{{name}:-}}"
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${")


def test_compose_file_passes_docker_compose_config() -> None:
    if shutil.which("docker") is None:
        pytest.skip("no docker command here; the file was checked by the test above")
    check = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, text=True, check=False
    )
    if check.returncode != 0:
        pytest.skip("the docker compose plugin is not installed here")
    done = subprocess.run(
        ["docker", "compose", "-f", str(ROOT / "docker-compose.yml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        env={"KENES_DB_PASSWORD": "x", "PATH": "/usr/bin:/bin:/usr/local/bin"},
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_systemd_unit_starts_the_bot_with_commands_kenes_accepts() -> None:
    unit = (ROOT / "deploy" / "kenes.service").read_text("utf-8")
    commands = re.findall(r"^Exec\w+=(.+)$", unit, re.M)
    assert len(commands) == 2
    for command in commands:
        argv = shlex.split(command)
        assert argv[0] == "/opt/kenes/bin/kenes"
        _parser().parse_args(argv[1:])
    assert re.search(r"^User=kenes$", unit, re.M)
    assert re.search(r"^KillSignal=SIGTERM$", unit, re.M)


def _requirement_names(pyproject: dict[str, Any]) -> set[str]:
    specs = list(pyproject["project"]["dependencies"])
    for extra in pyproject["project"]["optional-dependencies"].values():
        specs += extra
    return {_norm(re.split(r"[<>=!\[ ;]", spec, maxsplit=1)[0]) for spec in specs}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_dependency_is_pinned_in_constraints() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    pins: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            name, sep, version = line.partition("==")
            assert sep, f"constraints.txt: {line!r} is not an exact pin"
            pins[_norm(name)] = version
    missing = _requirement_names(pyproject) - set(pins)
    assert not missing, f"not pinned (run `make lock`): {sorted(missing)}"
    makefile = (ROOT / "Makefile").read_text("utf-8")
    assert "-c constraints.txt" in makefile


def test_container_image_builds_and_runs_as_non_root() -> None:
    why = _docker_daemon()
    if why is not None:
        pytest.skip(why)
    tag = f"kenes-test:{uuid.uuid4().hex[:8]}"
    try:
        subprocess.run(["docker", "build", "-q", "-t", tag, str(ROOT)], check=True, timeout=1800)
        who = subprocess.run(
            ["docker", "run", "--rm", "--entrypoint", "id", tag, "-u"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert who.stdout.strip() != "0"
        version = subprocess.run(
            ["docker", "run", "--rm", tag, "--version"], capture_output=True, text=True, check=True
        )
        assert version.stdout.startswith("kenes ")
        gcc = subprocess.run(
            ["docker", "run", "--rm", "--entrypoint", "sh", tag, "-c", "command -v gcc"],
            capture_output=True,
            check=False,
        )
        assert gcc.returncode != 0, "gcc in the final image"
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, check=False)
