"""The Discord adapter: a discord.py client whose events become core events, and back."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import replace
from datetime import timedelta
from typing import Any

import aiohttp
import discord

from bot.adapters.base import Adapter, AdapterHost
from bot.adapters.discord import translate
from bot.adapters.discord.commands import command_payloads
from bot.adapters.discord.execute import (
    ACTING,
    MAX_TIMEOUT,
    NO_PINGS,
    PERFORMERS,
    Executor,
)
from bot.adapters.discord.interactions import Interactions
from bot.adapters.discord.pacing import Pacer
from bot.adapters.discord.ratelimits import count_rate_limits
from bot.adapters.discord.roles import level_of
from bot.config import DiscordSection
from bot.core.actions import Action, ActionResult
from bot.core.errors import ConfigError, NotReady
from bot.core.events import Event
from bot.core.permissions import Level
from bot.core.refs import ChatRef, CommunityRef, UserRef
from bot.core.tasks import backoff
from bot.i18n import t

log = logging.getLogger(__name__)

LOGIN_TRIES = 8  # 0.5 + 1 + 2 + ... ≈ 1 minute of back-off before giving up
ANSWER_WITHIN = 2.5  # seconds; Discord drops an interaction not answered within 3
# After a fresh gateway session (a start, or a reconnect Discord could not resume), what was
# posted while the bot was away is read back and moderated: at most this far back, this many
# messages per channel, this many channels per server, so a restart costs bounded work.
BACKFILL_AGE = timedelta(hours=1)
BACKFILL_MESSAGES = 100
BACKFILL_CHANNELS = 50
VOTES_KEPT = 10_000


def intents() -> discord.Intents:
    """What Kenes needs from the gateway; README "Invite Kenes" says what breaks without each."""
    wanted = discord.Intents.none()
    wanted.guilds = True  # guild, channel and role cache: hierarchy checks, slow-mode, joins
    wanted.members = True  # privileged: joins/leaves and the member cache for roles
    wanted.message_content = True  # privileged: message text for moderation and activity
    wanted.guild_messages = True  # message create/edit events
    wanted.guild_reactions = True  # reactions (hero of the week, feedback)
    wanted.guild_polls = True  # native poll votes
    return wanted


def make_client(section: DiscordSection) -> discord.Client:
    """A plain client, or an auto-sharded one when `shard_count` is configured.

    With `shard_ids` (or $KENES_DISCORD_SHARD_IDS) the process runs only those shards, so a
    large bot's shards can be split across processes and machines.
    """
    options: dict[str, Any] = {"intents": intents(), "allowed_mentions": NO_PINGS}
    shard_ids = section.my_shards()
    if shard_ids and section.shard_count is None:
        raise ConfigError("platforms.discord.shard_ids needs shard_count (the total) as well")
    if any(i >= (section.shard_count or 0) for i in shard_ids):
        raise ConfigError(
            f"platforms.discord.shard_ids {list(shard_ids)} must be below shard_count "
            f"({section.shard_count})"
        )
    if section.shard_count is not None:
        if shard_ids:
            options["shard_ids"] = list(shard_ids)
        return discord.AutoShardedClient(shard_count=section.shard_count, **options)
    return discord.Client(**options)


class DiscordAdapter(Adapter):
    """Discord through discord.py 2.x: gateway events in, REST actions out."""

    platform = "discord"

    def __init__(
        self,
        token: str,
        section: DiscordSection,
        *,
        gateway: bool = True,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__()
        for kind, perform in PERFORMERS.items():
            self.handlers.on(kind, functools.partial(self._through_executor, perform))
        self._token = token
        self._sleep = sleep
        self.section = section
        self._gateway = gateway
        self.client = make_client(section)
        self.interactions = Interactions()
        self.pacer = Pacer()
        self.answer_within = ANSWER_WITHIN
        self._app: AdapterHost | None = None
        self._executor: Executor | None = None
        self._connection: asyncio.Task[None] | None = None
        self._inflight: set[asyncio.Task[Any]] = set()
        self._votes: OrderedDict[tuple[int, int], set[int]] = OrderedDict()
        self._register_events()

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self, app: AdapterHost) -> None:
        self._app = app
        count_rate_limits()  # discord.py retries 429s itself: /metrics counts them from its log
        self._executor = Executor(
            self.client, app.config, app.clock, app.outbound, self.interactions, self.pacer
        )
        await self._login()
        if self.syncs_commands:
            await self.sync_commands()
        else:
            log.info("slash commands are published by the process running shard 0")
        if self._gateway:
            self._connection = asyncio.create_task(self._connect(), name="kenes-discord")

    async def _login(self) -> None:
        """Log in; an unreachable Discord is retried with back-off, as Telegram's start is,
        and after LOGIN_TRIES it is one clear error instead of a traceback."""
        tries = 0
        while True:
            try:
                await self.client.login(self._token)
                return
            except discord.LoginFailure:
                await self.client.close()
                raise ConfigError(
                    f"Discord refused the token in ${self.section.token_env}; "
                    "copy it again from the developer portal (Bot → Reset Token)"
                ) from None
            except (aiohttp.ClientError, OSError, TimeoutError, discord.DiscordServerError) as exc:
                tries += 1
                reason = str(exc) or type(exc).__name__
                # Each login opens a session of its own; closing it closes its connector too,
                # so the next try makes a fresh one (MISSING is how discord.py asks for that).
                await self.client.http.close()
                self.client.http.connector = discord.utils.MISSING
                if tries >= LOGIN_TRIES:
                    await self.client.close()
                    raise ConfigError(
                        f"Discord is unreachable ({reason}) after {tries} tries; check the "
                        "network or https://discordstatus.com, then start again"
                    ) from None
                delay = backoff(tries)
                log.warning("Discord unreachable at start (%s); retry in %.1f s", reason, delay)
                await self._sleep(delay)

    async def stop(self) -> None:
        await self.drain()
        await self.client.close()
        if self._connection is not None:
            self._connection.cancel()
            await asyncio.gather(self._connection, return_exceptions=True)
            self._connection = None
        log.info("disconnected from Discord")

    async def _connect(self) -> None:
        try:
            await self.client.connect(reconnect=True)
        except discord.PrivilegedIntentsRequired:
            log.error(
                "Discord refused the gateway connection: enable the Server Members and Message "
                "Content intents for this bot in the developer portal (Bot → Privileged Intents)"
            )
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the Discord gateway connection failed")

    @property
    def syncs_commands(self) -> bool:
        """Whether this process publishes the slash commands: unsplit, or it runs shard 0."""
        shard_ids = self.section.my_shards()
        return not shard_ids or 0 in shard_ids

    async def sync_commands(self) -> None:
        """Publish the core's commands as slash commands: per guild when listed, else globally."""
        assert self._app is not None
        payload = command_payloads(self._app.commands.all(), self._app.config.defaults.locale)
        application_id = self.client.application_id
        assert application_id is not None, "login sets the application id"
        try:
            if self.section.sync_guilds:
                for guild_id in self.section.sync_guilds:
                    await self.client.http.bulk_upsert_guild_commands(
                        application_id, guild_id, payload
                    )
            else:
                await self.client.http.bulk_upsert_global_commands(application_id, payload)
        except discord.HTTPException as exc:
            log.error("slash commands were not synced (%s); is the bot in that server?", exc)
            return
        where = self.section.sync_guilds or "all servers (global)"
        log.info("synced %d slash command(s) to %s", len(payload), where)

    async def drain(self) -> None:
        """Wait until every event handed to us so far has been handled."""
        while True:
            await asyncio.sleep(0)  # let handlers discord.py just scheduled begin
            pending = self._inflight - {asyncio.current_task()}
            if not pending:
                return
            await asyncio.gather(*pending, return_exceptions=True)

    # -- outbound -----------------------------------------------------------------------------

    async def platform_level(self, community: CommunityRef, user: UserRef) -> Level | None:
        if community.is_private:
            return None
        guild = self.client.get_guild(int(community.id))
        if guild is None:
            return None
        member = guild.get_member(int(user.id))
        if member is None:
            try:
                member = await guild.fetch_member(int(user.id))
            except discord.NotFound:
                return Level.MEMBER  # not in the server: nobody to protect
            except discord.HTTPException:
                return None
        return level_of(member, self.section)

    # Bulk delete (how purges go) takes only messages younger than 14 days.
    deletable_for: timedelta | None = timedelta(days=14)
    # A timeout lasts at most 28 days: the core applies a longer mute again (bot/outbound.py).
    restrict_ceiling: timedelta | None = MAX_TIMEOUT

    async def community_name(self, community: CommunityRef) -> str | None:
        """The server's name, from the cache the gateway keeps."""
        if community.is_private:
            return None
        guild = self.client.get_guild(int(community.id))
        return guild.name if guild is not None else None

    async def resolve_channel(self, community: CommunityRef, setting: str) -> ChatRef | None:
        """A channel of the server by id or name; "" is its system channel, else the first
        text channel the bot may post in (Discord's own idea of the main chat)."""
        guild = self.client.get_guild(int(community.id))
        if guild is None:  # not connected yet, or the bot is not in that server (yet)
            raise NotReady(f"Discord server {community.id} is not known yet")
        wanted = setting.strip()
        if wanted.startswith("<#") and wanted.endswith(">"):  # a mention: <#123>
            wanted = wanted[2:-1]
        wanted = wanted.lstrip("#")
        found: discord.abc.GuildChannel | discord.Thread | None
        if not wanted:
            me = guild.me
            found = guild.system_channel or next(
                (c for c in guild.text_channels if me and c.permissions_for(me).send_messages),
                None,
            )
        elif wanted.isdigit():
            found = guild.get_channel_or_thread(int(wanted))
        else:
            found = discord.utils.get(guild.text_channels, name=wanted)
        if found is None:
            return None
        return translate.chat(found.id, guild.id)

    async def _through_executor(
        self, perform: Callable[[Executor, Any], Awaitable[ActionResult | None]], action: Action
    ) -> ActionResult:
        assert self._executor is not None, "start the adapter before acting"
        return await self._executor.perform(perform, action)

    # -- inbound ------------------------------------------------------------------------------

    def _register_events(self) -> None:
        handlers: dict[str, Callable[..., Awaitable[None]]] = {
            "on_message": self._on_message,
            "on_raw_message_edit": self._on_edit,
            "on_member_join": self._on_join,
            "on_raw_member_remove": self._on_leave,
            "on_raw_reaction_add": self._on_reaction,
            "on_raw_reaction_remove": self._on_reaction,
            "on_raw_poll_vote_add": self._on_vote_add,
            "on_raw_poll_vote_remove": self._on_vote_remove,
            "on_interaction": self._on_interaction,
            "on_ready": self._on_ready,
            "on_resumed": self._on_resumed,
            "on_disconnect": self._on_disconnect,
        }
        for name, handler in handlers.items():
            self.client.event(self._tracked(name, handler))

    def _tracked(
        self, name: str, handler: Callable[..., Awaitable[None]]
    ) -> Callable[..., Coroutine[Any, Any, None]]:
        async def run(*args: Any) -> None:
            task = asyncio.current_task()
            if task is not None:
                self._inflight.add(task)
            try:
                await handler(*args)
            except Exception:
                log.exception("Discord event %s could not be handled", name)
            finally:
                if task is not None:
                    self._inflight.discard(task)

        run.__name__ = name
        return run

    def _now(self) -> Any:
        assert self._app is not None
        return self._app.clock.now()

    def _is_me(self, user_id: int) -> bool:
        return self.client.user is not None and self.client.user.id == user_id

    async def _deliver(self, event: Event | None, acting: discord.Member | None = None) -> None:
        if event is None or self._app is None:
            return
        token = ACTING.set(acting)
        try:
            await self._app.handle(event)
        finally:
            ACTING.reset(token)

    async def _on_message(self, message: discord.Message) -> None:
        if self._is_me(message.author.id):
            return
        await self._deliver(translate.message_created(message, self.section, self._now()))

    async def _on_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        if self._is_me(payload.message.author.id):
            return
        await self._deliver(translate.message_edited(payload, self.section, self._now()))

    async def _on_join(self, member: discord.Member) -> None:
        await self._deliver(translate.member_joined(member, self.section, self._now()))

    async def _on_leave(self, payload: discord.RawMemberRemoveEvent) -> None:
        guild = self.client.get_guild(payload.guild_id)
        if guild is None:
            return
        await self._deliver(translate.member_left(payload.user, guild, self.section, self._now()))

    async def _on_reaction(self, payload: discord.RawReactionActionEvent) -> None:
        if self._is_me(payload.user_id):
            return
        guild = self.client.get_guild(payload.guild_id) if payload.guild_id else None
        await self._deliver(translate.reaction(payload, guild, self.section, self._now()))

    async def _on_vote_add(self, payload: discord.RawPollVoteActionEvent) -> None:
        await self._vote(payload, added=True)

    async def _on_vote_remove(self, payload: discord.RawPollVoteActionEvent) -> None:
        await self._vote(payload, added=False)

    async def _vote(self, payload: discord.RawPollVoteActionEvent, *, added: bool) -> None:
        # Discord reports each answer separately. `options` is the whole choice as seen by this
        # process (it forgets earlier answers on restart); the exact change rides along as
        # `added`/`removed`, which the polls cog applies to its stored vote.
        key = (payload.message_id, payload.user_id)
        chosen = self._votes.pop(key, set())
        (chosen.add if added else chosen.discard)(payload.answer_id)
        if chosen:
            self._votes[key] = chosen
            while len(self._votes) > VOTES_KEPT:
                self._votes.popitem(last=False)
        guild = self.client.get_guild(payload.guild_id) if payload.guild_id else None
        options = tuple(sorted(answer - 1 for answer in chosen))
        await self._deliver(
            translate.poll_answered(payload, guild, self.section, options, self._now(), added=added)
        )

    async def _on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        assert self._app is not None
        acting = interaction.user if isinstance(interaction.user, discord.Member) else None
        if interaction.type is discord.InteractionType.component:
            pressed = translate.button_pressed(interaction, self.section, self._now())
            if pressed is None:
                return
            self.interactions.add(interaction)
            await interaction.response.defer()  # acknowledged now; replies follow up
            await self._deliver(pressed, acting)
            return
        if interaction.type is not discord.InteractionType.application_command:
            return
        data: dict[str, Any] = dict(interaction.data or {})
        name = str(data.get("name", ""))
        found = self._app.commands.get(name)
        invoked = translate.command_invoked(
            interaction, found[0] if found else None, self.section, self._now()
        )
        if invoked is None:
            return
        self.interactions.add(interaction)
        handling = asyncio.create_task(self._deliver(invoked, acting))
        done, _ = await asyncio.wait({handling}, timeout=self.answer_within)
        if not done:
            async with self.interactions.answering(interaction):
                if not interaction.response.is_done():
                    # Slow work (a big purge): say "thinking…" in time. Privately, because the
                    # first follow-up inherits this and may be a refusal meant for the caller.
                    await interaction.response.defer(ephemeral=True, thinking=True)
        await handling
        async with self.interactions.answering(interaction):
            if not interaction.response.is_done():
                # The command acted without a word (e.g. a mute); Discord still needs an answer.
                locale = self._app.config.community(invoked.community).locale
                await interaction.response.send_message(
                    t(locale, "discord.done"), ephemeral=True, allowed_mentions=NO_PINGS
                )

    # -- connection health --------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self.client.is_ready() and not self.client.is_closed()

    async def _on_ready(self) -> None:
        log.info(
            "connected to Discord as %s in %d server(s)", self.client.user, len(self.client.guilds)
        )
        # READY means a new session: events while the bot was away are not replayed (RESUME,
        # after a short drop, replays them itself and fires on_resumed instead).
        moderated = await self.backfill()
        if moderated:
            log.info("moderated %d message(s) posted while the bot was away", moderated)

    async def backfill(self) -> int:
        """Run recent channel history through moderation only; the number of messages read.

        Commands are not replayed (Discord's are interactions, long expired), and handlers and
        activity never see these messages (`backlog=True`); the persistent dedupe, where the
        platform's message ids were seen live, drops what was already handled.
        """
        if self._app is None:
            return 0
        since = self._now() - BACKFILL_AGE
        count = 0
        for guild in self.client.guilds:
            me = guild.me
            readable = [
                channel
                for channel in guild.text_channels
                if me is None
                or (
                    channel.permissions_for(me).read_message_history
                    and channel.permissions_for(me).view_channel
                )
            ]
            for channel in readable[:BACKFILL_CHANNELS]:
                try:
                    messages = [
                        message
                        async for message in channel.history(
                            limit=BACKFILL_MESSAGES, after=since, oldest_first=True
                        )
                    ]
                except discord.HTTPException as exc:
                    log.warning("could not read back #%s in %s: %s", channel, guild, exc)
                    continue
                for message in messages:
                    if message.author.bot:
                        continue
                    # Stamped when it was posted, so flood windows and the ladder see real pace.
                    event = translate.message_created(message, self.section, message.created_at)
                    if event is not None:
                        await self._deliver(replace(event, backlog=True))
                        count += 1
        return count

    async def _on_resumed(self) -> None:
        log.info("Discord gateway session resumed; missed events were replayed")

    async def _on_disconnect(self) -> None:
        log.warning("disconnected from the Discord gateway; discord.py reconnects and resumes")
