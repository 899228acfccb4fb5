"""The `kenes` command: run the bot, migrate the database, check rule files."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bot import __version__
from bot.config import Config, default_config_path, load_config
from bot.core.errors import ConfigError
from bot.rules.loader import Compiler, RulesError, load_rules, write_schemas

log = logging.getLogger("kenes")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kenes", description="Kenes: the community-operations bot."
    )
    parser.add_argument("--version", action="version", version=f"kenes {__version__}")
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="configuration file (default: config.toml, else config.example.toml)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = commands.add_parser(
        "run",
        help="start the bot",
        description="Start the bot on every platform whose token is set; with none, the console. "
        "When standard input is not a terminal the console replays it as a transcript.",
    )
    run.add_argument(
        "--keep-state",
        action="store_true",
        help="replay a transcript against the configured database instead of a fresh one",
    )

    db = commands.add_parser("db", help="manage the database schema")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = db_commands.add_parser("upgrade", help="apply migrations (default: all)")
    up.add_argument("revision", nargs="?", default="head")
    down = db_commands.add_parser("downgrade", help="revert migrations (default: one step)")
    down.add_argument("revision", nargs="?", default="-1")

    rules = commands.add_parser("rules", help="work with the rule files under rules/")
    rules_commands = rules.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    check = rules_commands.add_parser(
        "check", help="validate every rule file; report all problems; exit 1 on any"
    )
    check.add_argument("directory", nargs="?", type=Path, default=None)
    schema = rules_commands.add_parser("schema", help="write JSON Schemas for editors")
    schema.add_argument("directory", nargs="?", type=Path, default=None)
    replay = rules_commands.add_parser(
        "replay",
        help="run the moderation pipeline over a JSONL log; print one verdict per line",
        description='Each line: {"text": ..., "user": ..., "chat": ..., "ts": seconds}. '
        "Prints one JSON verdict per line and a summary on standard error.",
    )
    replay.add_argument("--rules", type=Path, default=None, help="rules folder to try")
    replay.add_argument("log", type=Path, help="JSONL file of messages ('-' for stdin)")
    return parser


def _config(args: argparse.Namespace) -> Config:
    return load_config(args.config or default_config_path())


def _rules_check(directory: Path) -> int:
    try:
        ruleset = load_rules(directory, _compilers())
    except RulesError as exc:
        print(f"{len(exc.problems)} problem(s) in {directory}:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"{directory}: all rule files are valid")
    # A rule model may list what is valid but not ready (a placeholder help line): say so,
    # without failing, since the bot runs fine with it.
    for name, model in ruleset.files.items():
        notices = getattr(model, "notices", None)
        for key, message in notices() if callable(notices) else ():
            print(f"  to do: {directory.name}/{name}: {key}: {message}")
    return 0


def _compilers() -> dict[str, Compiler]:
    """Compilers that cogs register at run time, so `rules check` catches what reload would."""
    from bot.rules.matcher import compile_moderation

    return {"moderation": compile_moderation}


def _rules_replay(config: Config, rules: Path, log_path: Path) -> int:
    from cogs.moderation.replay import replay_log

    try:
        if str(log_path) == "-":
            lines = sys.stdin.readlines()
        else:
            lines = log_path.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        print(f"kenes: cannot read {log_path}: {exc}", file=sys.stderr)
        return 2
    try:
        bad = asyncio.run(replay_log(lines, rules, config, sys.stdout, sys.stderr))
    except RulesError as exc:
        print(f"kenes: the rule files have problems:\n{exc}", file=sys.stderr)
        return 1
    return 1 if bad else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = _config(args)
    except ConfigError as exc:
        print(f"kenes: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=config.bot.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if args.command == "db":
        from bot.db import migrate

        if args.db_command == "upgrade":
            migrate.upgrade(config.bot.database_url, args.revision)
        else:
            migrate.downgrade(config.bot.database_url, args.revision)
        return 0
    if args.command == "rules":
        if args.rules_command == "replay":
            return _rules_replay(config, args.rules or config.bot.rules_dir, args.log)
        directory = args.directory or config.bot.rules_dir
        if args.rules_command == "check":
            return _rules_check(directory)
        for path in write_schemas(directory):
            print(f"wrote {path}")
        return 0
    return asyncio.run(_run(config, keep_state=args.keep_state))


async def _until_signalled() -> None:
    """Wait for Ctrl-C or SIGTERM, so a service manager's stop shuts the bot down cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    log.info("stopping: finishing work in flight and disconnecting")


async def _run(config: Config, *, keep_state: bool) -> int:
    from bot.adapters.console import ConsoleAdapter
    from bot.adapters.console.runner import interactive, replay
    from bot.app import Kenes
    from bot.core.clock import AdjustableClock, ManualClock, SystemClock
    from bot.db.engine import make_engine
    from bot.db.migrate import upgrade_engine
    from bot.platforms import platform_adapters

    adapters = platform_adapters(config)
    console = not adapters
    transcript = console and not sys.stdin.isatty()
    url = config.bot.database_url
    scratch: tempfile.TemporaryDirectory[str] | None = None
    if transcript and not keep_state:
        # Each transcript starts from an empty community so the same input gives the same output.
        scratch = tempfile.TemporaryDirectory(prefix="kenes-")
        url = f"sqlite+aiosqlite:///{scratch.name}/transcript.db"
    clock: AdjustableClock = ManualClock(config.console.start) if transcript else SystemClock()
    if console:
        logging.getLogger().setLevel(max(logging.WARNING, logging.getLogger().level))
        adapters = [ConsoleAdapter(config.console.community, config.console.channel)]
    engine = make_engine(url)
    try:
        await upgrade_engine(engine)
        app = Kenes(config, engine, clock, adapters)
        try:
            await app.start(background=not transcript)
        except RulesError as exc:
            print(f"kenes: the rule files have problems:\n{exc}", file=sys.stderr)
            return 1
        except ConfigError as exc:  # e.g. a platform refused its token
            await app.stop()
            print(f"kenes: {exc}", file=sys.stderr)
            return 2
        try:
            if transcript:
                adapter = adapters[0]
                assert isinstance(adapter, ConsoleAdapter)
                bad = await replay(adapter, sys.stdin, sys.stderr)
                return 1 if bad else 0
            if console:
                adapter = adapters[0]
                assert isinstance(adapter, ConsoleAdapter)
                await interactive(adapter)
            else:
                await _until_signalled()
        finally:
            await app.stop()
    finally:
        await engine.dispose()
        if scratch is not None:
            scratch.cleanup()
    return 0
