"""scripts/with-postgres: without a usable server the command still runs, and it says why."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "with-postgres"
SHOW = "import os; print('skip:', os.environ.get('KENES_TEST_POSTGRES_SKIP'))"


def run(tmp_path: Path, pg_lib: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KENES_")}
    env |= {"KENES_PG_LIB": str(pg_lib), "KENES_PG_INSTALL": "0", "TMPDIR": str(tmp_path)}
    return subprocess.run(
        [str(SCRIPT), sys.executable, "-c", SHOW + "; raise SystemExit(3)"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_no_server_runs_the_command_and_says_why(tmp_path: Path) -> None:
    done = run(tmp_path, tmp_path / "no-postgresql")
    assert done.returncode == 3  # the command's own status, not a silent `set -e` exit
    assert "the PostgreSQL tests will skip" in done.stderr
    assert "no PostgreSQL server in" in done.stderr
    assert done.stdout.startswith("skip: no PostgreSQL server in")
    assert list(tmp_path.glob("kenes-pg.*")) == []


def test_a_server_that_does_not_start_is_a_skip_and_leaves_no_folder(tmp_path: Path) -> None:
    bin_dir = tmp_path / "pg" / "16" / "bin"
    bin_dir.mkdir(parents=True)
    for tool in ("initdb", "pg_ctl"):
        fake = bin_dir / tool
        fake.write_text("#!/bin/sh\necho 'FATAL: could not create lock file' >&2\nexit 1\n")
        fake.chmod(0o755)
    done = run(tmp_path, tmp_path / "pg")
    assert done.returncode == 3
    assert "initdb failed" in done.stderr
    assert list(tmp_path.glob("kenes-pg.*")) == []
