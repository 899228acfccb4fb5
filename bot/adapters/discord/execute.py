"""Core actions as discord.py calls: mentions off, hierarchy checked, refusals explained."""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord

from bot.adapters.base import file_too_big
from bot.adapters.discord import markup
from bot.adapters.discord.interactions import Interactions
from bot.adapters.discord.pacing import DeleteBatcher, Pacer
from bot.adapters.discord.roles import outranks
from bot.adapters.discord.translate import BUTTON_PREFIX
from bot.core.acting import acting_as_bot
from bot.core.actions import (
    Action,
    ActionResult,
    Ban,
    Button,
    DeleteMessage,
    EditMessage,
    FetchFile,
    GrantRole,
    Kick,
    OpenThread,
    Pin,
    Restrict,
    RevokeRole,
    SendDirect,
    SendImage,
    SendMessage,
    SendPoll,
    SetSlowMode,
    StartThread,
    Unban,
    Unrestrict,
)
from bot.core.errors import ActionRefused
from bot.core.refs import ChatRef, CommunityRef, MessageRef, UserRef
from bot.i18n import t

if TYPE_CHECKING:
    from bot.config import Config
    from bot.core.clock import Clock
    from bot.outbound import Outbound

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()
# Discord's ceiling, with a margin; the core applies a longer mute again before it runs out.
MAX_TIMEOUT = timedelta(days=28) - timedelta(minutes=5)
BULK_DELETE_AGE = timedelta(days=14) - timedelta(minutes=5)
MAX_SLOWMODE = 21600  # seconds; Discord's ceiling (6 hours)
MAX_POLL_HOURS = 768  # 32 days
# Discord's limits on a poll's texts; the escaped text must fit (bot/adapters/discord/markup.py).
POLL_QUESTION_LIMIT = 300
POLL_ANSWER_LIMIT = 55
THREAD_NAME_LIMIT = 100  # Discord's limit for a channel (and so a thread) name
CUSTOM_ID_LIMIT = 100


# The member whose command or button caused the actions being executed, for the hierarchy rule.
ACTING: ContextVar[discord.Member | None] = ContextVar("kenes_discord_acting", default=None)


def _view(buttons: tuple[Button, ...]) -> discord.ui.View | None:
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for button in buttons:
        custom_id = BUTTON_PREFIX + button.custom_id
        if len(custom_id) > CUSTOM_ID_LIMIT:
            raise ActionRefused("SendMessage", f"button id {button.custom_id!r} is too long")
        view.add_item(discord.ui.Button(label=button.label[:80], custom_id=custom_id))
    # Stopped before sending so discord.py keeps no per-message view in memory: every press
    # reaches the adapter through on_interaction by its custom_id, before or after a restart.
    view.stop()
    return view


