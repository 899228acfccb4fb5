"""The live rule set: validated, compiled and swapped atomically; a bad edit keeps the last good."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.core.tasks import cancel_task, every
from bot.rules.loader import (
    CORE_RULE_FILES,
    Compiler,
    RuleFileSpec,
    RuleProblem,
    RulesError,
    RuleSet,
    load_rules,
)
from bot.telemetry import RULE_RELOADS

log = logging.getLogger(__name__)

ProblemsListener = Callable[[list[RuleProblem]], Awaitable[None]]
ChangeListener = Callable[[], Awaitable[None]]


class RulesStore:
    """Holds the current RuleSet; `reload()` replaces it only when the new set is valid.

    It starts with the core's own file; features add theirs (`add_file`) as they load.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._files: list[RuleFileSpec] = list(CORE_RULE_FILES)
        self._compilers: dict[str, Compiler] = {}
        self._current: RuleSet | None = None
        self._listeners: list[ProblemsListener] = []
        self._changed: list[ChangeListener] = []
        self._stamp: tuple[tuple[str, int, int], ...] = ()
        self._task: asyncio.Task[None] | None = None
        # One reload at a time: the watcher and a manual reload must not race to swap.
        self._reloading = asyncio.Lock()

    @property
    def current(self) -> RuleSet:
        if self._current is None:
            raise RuntimeError("rules are not loaded yet; call RulesStore.load() at start")
        return self._current

    @property
    def files(self) -> tuple[RuleFileSpec, ...]:
        return tuple(self._files)

    def add_file(self, spec: RuleFileSpec) -> None:
        """Validate a feature's rule file from now on; raises RulesError when it is bad now."""
        files = [*self._files, spec]
        if self._current is not None:
            fresh = load_rules(self.directory, self._compilers, files)
            self._current = fresh
        self._files = files

    def remove_file(self, spec: RuleFileSpec) -> None:
        if spec in self._files:
            self._files.remove(spec)

    def add_compiler(self, key: str, compiler: Compiler) -> None:
        """Build derived data (e.g. matchers) for every future and the current rule set."""
        self._compilers[key] = compiler
        if self._current is not None:
            compiled = dict(self._current.compiled)
            try:
                compiled[key] = compiler(self._current)
            except RulesError:
                raise
            except Exception as exc:  # reported like any rule problem, never a traceback
                log.exception("rule compiler %r failed", key)
                problem = RuleProblem(
                    self.directory.name, f"({key})", f"could not compile: {exc!r}"
                )
                raise RulesError([problem]) from exc
            self._current = RuleSet(self._current.files, compiled, self._current.source)

    def remove_compiler(self, key: str) -> None:
        self._compilers.pop(key, None)

    def on_problems(self, listener: ProblemsListener) -> None:
        """Call `listener` with the problems of every rejected edit (e.g. post to the mod log)."""
        self._listeners.append(listener)

    def on_change(self, listener: ChangeListener) -> None:
        """Call `listener` after every accepted edit (e.g. check that settings still resolve)."""
        self._changed.append(listener)

    def off_change(self, listener: ChangeListener) -> None:
        if listener in self._changed:
            self._changed.remove(listener)

    def load(self) -> RuleSet:
        """First load: raises RulesError when the files are bad (nothing good to keep yet)."""
        self._stamp = self._fingerprint()
        self._current = load_rules(self.directory, self._compilers, self._files)
        return self._current

    async def reload(self, *, report: bool = True) -> list[RuleProblem]:
        """Validate the folder again; swap on success, keep the last good set on failure.

        Reading, validating and compiling run in a worker thread: a large word list takes
        seconds to build, and every chat would wait that long on the event loop. With
        `report=False` the problems are only returned: a caller that undoes its own edit and
        tells whoever made it (/blocklist) does not post it to every moderators' log.
        """
        async with self._reloading:
            self._stamp = self._fingerprint()
            compilers, files = dict(self._compilers), list(self._files)
            try:
                fresh = await asyncio.to_thread(load_rules, self.directory, compilers, files)
            except RulesError as exc:
                problems = exc.problems
            except Exception as exc:  # still the admins' edit to hear about, not a traceback
                log.exception("loading rules failed")
                problems = [RuleProblem(self.directory.name, "(load)", f"{exc!r}")]
            else:
                self._current = fresh
                RULE_RELOADS.labels("ok").inc()
                log.info("rules reloaded from %s", self.directory)
                for changed in list(self._changed):
                    try:
                        await changed()
                    except Exception:
                        log.exception("a rules listener failed after a reload")
                return []
        RULE_RELOADS.labels("rejected").inc()
        if not report:
            return problems
        log.error("rule edit rejected, keeping the last good rules:\n%s", RulesError(problems))
        for listener in self._listeners:
            try:
                await listener(problems)
            except Exception:
                log.exception("could not report rule problems")
        return problems

    async def check_for_changes(self) -> bool:
        """Reload when any file under the folder changed since the last look."""
        if self._fingerprint() == self._stamp:
            return False
        await self.reload()
        return True

    def watch(self, interval: float = 2.0) -> None:
        """Poll the folder for edits in the background (no extra dependency, works on any FS)."""

        self._task = every(interval, self.check_for_changes, name="rule file watcher")

    async def stop(self) -> None:
        await cancel_task(self._task)
        self._task = None

    def _fingerprint(self) -> tuple[tuple[str, int, int], ...]:
        if not self.directory.is_dir():
            return ()
        entries = []
        for path in sorted(self.directory.rglob("*")):
            if path.is_file() and "schema" not in path.parts:
                stat = path.stat()
                entries.append((str(path), stat.st_mtime_ns, stat.st_size))
        return tuple(entries)
