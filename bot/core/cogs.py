"""Cogs: feature modules with commands, listeners and scheduled-job handlers.

A cog package has a short `setup()`:

    async def setup(host: CogHost) -> None:
        host.add_feature(FEATURE)  # its rule files, their compilers, its texts
        await host.add_cog(Moderation(host.services))

`add_cog` registers everything the cog declares and then awaits `cog.load()`; if anything
fails, whatever was registered is removed again, so a broken cog leaves no half-state.
"""

from __future__ import annotations

import importlib
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

from pydantic import BaseModel

from bot.core.admission import Admission, PolicyRegistration
from bot.core.commands import CommandRegistry, CommandSpec
from bot.core.dispatch import Dispatcher, Registration
from bot.core.events import Event
from bot.core.features import Feature
from bot.core.refs import CommunityRef
from bot.i18n import add_catalogue, remove_catalogue
from bot.scheduler import declare_payload
from bot.services import scoped

if TYPE_CHECKING:
    from bot.core.context import Context
    from bot.core.pipeline import Handler, Middleware, Pipeline
    from bot.scheduler import JobHandler, JobRun, Scheduler
    from bot.services import Services

log = logging.getLogger(__name__)

F = Callable[..., Awaitable[None]]


def listen(event_type: type[Event], *, group: int = 0, private: bool = False) -> Callable[[F], F]:
    """Run the decorated cog method for every `event_type` event, in priority `group`; with
    `private`, also for events in private chats (DMs), which other handlers never see."""

    def decorate(func: F) -> F:
        marks: list[tuple[type[Event], int, bool]] = getattr(func, "__kenes_listen__", [])
        marks.append((event_type, group, private))
        func.__kenes_listen__ = marks  # type: ignore[attr-defined]
        return func

    return decorate


# What a job does in a community where its feature is switched off (`@job(when_off=...)`):
# "wait": put aside until the feature is switched on again (the default);
# "run": run anyway, for jobs that undo what the feature did while it was on (a timed mute ends);
# "handler": the handler decides (a weekly ritual skips that week and arms the next).
WhenOff = Literal["wait", "run", "handler"]


def job(
    kind: str, *, payload: type[BaseModel] | None = None, when_off: WhenOff = "wait"
) -> Callable[[F], F]:
    """Handle scheduled jobs of `kind` with the decorated cog method.

    `payload` declares the pydantic model of the kind's payload (bot/scheduler.py
    `declare_payload`): jobs are built from it and checked against it when staged, and the
    handler reads it with `run.payload_as(Model)`.

    A job whose payload names its community (`platform`, `community`) is checked against the
    community's `features_off` before the handler runs; a handler that finds its community
    another way checks with `config.require_on(ref, feature)` itself.
    """

    if payload is not None:
        declare_payload(kind, payload)

    def decorate(func: F) -> F:
        func.__kenes_job__ = kind  # type: ignore[attr-defined]
        func.__kenes_when_off__ = when_off  # type: ignore[attr-defined]
        return func

    return decorate


class Cog:
    """Base class of a feature module. Override `load`/`unload` for set-up and tear-down."""

    name: ClassVar[str] = ""
    # The services this cog uses (field names of bot.services.Services, e.g. {"sessions",
    # "scheduler"}); `host.services_for(TheCog)` gives it those only, and using another raises
    # UndeclaredServiceError saying what to add. None: not declared yet, so it gets them all
    # and tests/core/test_declared_services.py names it.
    uses: ClassVar[frozenset[str] | None] = None

    async def load(self) -> None:
        """Called after registration; raise to refuse loading (everything is rolled back)."""

    async def unload(self) -> None:
        """Called before the cog's registrations are removed."""

    def about_here(self, locale: str) -> str | None:
        """One line for /about saying what this feature does here; None when it is switched
        off (or has nothing a member would call a feature)."""
        return None


class CogHost(Protocol):
    """What a cog package's `setup()` receives."""

    @property
    def services(self) -> Services: ...

    def services_for(self, cog: type[Cog]) -> Services:
        """The services `cog` declared in `uses` (all of them while it declares none)."""
        ...

    def add_feature(self, feature: Feature) -> None: ...

    async def add_cog(self, cog: Cog) -> None: ...

    def loaded(self) -> list[Cog]: ...

    def install_stage(self, cog: Cog, stage: str, middleware: Middleware) -> None: ...


def record_name(cog: Cog) -> str:
    """The name a cog is loaded under (its feature's name)."""
    return cog.name or type(cog).__name__.lower()


