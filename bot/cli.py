"""The `kenes` command: run the bot, migrate and back up the database, check rule files."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from bot import __version__
from bot.config import Config, default_config_path, load_config
from bot.core.errors import ConfigError, KenesError
from bot.core.features import CliCommand, shipped_features, shipped_rule_files
from bot.logs import setup_logging
from bot.rules.loader import Compiler, RuleProblem, RulesError, load_rules, write_schemas

log = logging.getLogger("kenes")

# The README promises a stop within 10 s of SIGTERM; the app's own stop is bounded tighter.
EXIT_DEADLINE_SECONDS = 9.5


def _common(suppress: bool) -> argparse.ArgumentParser:
    """Options taken before or after the command: `kenes --config X run` or `kenes run --config X`.

    On subcommands the defaults are suppressed, so an option given before the command is not
    overwritten by the subcommand's default.
    """
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        type=Path,
        default=argparse.SUPPRESS if suppress else None,
        help="configuration file (default: config.toml, else config.example.toml); "
        "relative paths in it are relative to its folder",
    )
    common.add_argument(
        "--log-format",
        choices=("text", "json"),
        default=argparse.SUPPRESS if suppress else "text",
        help="log lines for people (text, the default) or for log collectors (json: one object "
        "per line)",
    )
    return common


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kenes", description="Kenes: the community-operations bot.", parents=[_common(False)]
    )
    parser.add_argument("--version", action="version", version=f"kenes {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    sub = _common(True)

    run = commands.add_parser(
        "run",
        parents=[sub],
        help="start the bot",
        description="Start the bot on every platform whose token is set; with none, the console. "
        "When standard input is not a terminal the console replays it as a transcript.",
    )
    run.add_argument(
        "--keep-state",
        action="store_true",
        help="replay a transcript against the configured database instead of a fresh one",
    )

    health = commands.add_parser(
        "health",
        parents=[sub],
        help="exit 0 when the running bot is alive (for a container's health check)",
        description="Read bot.heartbeat_file: the running bot touches it every 15 s; older "
        "than --stale seconds (or missing) means stuck or stopped, and the exit status is 1.",
    )
    health.add_argument("--stale", type=float, default=60.0, help="seconds (default 60)")

    db = commands.add_parser("db", parents=[sub], help="manage the database")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = db_commands.add_parser("upgrade", parents=[sub], help="apply migrations (default: all)")
    up.add_argument("revision", nargs="?", default="head")
    down = db_commands.add_parser(
        "downgrade", parents=[sub], help="revert migrations (default: one step)"
    )
    down.add_argument("revision", nargs="?", default="-1")
    backup = db_commands.add_parser(
        "backup",
        parents=[sub],
        help="copy the SQLite database into FILE, consistently, while the bot runs",
        description="Uses SQLite's online backup API; safe while the bot is running. For "
        "PostgreSQL use pg_dump (see docs/operators.md).",
    )
    backup.add_argument("file", type=Path)
    restore = db_commands.add_parser(
        "restore",
        parents=[sub],
        help="replace the SQLite database with a backup FILE (stop the bot first)",
    )
    restore.add_argument("file", type=Path)

    export = commands.add_parser(
        "export",
        parents=[sub],
        help="write a community's settings and the rule files as one JSON file",
    )
    export.add_argument("community", help="'platform:id', e.g. telegram:-1001234567890")
    export.add_argument("file", type=Path, help="where to write ('-' for standard output)")
    import_ = commands.add_parser(
        "import",
        parents=[sub],
        help="apply an export: rule files (validated first) and the community's settings",
    )
    import_.add_argument("file", type=Path, help="a file written by `kenes export`")

    report = commands.add_parser(
        "report",
        parents=[sub],
        help="a community's metrics per period, as CSV or JSON (for analysts)",
    )
    report.add_argument(
        "--community", required=True, help="'platform:id', e.g. telegram:-1001234567890"
    )
    report.add_argument("--from", dest="first", required=True, type=_day, help="YYYY-MM-DD")
    report.add_argument("--to", dest="last", required=True, type=_day, help="YYYY-MM-DD")
    report.add_argument("--period", default="week", choices=("day", "week", "month"))
    report.add_argument("--format", dest="fmt", default="csv", choices=("csv", "json"))

    rules = commands.add_parser("rules", parents=[sub], help="work with the rule files")
    rules_commands = rules.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    check = rules_commands.add_parser(
        "check", parents=[sub], help="validate every rule file; report all problems; exit 1 on any"
    )
    check.add_argument("directory", nargs="?", type=Path, default=None)
    schema = rules_commands.add_parser(
        "schema", parents=[sub], help="write JSON Schemas for editors"
    )
    schema.add_argument("directory", nargs="?", type=Path, default=None)
    replay = rules_commands.add_parser(
        "replay",
        parents=[sub],
        help="run the moderation pipeline over a JSONL log; print one verdict per line",
        description='Each line: {"text": ..., "user": ..., "chat": ..., "ts": seconds}. '
        "Prints one JSON verdict per line and a summary on standard error.",
    )
    replay.add_argument("--rules", type=Path, default=None, help="rules folder to try")
    replay.add_argument(
        "--samples",
        type=Path,
        default=None,
        help="folder with spam.txt and ham.txt to train the spam check on "
        '(default: the rules folder\'s samples); lines with a "label" field '
        "(spam or ham) are measured: precision and recall",
    )
    replay.add_argument("log", type=Path, help="JSONL file of messages ('-' for stdin)")
    # Commands features add (`kenes bans`), each run with the features loaded, offline.
    for feature in shipped_features():
        for extra in feature.cli:
            added = commands.add_parser(extra.name, parents=[sub], help=extra.help)
            extra.configure(added)
            added.set_defaults(feature_command=extra)
    return parser


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write YYYY-MM-DD") from None


def _report(args: argparse.Namespace, config: Config) -> int:
    """Run the report of the feature that offers one (the metrics), found without naming it."""
    from bot.core.features import shipped_features
    from bot.db.engine import DatabaseUnavailable

    reports = [f.report for f in shipped_features() if f.report is not None]
    if not reports:
        print("kenes: no feature offers a report (is cogs/metrics installed?)", file=sys.stderr)
        return 2
    try:
        return asyncio.run(
            reports[0](
                config, args.community, args.first, args.last, args.period, args.fmt, sys.stdout
            )
        )
    except (ValueError, DatabaseUnavailable) as exc:
        print(f"kenes report: {exc}", file=sys.stderr)
        return 2


def _config(args: argparse.Namespace) -> Config:
    return load_config(args.config or default_config_path())


def _rules_check(directory: Path) -> int:
    try:
        ruleset = load_rules(directory, _compilers(), shipped_rule_files())
    except RulesError as exc:
        count = len(exc.problems)
        print(f"{count} problem{'' if count == 1 else 's'} in {directory}:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    # A compiler may skip a bad file of a folder and load the rest (content's post files): the
    # bot runs, but the skipped file is a problem to fix, listed like the others.
    skipped = [
        problem
        for value in ruleset.compiled.values()
        for problem in getattr(value, "problems", ())
        if isinstance(problem, RuleProblem)
    ]
    if skipped:
        count = len(skipped)
        print(f"{count} problem{'' if count == 1 else 's'} in {directory}:", file=sys.stderr)
        for problem in skipped:
            print(f"  {problem} (this file is skipped; the others load)", file=sys.stderr)
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
    """Compilers that features register at run time, so `rules check` catches what reload would."""
    from bot.core.features import shipped_features

    return {key: c for feature in shipped_features() for key, c in feature.compilers.items()}


def _rules_replay(config: Config, rules: Path, log_path: Path, samples: Path | None = None) -> int:
    from bot.core.features import shipped_features

    replays = [f.replay for f in shipped_features() if f.replay is not None]
    if not replays:
        print("kenes: no enabled feature replays message logs", file=sys.stderr)
        return 2
    try:
        if str(log_path) == "-":
            lines = sys.stdin.readlines()
        else:
            # Only "\n" ends a JSON line: str.splitlines() would also cut at U+0085, U+2028
            # and U+2029, which JSON allows raw inside strings, and shift later line numbers.
            lines = log_path.read_text("utf-8").split("\n")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"kenes: cannot read {log_path}: {exc}", file=sys.stderr)
        return 2
    try:
        bad = 0
        for replay in replays:
            bad += asyncio.run(
                replay(lines, rules, config, sys.stdout, sys.stderr, samples=samples)
            )
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
    setup_logging(config.bot.log_level, args.log_format, config.secrets())
    try:
        return _command(args, config)
    except KenesError as exc:
        # Problems an operator can fix (a database that is down, a schema to migrate, a bad
        # backup file) are one line saying what to do, never a traceback.
        print(f"kenes: {exc}", file=sys.stderr)
        return 2


def _command(args: argparse.Namespace, config: Config) -> int:
    extra: CliCommand | None = getattr(args, "feature_command", None)
    if extra is not None:
        # The result is the output (`kenes bans export > bans.json`); the features loaded for it
        # would warn about what only matters to a running bot (channels not found).
        logging.getLogger().setLevel(max(logging.ERROR, logging.getLogger().level))
        return asyncio.run(_feature_command(config, extra, args))
    if args.command == "db":
        return _db(args, config)
    if args.command == "health":
        from bot.health import check

        problem = check(config.bot.heartbeat_file, stale=args.stale)
        if problem is not None:
            print(f"kenes: unhealthy: {problem}", file=sys.stderr)
            return 1
        print("kenes: healthy")
        return 0
    if args.command == "export":
        return _export(config, args.community, args.file)
    if args.command == "import":
        return _import(config, args.file)
    if args.command == "report":
        return _report(args, config)
    if args.command == "rules":
        if args.rules_command == "replay":
            return _rules_replay(config, args.rules or config.bot.rules_dir, args.log, args.samples)
        directory = args.directory or config.bot.rules_dir
        if args.rules_command == "check":
            # The result is the output: INFO lines (e.g. "rules compiled") would be mixed in.
            logging.getLogger().setLevel(max(logging.WARNING, logging.getLogger().level))
            return _rules_check(directory)
        for path in write_schemas(directory, shipped_rule_files()):
            print(f"wrote {path}")
        return 0
    try:
        return asyncio.run(_run(config, keep_state=args.keep_state))
    except KeyboardInterrupt:
        # Ctrl-C in the console is how people leave: the app was stopped on the way out.
        print(file=sys.stderr)
        return 130


def _db(args: argparse.Namespace, config: Config) -> int:
    from bot.db import backup, migrate
    from bot.db.engine import check_database, make_engine

    url = config.bot.database_url
    if args.db_command in ("upgrade", "downgrade"):

        async def reachable() -> None:
            engine = make_engine(url)
            try:
                await check_database(engine)
            finally:
                await engine.dispose()

        asyncio.run(reachable())
        from alembic.util.exc import CommandError

        try:
            if args.db_command == "upgrade":
                migrate.upgrade(url, args.revision)
            else:
                migrate.downgrade(url, args.revision)
        except CommandError as exc:
            # e.g. a database at a revision this code does not know (a newer Kenes wrote it)
            raise migrate.SchemaMismatch(
                f"{exc}; this Kenes knows revisions up to {migrate.head_revision()}"
            ) from None
        return 0
    if args.db_command == "backup":
        size = backup.backup(url, args.file)
        print(f"backed up to {args.file} ({size} bytes)")
        return 0
    backup.restore(url, args.file)
    print(f"restored the database from {args.file}")
    return 0


def _export(config: Config, community: str, target: Path) -> int:
    from bot.db.engine import DatabaseUnavailable
    from bot.transfer import chat_settings, export_community

    try:
        # An unknown community raises TransferError: `main` prints it and exits 2.
        chat = asyncio.run(chat_settings(config, community))
    except DatabaseUnavailable as exc:
        # The file's settings and the rules still travel; say what is missing from the view.
        print(f"kenes: settings chosen in chat are not included: {exc}", file=sys.stderr)
        chat = {}
    bundle = export_community(config, community, chat)
    text = json.dumps(bundle, ensure_ascii=False, indent=2) + "\n"
    if str(target) == "-":
        sys.stdout.write(text)
    else:
        target.write_text(text, "utf-8")
        print(f"exported {community} to {target}")
    return 0


def _import(config: Config, source: Path) -> int:
    from bot.transfer import TransferError, import_community

    try:
        bundle = json.loads(source.read_text("utf-8"))
    except json.JSONDecodeError as exc:
        raise TransferError(
            f"{source} is not a Kenes export: not JSON ({exc.msg} at line {exc.lineno}); "
            "import the file `kenes export COMMUNITY FILE` wrote"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TransferError(f"cannot read {source}: {exc}") from None

    def validate(folder: Path) -> None:
        try:
            load_rules(folder, _compilers(), shipped_rule_files())
        except RulesError as exc:
            raise TransferError(
                f"the bundle's rule files have problems (nothing was changed):\n{exc}"
            ) from None

    changes = import_community(config, bundle, validate)
    for line in changes or ["nothing to change: this set-up matches the bundle"]:
        print(line)
    return 0


async def _feature_command(config: Config, extra: CliCommand, args: argparse.Namespace) -> int:
    """Run a feature's command with the configured features loaded and nothing connected."""
    from bot.app import Kenes
    from bot.core.clock import SystemClock
    from bot.db.engine import check_database, make_engine
    from bot.db.migrate import check_schema

    engine = make_engine(config.bot.database_url)
    try:
        await check_database(engine)
        await check_schema(engine, upgrade_older=engine.dialect.name == "sqlite")
        app = Kenes(config, engine, SystemClock(), adapters=[])
        try:
            app.services.rules.load()
        except RulesError as exc:
            print(f"kenes: the rule files have problems:\n{exc}", file=sys.stderr)
            return 1
        # Cogs only: no scheduler start or re-arm, so a bot running on the same database
        # keeps its jobs; what the command stages, the bot runs.
        for name in config.bot.cogs:
            await app.cogs.load_extension(f"cogs.{name}")
        try:
            return await extra.run(args, app.services, sys.stdout, sys.stderr)
        finally:
            await app.cogs.unload_all()
    finally:
        await engine.dispose()