class Executor:
    """Performs actions for the adapter; raises ActionRefused with a translated reason."""

    def __init__(
        self,
        client: discord.Client,
        config: Config,
        clock: Clock,
        outbound: Outbound,
        interactions: Interactions,
        pacer: Pacer,
    ) -> None:
        self.client = client
        self.config = config
        self.clock = clock
        self.outbound = outbound
        self.interactions = interactions
        self.pacer = pacer
        self.batcher = DeleteBatcher(self._bulk_delete, self._delete_one, self._bulk_ok)

    # -- entry --------------------------------------------------------------------------------

    async def perform(
        self, handler: Callable[[Executor, Any], Awaitable[ActionResult | None]], action: Action
    ) -> ActionResult:
        """Run `handler` for `action`, turning Discord's refusals into ActionRefused."""
        name = type(action).__name__
        where = getattr(action, "community", None) or _community_of(action)
        locale = self._locale(where)
        try:
            return await handler(self, action) or ActionResult()
        except discord.Forbidden as exc:
            raise ActionRefused(
                name, t(locale, "discord.refused.forbidden", detail=exc.text or exc.status)
            ) from exc
        except discord.NotFound as exc:
            raise ActionRefused(
                name, t(locale, "discord.refused.not_found", detail=exc.text or exc.status)
            ) from exc
        except discord.HTTPException as exc:
            raise ActionRefused(
                name, t(locale, "discord.refused.failed", status=exc.status, detail=exc.text)
            ) from exc

    async def _direct_action(self, action: SendDirect) -> ActionResult:
        return await self._direct(action.user, action.text, action.buttons)

    async def _image(self, action: SendImage) -> ActionResult:
        await self.pacer.wait()
        caption = markup.render(action.caption)[0] if action.caption else None
        # Discord's alt text is the attachment's description (at most 1,024 characters).
        alt = action.alt[:1024] or None
        image = discord.File(io.BytesIO(action.image), filename=action.filename, description=alt)
        channel = self._channel(action.chat)
        sent = await channel.send(caption, file=image, allowed_mentions=NO_PINGS)
        return ActionResult(message=MessageRef(action.chat, str(sent.id)))

    async def _fetch(self, action: FetchFile) -> ActionResult:
        """An attached file's bytes from Discord's CDN, at the address the interaction gave.
        The size Discord stated is checked before the download, the bytes after it."""
        limit = action.limit
        if action.attachment.size is not None and action.attachment.size > limit:
            raise file_too_big(self._locale(action.chat.community), limit)
        data = await self.client.http.get_from_cdn(action.attachment.id)
        if len(data) > limit:
            raise file_too_big(self._locale(action.chat.community), limit)
        return ActionResult(data=data)

    async def _pin(self, action: Pin) -> None:
        await self.pacer.wait()
        channel = self._channel(action.message.chat)
        await channel.get_partial_message(int(action.message.id)).pin()

    # -- messages -----------------------------------------------------------------------------

    def _channel(self, chat: ChatRef) -> discord.PartialMessageable:
        if chat.is_private:  # a member's DM channel: no guild
            return self.client.get_partial_messageable(
                int(chat.id), type=discord.ChannelType.private
            )
        return self.client.get_partial_messageable(
            int(chat.id), guild_id=int(chat.community.id), type=discord.ChannelType.text
        )

    async def _send(self, action: SendMessage) -> ActionResult:
        text = action.text
        interaction = self.interactions.get(action.interaction_id)
        if interaction is None and action.ephemeral_to is not None:
            interaction = self.interactions.latest(action.chat.id, action.ephemeral_to.id)
        if interaction is not None and not interaction.is_expired():
            ref = await self._respond(interaction, action, text)
        elif action.ephemeral_to is not None:
            # Only an interaction reply can be shown to one member; without one, a DM.
            return await self._direct(action.ephemeral_to, action.text, action.buttons)
        else:
            ref = await self._post(action, text)
        if action.delete_after is not None:
            # The core's job kind, like every timed follow-up (bot/outbound.py).
            await self.outbound.delete_later(ref, action.delete_after)
        return ActionResult(message=ref)

    async def _edit(self, action: EditMessage) -> ActionResult:
        parts = markup.render(action.text)
        if len(parts) > 1:
            raise ActionRefused("EditMessage", "the new text is longer than one message")
        await self.pacer.wait()
        message = self._channel(action.message.chat).get_partial_message(int(action.message.id))
        # view=None takes the buttons away, as an edit without buttons should.
        await message.edit(content=parts[0], view=_view(action.buttons), allowed_mentions=NO_PINGS)
        return ActionResult(message=action.message)

    async def _thread(self, action: OpenThread) -> ActionResult:
        # A private thread (type 12) that members cannot invite others to: a ticket's room.
        await self.pacer.wait()
        thread = await self.client.http.start_thread_without_message(
            int(action.chat.id),
            name=action.title[:100],  # Discord's limit for a channel name
            auto_archive_duration=10080,
            type=12,
            invitable=False,
            reason="support ticket",
        )
        return ActionResult(message=MessageRef(action.chat, str(thread["id"])))

    async def _discussion(self, action: StartThread) -> ActionResult:
        # A public thread on the posted message (POST /channels/{c}/messages/{m}/threads):
        # members see it under the message. Its name is 1-100 characters on one line.
        await self.pacer.wait()
        name = " ".join(action.title.split())[:THREAD_NAME_LIMIT] or "…"
        thread = await self.client.http.start_thread_with_message(
            int(action.message.chat.id),
            int(action.message.id),
            name=name,
            auto_archive_duration=10080,  # a week without messages
            reason="discussion of a post",
        )
        where = action.message.chat
        opening = SendMessage(chat=where, text=action.text, thread_id=str(thread["id"]))
        await self._post(opening, opening.text)
        return ActionResult(message=MessageRef(where, str(thread["id"])))

    async def _post(self, action: SendMessage, text: str) -> MessageRef:
        # A Discord thread is a channel of its own: post there when one is named.
        target = action.chat
        if action.thread_id is not None:
            target = ChatRef(target.platform, action.thread_id, target.community)
        channel = self._channel(target)
        reference = None
        if action.reply_to is not None:
            reference = discord.MessageReference(
                message_id=int(action.reply_to.id),
                channel_id=int(action.reply_to.chat.id),
                fail_if_not_exists=False,
            )
        parts = markup.render(text)
        sent: discord.Message | None = None
        for index, part in enumerate(parts):
            await self.pacer.wait()
            extra: dict[str, Any] = {}
            view = _view(action.buttons) if index == len(parts) - 1 else None
            if view is not None:
                extra["view"] = view
            if index == 0 and reference is not None:
                extra["reference"] = reference
            sent = await channel.send(part, allowed_mentions=NO_PINGS, **extra)
        assert sent is not None
        return MessageRef(action.chat, str(sent.id))

    async def _respond(
        self, interaction: discord.Interaction[Any], action: SendMessage, text: str
    ) -> MessageRef:
        ephemeral = action.ephemeral_to is not None
        parts = markup.render(text)
        message_id: int | None = None
        for index, part in enumerate(parts):
            extra: dict[str, Any] = {}
            view = _view(action.buttons) if index == len(parts) - 1 else None
            if view is not None:
                extra["view"] = view
            await self.pacer.wait()
            response = None
            async with self.interactions.answering(interaction):
                if not interaction.response.is_done():
                    response = await interaction.response.send_message(
                        part, ephemeral=ephemeral, allowed_mentions=NO_PINGS, **extra
                    )
            if response is not None:
                message_id = response.message_id
            else:
                sent = await interaction.followup.send(
                    part, ephemeral=ephemeral, allowed_mentions=NO_PINGS, wait=True, **extra
                )
                message_id = sent.id
        return MessageRef(action.chat, str(message_id or interaction.id))

    async def _direct(
        self, target: UserRef, text: str, buttons: tuple[Button, ...]
    ) -> ActionResult:
        await self.pacer.wait()
        channel = await self.client.create_dm(discord.Object(int(target.id)))
        parts = markup.render(text)
        sent: discord.Message | None = None
        for index, part in enumerate(parts):
            extra: dict[str, Any] = {}
            view = _view(buttons) if index == len(parts) - 1 else None
            if view is not None:
                extra["view"] = view
            await self.pacer.wait()
            sent = await channel.send(part, allowed_mentions=NO_PINGS, **extra)
        assert sent is not None
        dm = ChatRef("discord", str(channel.id), _DM)
        return ActionResult(message=MessageRef(dm, str(sent.id)))

    async def _poll(self, action: SendPoll) -> ActionResult:
        hours = 24 if action.open_for is None else math.ceil(action.open_for / timedelta(hours=1))
        poll = discord.Poll(
            question=markup.fit(action.question, POLL_QUESTION_LIMIT),
            duration=timedelta(hours=min(max(hours, 1), MAX_POLL_HOURS)),
            multiple=action.multiple,
        )
        for option in action.options[:10]:
            poll.add_answer(text=markup.fit(option, POLL_ANSWER_LIMIT))
        await self.pacer.wait()
        sent = await self._channel(action.chat).send(poll=poll, allowed_mentions=NO_PINGS)
        ref = MessageRef(action.chat, str(sent.id))
        return ActionResult(message=ref, poll_id=ref.id)

    # -- deletes ------------------------------------------------------------------------------

    def _bulk_ok(self, message_id: int) -> bool:
        return discord.utils.snowflake_time(message_id) > self.clock.now() - BULK_DELETE_AGE

    async def _bulk_delete(self, channel_id: int, ids: Any, reason: str) -> None:
        await self.pacer.wait()
        await self.client.http.delete_messages(channel_id, ids, reason=reason or None)

    async def _delete_one(self, channel_id: int, message_id: int, reason: str) -> None:
        await self.pacer.wait()
        try:
            await self.client.http.delete_message(channel_id, message_id, reason=reason or None)
        except discord.NotFound:
            log.debug("message %s was already gone", message_id)

    async def _delete(self, action: DeleteMessage) -> None:
        await self.batcher.delete(
            int(action.message.chat.id), int(action.message.id), action.reason
        )

    # -- members ------------------------------------------------------------------------------

    async def _guild(self, where: CommunityRef) -> discord.Guild:
        guild = self.client.get_guild(int(where.id))
        return guild if guild is not None else await self.client.fetch_guild(int(where.id))

    async def _member(self, guild: discord.Guild, target: UserRef) -> discord.Member | None:
        member = guild.get_member(int(target.id))
        if member is not None:
            return member
        try:
            return await guild.fetch_member(int(target.id))
        except discord.NotFound:
            return None

    def _check_rank(self, action: Action, where: CommunityRef, member: discord.Member) -> None:
        """Never act on the owner, on ourselves, or on anyone ranked at or above us or the actor."""
        locale = self._locale(where)
        name = type(action).__name__
        guild = member.guild
        me = guild.me
        if me is not None and member.id == me.id:
            raise ActionRefused(name, t(locale, "discord.refused.self"))
        if guild.owner_id == member.id:
            raise ActionRefused(name, t(locale, "discord.refused.owner"))
        if me is not None and not outranks(me, member):
            raise ActionRefused(
                name,
                t(
                    locale,
                    "discord.refused.above_bot",
                    role=member.top_role.name,
                    mine=me.top_role.name,
                ),
            )
        # Automatic moderation acts as Kenes: the invoking member's rank is no limit then.
        actor = None if acting_as_bot() else ACTING.get()
        if actor is not None and actor.guild.id == guild.id and not outranks(actor, member):
            raise ActionRefused(
                name,
                t(
                    locale,
                    "discord.refused.above_actor",
                    role=member.top_role.name,
                    yours=actor.top_role.name,
                ),
            )

    async def _target(
        self, action: Action, where: CommunityRef, target: UserRef
    ) -> tuple[discord.Guild, discord.Member | None]:
        guild = await self._guild(where)
        member = await self._member(guild, target)
        if member is not None:
            self._check_rank(action, where, member)
        return guild, member

    async def _restrict(self, action: Restrict) -> None:
        _, member = await self._target(action, action.community, action.user)
        if member is None:
            raise ActionRefused(
                "Restrict", t(self._locale(action.community), "discord.refused.not_member")
            )
        now = self.clock.now()
        until = None if action.duration is None else now + action.duration
        await self._timeout(member, now, until, action.reason)

    async def _timeout(
        self, member: discord.Member, now: datetime, until: datetime | None, reason: str
    ) -> None:
        apply_until = now + MAX_TIMEOUT if until is None else min(until, now + MAX_TIMEOUT)
        await self.pacer.wait()
        await member.edit(timed_out_until=apply_until, reason=reason or None)

    async def _unrestrict(self, action: Unrestrict) -> None:
        guild = await self._guild(action.community)
        member = await self._member(guild, action.user)
        if member is not None:  # always sent: our cache may not know of a mute set elsewhere
            await self.pacer.wait()
            await member.edit(timed_out_until=None, reason=action.reason or None)

    async def _role(self, action: GrantRole | RevokeRole) -> None:
        """Give or take a role by name; only roles below the bot's own can be managed."""
        name, locale = type(action).__name__, self._locale(action.community)
        guild = await self._guild(action.community)
        wanted = action.role.casefold()
        role = next((r for r in guild.roles if r.name.casefold() == wanted), None)
        if role is None:
            raise ActionRefused(name, t(locale, "discord.refused.no_role", role=action.role))
        me = guild.me
        if me is not None and role >= me.top_role:
            raise ActionRefused(
                name,
                t(locale, "discord.refused.role_above_bot", role=role.name, mine=me.top_role.name),
            )
        member = await self._member(guild, action.user)
        if member is None:
            raise ActionRefused(name, t(locale, "discord.refused.not_member"))
        await self.pacer.wait()
        if isinstance(action, GrantRole):
            await member.add_roles(role, reason=action.reason or None)
        else:
            await member.remove_roles(role, reason=action.reason or None)

    async def _kick(self, action: Kick) -> None:
        guild, member = await self._target(action, action.community, action.user)
        if member is None:
            return  # already gone: what a kick wanted
        await self.pacer.wait()
        await guild.kick(member, reason=action.reason or None)

    async def _ban(self, action: Ban) -> None:
        guild, _ = await self._target(action, action.community, action.user)
        await self.pacer.wait()
        await guild.ban(
            discord.Object(int(action.user.id)),
            reason=action.reason or None,
            delete_message_seconds=0,  # deleting is the moderation cog's explicit decision
        )
        # Discord has no temporary ban: the feature that asked for one lifts it at its end
        # (moderation stages the Unban with the case), so nothing is scheduled here.

    async def _unban(self, action: Unban) -> None:
        guild = await self._guild(action.community)
        await self.pacer.wait()
        try:
            await guild.unban(discord.Object(int(action.user.id)), reason=action.reason or None)
        except discord.NotFound:
            log.info("%s was not banned in %s", action.user, guild.id)

    async def _slowmode(self, action: SetSlowMode) -> None:
        locale = self._locale(action.chat.community)
        if not 0 <= action.seconds <= MAX_SLOWMODE:
            raise ActionRefused(
                "SetSlowMode",
                t(locale, "discord.refused.slowmode", longest=timedelta(seconds=MAX_SLOWMODE)),
            )
        channel = self.client.get_channel(int(action.chat.id))
        if channel is None:
            channel = await self.client.fetch_channel(int(action.chat.id))
        if not isinstance(
            channel,
            discord.TextChannel | discord.Thread | discord.VoiceChannel | discord.ForumChannel,
        ):
            raise ActionRefused("SetSlowMode", t(locale, "discord.refused.no_slowmode"))
        await self.pacer.wait()
        await channel.edit(slowmode_delay=action.seconds)

    # -- helpers ------------------------------------------------------------------------------

    def _locale(self, where: CommunityRef | None) -> str:
        if where is None or where.platform != "discord":
            return self.config.defaults.locale
        return self.config.community(where).locale