class _FeatureStage:
    """A cog's pipeline stage, passed by in communities that switched its feature off.

    While the cog's middleware runs, `ctx.services` is the cog's declared set; the rest of the
    pipeline it calls on sees every service again. The wrapper that switches back is built once
    per downstream chain (the pipeline has a few, rebuilt only when a stage is installed), so
    an event allocates nothing for it.
    """

    CHAINS_KEPT = 8  # a pipeline has two chains (community, private); rebuilds replace them

    def __init__(
        self,
        feature: str,
        middleware: Middleware,
        declared: Services | None = None,
        everything: Services | None = None,
    ) -> None:
        self.feature = feature
        self._middleware = middleware
        self._declared = declared
        self._everything = everything
        self._resumes: dict[Handler, Handler] = {}

    async def __call__(self, handler: Handler, ctx: Context) -> None:
        if self.feature in ctx.community.settings.features_off:
            ctx.log.debug("%s is off in %s: its stage is skipped", self.feature, ctx.community.ref)
            await handler(ctx)
            return
        if self._declared is None:
            await self._middleware(handler, ctx)
            return
        before = ctx.services
        ctx.services = self._declared
        try:
            await self._middleware(self._resume(handler), ctx)
        finally:
            ctx.services = before

    def _resume(self, handler: Handler) -> Handler:
        """`handler` (the rest of the pipeline) run with every service, then the cog's again."""
        resume = self._resumes.get(handler)
        if resume is None:
            declared, everything = self._declared, self._everything
            assert declared is not None
            assert everything is not None
            if len(self._resumes) >= self.CHAINS_KEPT:
                self._resumes.clear()

            async def resume(ctx: Context) -> None:
                ctx.services = everything
                try:
                    await handler(ctx)
                finally:
                    ctx.services = declared

            self._resumes[handler] = resume
        return resume


@dataclass
class _Loaded:
    cog: Cog
    commands: list[str] = field(default_factory=list)
    listeners: list[Registration] = field(default_factory=list)
    jobs: list[str] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)
    policies: list[PolicyRegistration] = field(default_factory=list)


