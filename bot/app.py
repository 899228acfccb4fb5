"""Wiring: the pipeline order, the dispatcher, cogs, scheduler, rules and adapters in one place."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.activity import ActivityRecorder, CommunityDirectory
from bot.adapters.base import Adapter
from bot.channels import ConfiguredChannels
from bot.config import Config
from bot.core.actions import Action, ActionResult
from bot.core.admission import Admission
from bot.core.clock import AdjustableClock
from bot.core.cogs import CogRegistry
from bot.core.commands import CommandRegistry
from bot.core.context import Actor, Community, Context
from bot.core.dispatch import Dispatcher
from bot.core.events import CommandInvoked, Event, valid_text
from bot.core.permissions import Level
from bot.core.pipeline import Pipeline
from bot.core.published import Published
from bot.core.refs import CommunityRef, UserRef
from bot.core.replay import event_scope, look_up_activity
from bot.core.router import route_command
from bot.core.tasks import bounded, cancel_task
from bot.db.engine import make_sessionmaker
from bot.health import start_heartbeat
from bot.middlewares import ActivityStage, BacklogStop, Dedupe, ErrorBoundary
from bot.outbound import Outbound
from bot.private import PrivateChats
from bot.rules.store import RulesStore
from bot.scheduler import Scheduler
from bot.services import Services
from bot.shared import SharedState
from bot.telemetry import HANDLER_SECONDS, UPDATES
from bot.web.access import Logins
from bot.web.links import Links
from bot.web.ops import database_check, ops_application
from bot.web.server import Dashboard, WebServer

log = logging.getLogger("kenes")

# The order every event goes through. Why each stage sits where it does:
PIPELINE_STAGES = (
    "errors",  # outermost, so a failure anywhere below is logged and the bot keeps running
    "dedupe",  # before anything acts or counts, so a re-delivered update changes nothing
    #            (persistent: ids outlive a restart; a live event never costs a read)
    "moderation",  # filled by the moderation cog: may delete the message and stop the event
    "backlog",  # history read back after a restart was only for moderation: it stops here
    "activity",  # after moderation, so removed spam never counts as a member's activity
    "admission",  # last before the handlers: may this member speak, vote or press now? (the
    #               features' policies: a mute, the onboarding gate, raid mode)
)
# A private chat (DM) is not a community: its events pass only these stages (no moderation
# ladder, no activity counted for a community), then reach only handlers that serve DMs.
PRIVATE_STAGES = ("errors", "dedupe")
COMMAND_GROUP = 0
# A clean stop takes at most this long (the README promises 10 s; the rest is for closing
# the database and the process).
STOP_SECONDS = 7.0


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
        self.scheduler = Scheduler(
            sessions, clock, lease=timedelta(seconds=config.bot.job_lease_seconds)
        )
        directory = CommunityDirectory(sessions, clock)
        # The one outbound port: ctx.act, services.actions and scheduled actions all use it.
        self.outbound = Outbound(self.adapters, self.scheduler, clock, self.level_of)
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
            actions=self.outbound,
            published=Published(),
            channels=ConfiguredChannels(config, self.outbound),
            private=PrivateChats(sessions, clock),
            links=Links(sessions, clock, config.web),
            logins=Logins(sessions, clock, config.web),
            shared=shared,
        )
        if config.web.enabled:
            # Clicks on `/l/<id>` for the metrics; only while the web server counts them, so a
            # bot without it shows "not tracked" rather than zero clicks.
            self.services.published.next_steps.add("links", self.services.links.next_steps)
        self.pipeline = Pipeline(PIPELINE_STAGES, self.dispatcher.dispatch, private=PRIVATE_STAGES)
        self.admission = Admission()
        self.cogs = CogRegistry(
            self.services,
            self.dispatcher,
            self.commands,
            self.scheduler,
            self.pipeline,
            self.admission,
        )
        self.pipeline.install("errors", ErrorBoundary())
        self.dedupe = Dedupe(sessions, clock, persistent=self._without_inbox)
        self.pipeline.install("dedupe", self.dedupe)
        self.pipeline.install("backlog", BacklogStop())
        self.pipeline.install("activity", ActivityStage())
        self.pipeline.install("admission", self.admission)
        # Commands route in DMs too; the router refuses those not declared `private`.
        self.dispatcher.add(CommandInvoked, route_command, COMMAND_GROUP, private=True)
        self._background = False
        # The dashboard and the operators' listener, when `[web]` / `[web.ops]` switch them on.
        self.web: WebServer | None = None
        self.ops: WebServer | None = None
        self._heartbeat: asyncio.Task[None] | None = None

    async def start(self, *, background: bool = True, watch_rules: bool = True) -> None:
        """Load rules and cogs, re-arm scheduled jobs; with `background`, start the loops."""
        self.services.rules.load()
        for name in self.config.bot.cogs:
            await self.cogs.load_extension(f"cogs.{name}")
        self._background = background
        if background:
            if self.config.bot.heartbeat_file is not None:
                self._heartbeat = start_heartbeat(self.config.bot.heartbeat_file)
            self.services.activity.start()
            self.dedupe.start()
            if watch_rules:
                self.services.rules.watch()
        else:
            await self.scheduler.rearm()
        for adapter in self.adapters.values():
            await adapter.start(self)
        if background:
            # After the adapters: a job due at start (a poll closing while the bot was down)
            # must find its platform started, not fail an attempt on "adapter not started".
            await self.scheduler.start()
        await self._start_listeners()

    async def _start_listeners(self) -> None:
        web_config = self.config.web
        if web_config.ops.enabled:
            ops = ops_application(
                database_check(self.engine),
                lambda: {name: a.connected for name, a in self.adapters.items()},
            )
            self.ops = WebServer(ops, web_config.ops.host, web_config.ops.port)
            await self.ops.start()
        if web_config.enabled:
            await self.services.logins.sweep()
            dashboard = Dashboard(self.services).application()
            self.web = WebServer(dashboard, web_config.host, web_config.port)
            await self.web.start()

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

        for listener in (self.web, self.ops):
            if listener is not None:
                await bounded(listener.stop(), until(2.5), "stopping a web listener")
        await cancel_task(self._heartbeat, within=0.1)  # stopping: no longer healthy
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
            _all=self.services,
            log=log,
            _execute=self.outbound.execute,
            _supports=lambda action: self.supports(event.chat.platform, action),
        )

    async def handle(self, event: Event) -> Context:
        """Run one inbound event through the pipeline; returns its context (for tests)."""
        ctx = self.context_for(valid_text(event))
        platform = event.chat.platform
        UPDATES.labels(platform).inc()
        started = time.perf_counter()  # operators' latency is wall time, not the bot's clock
        try:
            with event_scope(ctx.event, self.clock.now()):  # its writes are keyed by its id
                # Handed over again after a crash: were its counts flushed before it?
                await look_up_activity(self.services.sessions)
                await self.pipeline(ctx)
        finally:
            HANDLER_SECONDS.labels(platform).observe(time.perf_counter() - started)
        return ctx

    def supports(self, platform: str, action: type[Action]) -> bool:
        adapter = self.adapters.get(platform)
        return adapter is not None and adapter.supports(action)

    async def execute(self, action: Action) -> ActionResult:
        return await self.outbound.execute(action)

    async def advance(self, delta: timedelta) -> int:
        """Move simulated time forward and run the scheduled work due in that span."""
        return await self.scheduler.advance(self.clock, delta)


def freeze_start_up_heap() -> int:
    """Move everything alive after start-up out of the garbage collector's sight; returns how
    many objects that was.

    Modules, compiled rules and ORM mappers live as long as the process, yet every full
    collection walked them again, on the event loop: in the soak (bench/soak.py, 10 minutes at
    200 messages/s on a loaded two-core machine) each of the 15 full collections took 370-470 ms,
    a stall for every chat. Frozen objects are still freed by reference counting; only cycles
    among them would stay, and start-up state is not dropped before exit anyway.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