_DM = CommunityRef("discord", "@me")


def _community_of(action: Action) -> CommunityRef | None:
    for name in ("chat", "message"):
        value = getattr(action, name, None)
        if isinstance(value, ChatRef):
            return value.community
        if isinstance(value, MessageRef):
            return value.chat.community
    return None


# One handler per Action type (Discord has every action natively); the adapter registers
# exactly these, so they are its capabilities. A handler that makes nothing returns None.
PERFORMERS: dict[type[Action], Callable[[Executor, Any], Awaitable[ActionResult | None]]] = {
    SendMessage: Executor._send,
    SendImage: Executor._image,
    SendDirect: Executor._direct_action,
    DeleteMessage: Executor._delete,
    EditMessage: Executor._edit,
    Restrict: Executor._restrict,
    Unrestrict: Executor._unrestrict,
    Kick: Executor._kick,
    Ban: Executor._ban,
    Unban: Executor._unban,
    SetSlowMode: Executor._slowmode,
    GrantRole: Executor._role,
    RevokeRole: Executor._role,
    SendPoll: Executor._poll,
    Pin: Executor._pin,
    OpenThread: Executor._thread,  # a private thread per support ticket
    StartThread: Executor._discussion,  # a public thread on a posted message
    FetchFile: Executor._fetch,  # a file attached to a command's `file` option
}