class CogRegistry:
    """Loads and unloads cogs and extensions, rolling back a failed load."""

    def __init__(
        self,
        services: Services,
        dispatcher: Dispatcher,
        commands: CommandRegistry,
        scheduler: Scheduler,
        pipeline: Pipeline | None = None,
        admission: Admission | None = None,
    ) -> None:
        self._services = services
        self._pipeline = pipeline
        self._admission = admission
        self._dispatcher = dispatcher
        self._commands = commands
        self._scheduler = scheduler
        self._cogs: dict[str, _Loaded] = {}
        self._extensions: dict[str, list[str]] = {}
        self._features: dict[str, list[Feature]] = {}
        self._adding_to: list[str] | None = None
        self._adding_features: list[Feature] | None = None

    @property
    def services(self) -> Services:
        return self._services

    def services_for(self, cog: type[Cog]) -> Services:
        if cog.uses is None:
            return self._services  # not declared yet: named by test_declared_services
        return scoped(self._services, cog.uses, cog.__name__)

    def get(self, name: str) -> Cog | None:
        loaded = self._cogs.get(name)
        return loaded.cog if loaded else None

    @property
    def names(self) -> list[str]:
        return list(self._cogs)

    def loaded(self) -> list[Cog]:
        """The loaded cogs, in load order."""
        return [record.cog for record in self._cogs.values()]

    async def add_cog(self, cog: Cog) -> None:
        name = record_name(cog)
        if name in self._cogs:
            raise ValueError(f"a cog named {name!r} is already loaded")
        record = _Loaded(cog)
        # The cog's declared services, built once: its handlers, commands, guards and policies
        # see them as `ctx.services` (None while it declares none: everything, unchanged).
        declared = None if type(cog).uses is None else self.services_for(type(cog))
        try:
            for _, member in inspect.getmembers(cog, inspect.ismethod):
                func: Any = member.__func__
                spec: CommandSpec | None = getattr(func, "__kenes_command__", None)
                if spec is not None:
                    # Every declared field carries over; the callback, owner and guard are bound.
                    # A guard named but missing fails here, at load, not open at run time.
                    bound = replace(
                        spec,
                        callback=member,
                        cog=name,
                        guard=getattr(cog, spec.guard_name) if spec.guard_name else None,
                        services=declared,
                    )
                    self._commands.add(bound, cog)
                    record.commands.append(spec.name)
                for event_type, group, private in getattr(func, "__kenes_listen__", []):
                    record.listeners.append(
                        self._dispatcher.add(
                            event_type, member, group, private=private, services=declared
                        )
                    )
                admits: tuple[type[Event], ...] = getattr(func, "__kenes_admission__", ())
                if admits:
                    if self._admission is None:
                        raise RuntimeError(f"{name}: this registry has no admission stage")
                    record.policies.append(self._admission.add(admits, member, declared))
                kind = getattr(func, "__kenes_job__", None)
                if kind is not None:
                    handler: JobHandler = member
                    when_off = getattr(func, "__kenes_when_off__", "wait")
                    if when_off != "handler":
                        handler = self._gated(name, kind, member, when_off)
                    self._scheduler.register(kind, handler)
                    record.jobs.append(kind)
            await cog.load()
        except BaseException:
            self._unregister(record)
            raise
        self._cogs[name] = record
        if self._adding_to is not None:
            self._adding_to.append(name)
        log.info("cog %s loaded", name)

    def _gated(self, feature: str, kind: str, handler: JobHandler, when_off: str) -> JobHandler:
        """`handler` behind its community's switch (see `job`)."""
        config = self._services.config

        async def gated(run: JobRun) -> None:
            platform, community = run.payload.get("platform"), run.payload.get("community")
            if platform is not None and community is not None:
                ref = CommunityRef(str(platform), str(community))
                if when_off == "run" and not config.feature_on(ref, feature):
                    log.info(
                        "job %s #%d runs although %s is off in %s: it undoes what was done "
                        "while it was on",
                        kind,
                        run.id,
                        feature,
                        ref,
                    )
                elif when_off == "wait":
                    config.require_on(ref, feature)
            await handler(run)

        return gated

    def add_feature(self, feature: Feature) -> None:
        """Register a feature's rule files, compilers and catalogue; undone on unload.

        Raises RulesError when the feature's rule files are invalid now, which fails its load.
        """
        rules = self._services.rules
        added: list[Feature] = [] if self._adding_features is None else self._adding_features
        added.append(feature)
        if feature.locales is not None:
            add_catalogue(feature.locales)
        for spec in feature.rule_files:
            rules.add_file(spec)
        for key, compiler in feature.compilers.items():
            rules.add_compiler(key, compiler)

    def _remove_feature(self, feature: Feature) -> None:
        rules = self._services.rules
        for key in feature.compilers:
            rules.remove_compiler(key)
        for spec in feature.rule_files:
            rules.remove_file(spec)
        if feature.locales is not None:
            remove_catalogue(feature.locales)

    def install_stage(self, cog: Cog, stage: str, middleware: Middleware) -> None:
        """Fill a named pipeline slot (e.g. `moderation`) for a loaded cog; undone on unload."""
        record = self._cogs.get(record_name(cog))
        if record is None or record.cog is not cog:
            raise ValueError("add the cog before installing its pipeline stage")
        if self._pipeline is None:
            raise RuntimeError("this registry has no pipeline to install stages into")
        declared = None if type(cog).uses is None else self.services_for(type(cog))
        feature_stage = _FeatureStage(record_name(cog), middleware, declared, self._services)
        self._pipeline.install(stage, feature_stage)
        record.stages.append(stage)

    async def remove_cog(self, name: str) -> None:
        record = self._cogs.pop(name, None)
        if record is None:
            return
        try:
            await record.cog.unload()
        finally:
            self._unregister(record)
        log.info("cog %s unloaded", name)

    async def load_extension(self, module: str) -> None:
        """Import `module` (e.g. `cogs.core`) and run its `setup(host)`; roll back on failure."""
        if module in self._extensions:
            raise ValueError(f"extension {module!r} is already loaded")
        imported = importlib.import_module(module)
        setup = getattr(imported, "setup", None)
        if setup is None:
            raise ValueError(f"{module} has no setup(host) function")
        added: list[str] = []
        features: list[Feature] = []
        self._adding_to = added
        self._adding_features = features
        try:
            result = setup(self)
            if inspect.isawaitable(result):
                await result
        except BaseException:
            for name in reversed(added):
                await self.remove_cog(name)
            for feature in reversed(features):
                self._remove_feature(feature)
            raise
        finally:
            self._adding_to = None
            self._adding_features = None
        self._extensions[module] = added
        self._features[module] = features

    async def unload_extension(self, module: str) -> None:
        for name in reversed(self._extensions.pop(module, [])):
            await self.remove_cog(name)
        for feature in reversed(self._features.pop(module, [])):
            self._remove_feature(feature)

    async def unload_all(self) -> None:
        for module in reversed(list(self._extensions)):
            await self.unload_extension(module)
        for name in reversed(list(self._cogs)):
            await self.remove_cog(name)

    def _unregister(self, record: _Loaded) -> None:
        for command_name in record.commands:
            self._commands.remove(command_name)
        for registration in record.listeners:
            self._dispatcher.remove(registration)
        for policy in record.policies:
            if self._admission is not None:
                self._admission.remove(policy)
        for kind in record.jobs:
            self._scheduler.unregister(kind)
        for stage in record.stages:
            if self._pipeline is not None:
                self._pipeline.uninstall(stage)
