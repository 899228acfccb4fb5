"""Wiring: the pipeline order, the dispatcher, cogs, scheduler, rules and adapters in one place."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.activity import ActivityRecorder, CommunityDirectory
from bot.adapters.base import Adapter
from bot.config import Config
from bot.core.actions import Action, ActionResult
from bot.core.clock import AdjustableClock
from bot.core.cogs import CogRegistry
from bot.core.commands import CommandRegistry
from bot.core.context import Actor, Community, Context
from bot.core.dispatch import Dispatcher
from bot.core.errors import UnsupportedAction
from bot.core.events import CommandInvoked, Event, valid_text
from bot.core.permissions import Level
from bot.core.pipeline import Pipeline
from bot.core.published import Published
from bot.core.refs import ChatRef, CommunityRef, UserRef
from bot.core.router import route_command
from bot.core.tasks import bounded
from bot.db.engine import make_sessionmaker
from bot.middlewares import ActivityStage, BacklogStop, Dedupe, ErrorBoundary
from bot.rules.store import RulesStore
from bot.scheduler import Scheduler
from bot.services import ActionSink, Services
from bot.shared import SharedState

log = logging.getLogger("kenes")

# The order every event goes through. Why each stage sits where it does:
PIPELINE_STAGES = (
    "errors",  # outermost, so a failure anywhere below is logged and the bot keeps running
    "dedupe",  # before anything acts or counts, so a re-delivered update changes nothing
    #            (persistent: ids outlive a restart; a live event never costs a read)
    "moderation",  # filled by the moderation cog: may delete the message and stop the event
    "backlog",  # history read back after a restart was only for moderation: it stops here
    "activity",  # after moderation, so removed spam never counts as a member's activity
)
COMMAND_GROUP = 0
# A clean stop takes at most this long (the README promises 10 s; the rest is for closing
# the database and the process).
STOP_SECONDS = 7.0


class _Sink(ActionSink):
    def __init__(self, app: Kenes) -> None:
        self._app = app

    async def execute(self, action: Action) -> ActionResult:
        return await self._app.execute(action)

    def supports(self, platform: str, action: type[Action]) -> bool:
        adapter = self._app.adapters.get(platform)
        return adapter is not None and adapter.supports(action)

    async def level_of(self, community: CommunityRef, user: UserRef) -> Level | None:
        return await self._app.level_of(community, user)

    async def resolve_channel(self, community: CommunityRef, setting: str) -> ChatRef | None:
        adapter = self._app.adapters.get(community.platform)
        return await adapter.resolve_channel(community, setting) if adapter is not None else None

    def deletable_for(self, platform: str) -> timedelta | None:
        adapter = self._app.adapters.get(platform)
        return adapter.deletable_for if adapter is not None else None


class Kenes:
    """One running bot: rules, storage, scheduler, cogs and the platforms it serves."""

    def __init__(
        self,
        config: Config,
        engine: AsyncEngine,
        clock: AdjustableClock,
        adapters: list[Adapter] | None = None,
        shared: SharedState | None = None,
    ) -> None:
        self.config = config
        self.engine = engine
        self.clock = clock
        self.adapters: dict[str, Adapter] = {a.platform: a for a in adapters or []}
        sessions = make_sessionmaker(engine)
        self.dispatcher = Dispatcher()
        self.commands = CommandRegistry()
        self.scheduler = Scheduler(sessions, clock)
        directory = CommunityDirectory(sessions, clock)
        self.services = Services(
            config=config,
            sessions=sessions,
            clock=clock,
            scheduler=self.scheduler,
            rules=RulesStore(config.bot.rules_dir),
            directory=directory,
            activity=ActivityRecorder(
                sessions, directory, clock, zone_of=lambda ref: config.community(ref).timezone
            ),
            commands=self.commands,
            actions=_Sink(self),
            published=Published(),
            shared=shared,
        )
        self.pipeline = Pipeline(PIPELINE_STAGES, self.dispatcher.dispatch)
        self.cogs = CogRegistry(
            self.services, self.dispatcher, self.commands, self.scheduler, self.pipeline
        )
        self.pipeline.install("errors", ErrorBoundary())
        self.dedupe = Dedupe(sessions, clock, persistent=self._without_inbox)
        self.pipeline.install("dedupe", self.dedupe)
        self.pipeline.install("backlog", BacklogStop())
        self.pipeline.install("activity", ActivityStage())
        self.dispatcher.add(CommandInvoked, route_command, COMMAND_GROUP)
        self._background = False

    async def start(self, *, background: bool = True, watch_rules: bool = True) -> None:
        """Load rules and cogs, re-arm scheduled jobs; with `background`, start the loops."""
        self.services.rules.load()
        for name in self.config.bot.cogs:
            await self.cogs.load_extension(f"cogs.{name}")
        self._background = background
        if background:
            await self.scheduler.start()
            self.services.activity.start()
            self.dedupe.start()
            if watch_rules:
                self.services.rules.watch()
        else:
            await self.scheduler.rearm()
        for adapter in self.adapters.values():
            await adapter.start(self)

    async def stop(self, within: float = STOP_SECONDS) -> None:
        """Stop adapters, finish scheduled work in flight, flush counters, unload cogs.

        Bounded by `within` seconds whatever the database does: each step gets what is left
        of the budget (less what the later steps need), and a step that runs out is left.
        Nothing durable depends on a step finishing: updates wait in the inbox, jobs in their
        table; only the counters of the last flush interval can be lost.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within

        def until(reserve: float) -> float:
            return deadline - reserve - loop.time()

        for adapter in self.adapters.values():
            await bounded(adapter.stop(), until(2.0), f"stopping the {adapter.platform} adapter")
        await bounded(self.scheduler.stop(), until(1.5), "stopping the scheduler")
        await bounded(self.services.rules.stop(), until(1.5), "stopping the rule watcher")
        await bounded(self.services.activity.stop(), until(0.5), "the last counter flush")
        await bounded(self.dedupe.stop(), until(0.2), "the last delivery id flush")
        await bounded(self.cogs.unload_all(), until(0.0), "unloading cogs")

    def _without_inbox(self, platform: str) -> bool:
        adapter = self.adapters.get(platform)
        return adapter is None or not adapter.has_inbox

    async def level_of(self, community: CommunityRef, user: UserRef) -> Level | None:
        """Someone's level now, for acting on them: None when the platform cannot tell."""
        configured = Level(self.config.configured_level(user))
        adapter = self.adapters.get(community.platform)
        found = await adapter.platform_level(community, user) if adapter is not None else None
        if found is None:
            return configured if configured > Level.MEMBER else None
        return max(found, configured)

    def resolve_level(self, event: Event) -> Level:
        """Platform rights and the config's lists; the higher wins. Unknown means member."""
        configured = Level(self.config.configured_level(event.author.user))
        return max(event.author.platform_level, configured)

    def context_for(self, event: Event) -> Context:
        community = event.chat.community
        actor = Actor(
            user=event.author.user,
            name=event.author.name,
            level=self.resolve_level(event),
            is_bot=event.author.is_bot,
        )
        return Context(
            event=event,
            actor=actor,
            community=Community(community, self.config.community(community)),
            rules=self.services.rules.current,
            services=self.services,
            log=log,
            _execute=self.execute,
            _supports=lambda action: self.supports(event.chat.platform, action),
        )

    async def handle(self, event: Event) -> Context:
        """Run one inbound event through the pipeline; returns its context (for tests)."""
        ctx = self.context_for(valid_text(event))
        await self.pipeline(ctx)
        return ctx

    def supports(self, platform: str, action: type[Action]) -> bool:
        adapter = self.adapters.get(platform)
        return adapter is not None and adapter.supports(action)

    async def execute(self, action: Action) -> ActionResult:
        adapter = self.adapters.get(action.platform)
        if adapter is None:
            raise UnsupportedAction(action.platform, type(action).__name__)
        return await adapter.execute(action)

    async def advance(self, delta: timedelta) -> int:
        """Move simulated time forward and run the scheduled work due in that span."""
        return await self.scheduler.advance(self.clock, delta)
