"""Cogs declare the services they use (`Cog.uses`) and get only those.

A cog without a declaration still runs with every service (so a new cog never crashes for it),
but the first test here fails naming it, with the line to add.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import cogs
from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.core.admission import admission
from bot.core.cogs import Cog, listen
from bot.core.commands import command
from bot.core.context import Context
from bot.core.events import MessageCreated
from bot.core.pipeline import Handler
from bot.services import SERVICE_NAMES, Services, UndeclaredServiceError, scoped


def shipped_cogs() -> list[type[Cog]]:
    """Every Cog class defined under cogs/, found by importing each feature package."""
    found: dict[str, type[Cog]] = {}
    for package in pkgutil.iter_modules(cogs.__path__):
        if not package.ispkg:
            continue
        module = importlib.import_module(f"cogs.{package.name}")
        folder = Path(module.__file__ or "").parent
        for sub in pkgutil.iter_modules([str(folder)]):
            if not sub.ispkg:
                importlib.import_module(f"cogs.{package.name}.{sub.name}")
    for kind in _all_subclasses(Cog):
        if kind.__module__.startswith("cogs."):
            found[f"{kind.__module__}.{kind.__qualname__}"] = kind
    return [found[name] for name in sorted(found)]


def _all_subclasses(kind: type[Cog]) -> list[type[Cog]]:
    out: list[type[Cog]] = []
    for sub in kind.__subclasses__():
        out += [sub, *_all_subclasses(sub)]
    return out


def test_every_shipped_cog_declares_the_services_it_uses() -> None:
    undeclared = [
        f"{kind.__module__}.{kind.__qualname__}" for kind in shipped_cogs() if kind.uses is None
    ]
    assert not undeclared, (
        "these cogs do not declare their services; add e.g. "
        '`uses = frozenset({"sessions", "clock"})` to the class and build it with '
        f"`host.services_for(TheCog)` in setup(): {', '.join(undeclared)}"
    )


def test_what_a_cogs_code_uses_is_declared() -> None:
    """Read from the source, so a use on a path no test takes is caught here, not at run time.

    (Services handed on to a core helper, such as bot/weekly.py, are checked when it runs.)
    """
    pattern = re.compile(rf"services\.({'|'.join(sorted(SERVICE_NAMES))})\b")
    missing: list[str] = []
    for kind in shipped_cogs():
        if kind.uses is None:
            continue
        folder = Path(inspect.getfile(kind)).parent
        used = {m for f in folder.rglob("*.py") for m in pattern.findall(f.read_text("utf-8"))}
        missing += [f"{kind.__qualname__}: {name}" for name in sorted(used - kind.uses)]
    assert not missing, "used but not in the cog's `uses`: " + ", ".join(missing)


def test_declarations_name_real_services() -> None:
    assert len(shipped_cogs()) >= 9
    for kind in shipped_cogs():
        assert kind.uses is None or kind.uses <= SERVICE_NAMES, kind


def test_every_setup_hands_a_cog_only_what_it_declared() -> None:
    for kind in shipped_cogs():
        package = importlib.import_module(kind.__module__.rsplit(".", 1)[0])
        source = inspect.getsource(package)
        assert "host.services)" not in source, f"{package.__name__}: use host.services_for"


async def test_a_cog_gets_only_its_declared_services(app: Kenes) -> None:
    class Reader(Cog):
        name = "reader"
        uses = frozenset({"clock", "sessions"})

    services = app.cogs.services_for(Reader)
    assert services.clock is app.services.clock
    assert services.sessions is app.services.sessions
    with pytest.raises(UndeclaredServiceError, match=r"add 'scheduler' to Reader.uses"):
        await services.scheduler.pending()
    # Undeclared cogs get everything (the test above names them instead of a crash here).
    assert app.cogs.services_for(Cog) is app.services


def test_a_typo_in_a_declaration_is_refused_with_the_real_names(app: Kenes) -> None:
    with pytest.raises(ValueError, match="schedular, which is not a service; services are"):
        scoped(app.services, frozenset({"schedular"}), "Typo")


async def test_the_shipped_cogs_load_with_their_declared_services(app: Kenes) -> None:
    for name in ("onboarding", "polls", "ama", "heroes", "digest", "settings", "support"):
        await app.cogs.load_extension(f"cogs.{name}")
    for cog in app.cogs.loaded():
        kind = type(cog)
        services = getattr(cog, "services", None)
        if kind.uses is not None and services is not None:
            hidden = SERVICE_NAMES - kind.uses
            assert all("not declared" in repr(getattr(services, n)) for n in hidden), kind


class Narrow(Cog):
    """Declares the clock only; each of its entry points tries the scheduler too."""

    name = "narrow"
    uses = frozenset({"clock"})

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.downstream: list[Services] = []

    def _try(self, where: str, ctx: Context) -> None:
        assert ctx.services.clock is not None  # declared: usable
        try:
            _ = ctx.services.scheduler.pending
        except UndeclaredServiceError as exc:
            self.seen.append(f"{where}: {exc}")

    @listen(MessageCreated)
    async def handler(self, ctx: Context[MessageCreated]) -> None:
        self._try("handler", ctx)

    @admission(MessageCreated)
    async def policy(self, ctx: Context) -> bool:
        self._try("policy", ctx)
        return True

    async def may_run(self, ctx: Context) -> str | None:
        self._try("guard", ctx)
        return None

    @command(guard="may_run")
    async def narrowcmd(self, ctx: Context) -> None:
        self._try("command", ctx)
        await ctx.reply("core.ping.reply", private=True)  # the context's own helpers still work

    async def stage(self, handler: Handler, ctx: Context) -> None:
        self._try("stage", ctx)
        await handler(ctx)
        self._try("stage after", ctx)


class Everything(Cog):
    """Declares nothing yet: its handlers see every service, as before."""

    name = "everything"

    def __init__(self) -> None:
        self.services: list[Services] = []

    @listen(MessageCreated, group=5)
    async def handler(self, ctx: Context[MessageCreated]) -> None:
        self.services.append(ctx.services)


async def test_handlers_see_only_their_cogs_declared_services(
    app: Kenes, memory: MemoryAdapter
) -> None:
    narrow, everything = Narrow(), Everything()
    if "moderation" in app.cogs.names:
        await app.cogs.remove_cog("moderation")  # its slot is the one a cog may fill
    await app.cogs.add_cog(narrow)
    await app.cogs.add_cog(everything)
    app.cogs.install_stage(narrow, "moderation", narrow.stage)
    await memory.say("alice", "hello")
    replies = await memory.say("alice", "/narrowcmd")
    where = [line.split(":")[0] for line in narrow.seen]
    assert where == [
        *("stage", "policy", "handler", "stage after"),
        *("stage", "guard", "command", "stage after"),  # a command is no MessageCreated
    ]
    assert all(
        "Narrow uses services.scheduler.pending but does not declare it: "
        "add 'scheduler' to Narrow.uses" in line
        for line in narrow.seen
    )
    # The core's stages after the cog's stage, and an undeclared cog, see every service.
    assert everything.services == [app.services]
    assert len(replies) == 1  # the command's private reply (the context's own helper)


async def test_the_scoped_view_is_built_once_per_cog_not_per_event(
    app: Kenes, memory: MemoryAdapter
) -> None:
    narrow = Narrow()
    await app.cogs.add_cog(narrow)
    views: list[Services] = []

    class Spy(Cog):
        name = "spy"
        uses = frozenset({"clock"})

        @listen(MessageCreated)
        async def handler(self, ctx: Context[MessageCreated]) -> None:
            views.append(ctx.services)

    await app.cogs.add_cog(Spy())
    for _ in range(3):
        await memory.say("alice", "hi")
    assert len(views) == 3
    assert views[0] is views[1] is views[2]
    assert views[0] is not app.services