def _stop_on_signals() -> asyncio.Event:
    """An event set by Ctrl-C or SIGTERM, so a service manager's stop shuts the bot down cleanly.

    Installed before start-up: a stop that arrives while platforms connect is honoured once they
    have, instead of killing the process halfway.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


def _default_signals() -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.remove_signal_handler(sig)


async def _run(config: Config, *, keep_state: bool) -> int:
    from bot.adapters.console import ConsoleAdapter
    from bot.adapters.console.runner import interactive, replay
    from bot.app import Kenes, freeze_start_up_heap
    from bot.core.clock import AdjustableClock, ManualClock, SystemClock
    from bot.core.tasks import bounded
    from bot.db.engine import check_database, make_engine
    from bot.db.migrate import check_schema
    from bot.platforms import platform_adapters
    from bot.shared import SharedState

    adapters = platform_adapters(config)
    console = not adapters
    transcript = console and not sys.stdin.isatty()
    url = config.bot.database_url
    scratch: tempfile.TemporaryDirectory[str] | None = None
    if console and not keep_state:
        # Each console session starts from an empty community: a transcript gives the same
        # output every time, and an interactive session's message and case numbers both start
        # at 1 (the console's messages are not stored, so numbers that carried over would not
        # match). --keep-state uses the configured database instead.
        scratch = tempfile.TemporaryDirectory(prefix="kenes-")
        url = f"sqlite+aiosqlite:///{scratch.name}/transcript.db"
        if transcript:
            # A transcript's /blocklist, /spam and /notspam write the rule files: on a copy, so
            # running it again gives the same output and the real folder stays as it was.
            rules = Path(scratch.name) / "rules"
            if config.bot.rules_dir.is_dir():
                shutil.copytree(
                    config.bot.rules_dir, rules, ignore=shutil.ignore_patterns("schema")
                )
                bot = config.bot.model_copy(update={"rules_dir": rules})
                config = config.model_copy(update={"bot": bot})
    clock: AdjustableClock = ManualClock(config.console.start) if transcript else SystemClock()
    if console:
        logging.getLogger().setLevel(max(logging.WARNING, logging.getLogger().level))
        adapters = [ConsoleAdapter(config.console.community, config.console.channel)]
    engine = make_engine(url)
    shared: SharedState | None = None
    try:
        await check_database(engine)
        await check_schema(engine, upgrade_older=engine.dialect.name == "sqlite")
        if config.bot.redis_url and not transcript:
            shared = await SharedState.connect(config.bot.redis_url)
        app = Kenes(config, engine, clock, adapters, shared)
        stop = None if console else _stop_on_signals()
        try:
            await app.start(background=not transcript)
        except RulesError as exc:
            print(f"kenes: the rule files have problems:\n{exc}", file=sys.stderr)
            return 1
        except ConfigError as exc:  # e.g. a platform refused its token
            await app.stop()
            print(f"kenes: {exc}", file=sys.stderr)
            return 2
        freeze_start_up_heap()
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
            elif stop is not None:
                await stop.wait()
                log.info("stopping: finishing work in flight and disconnecting")
                _exit_if_stuck(EXIT_DEADLINE_SECONDS)
        finally:
            if stop is not None:
                _default_signals()
            await app.stop()
    finally:
        if shared is not None:
            await shared.close()
        # Bounded like the stop: a connection waiting out a locked database is not waited for.
        await bounded(engine.dispose(), 1.0, "closing the database")
        if scratch is not None:
            scratch.cleanup()
    return 0


def _exit_if_stuck(seconds: float) -> None:
    """Leave the process `seconds` after a stop was asked for, however far the stop got.

    The stop itself is bounded, but a thread of the SQLite driver waiting out "database is
    locked" cannot be interrupted, and the interpreter waits for it at exit. Everything that
    matters is durable already (updates in the inbox, jobs in their table), so leave.
    """

    def leave() -> None:
        log.warning("the stop took over %.1f s (a database call is stuck); exiting now", seconds)
        for handler in logging.getLogger().handlers:
            handler.flush()
        os._exit(0)

    timer = threading.Timer(seconds, leave)
    timer.daemon = True  # never keeps a process that ended normally
    timer.start()
