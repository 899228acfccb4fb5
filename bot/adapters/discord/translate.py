"""Gateway objects and payloads (via discord.py) into platform-neutral core events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import discord

from bot.adapters.discord.commands import PLATFORM, attachments, invocation
from bot.adapters.discord.roles import level_of, role_names
from bot.config import DiscordSection
from bot.core.commands import CommandSpec
from bot.core.events import (
    Author,
    ButtonPressed,
    CommandInvoked,
    MemberJoined,
    MemberLeft,
    MessageCreated,
    MessageEdited,
    PollAnswered,
    ReactionAdded,
    ReactionRemoved,
)
from bot.core.refs import ChatRef, CommunityRef, MessageRef, UserRef

BUTTON_PREFIX = "kenes:"  # on our buttons' custom_id, so presses are ours even after a restart
_USER_MESSAGES = (discord.MessageType.default, discord.MessageType.reply)


def community(guild_id: int) -> CommunityRef:
    return CommunityRef(PLATFORM, str(guild_id))


def chat(channel_id: int, guild_id: int) -> ChatRef:
    return ChatRef(PLATFORM, str(channel_id), community(guild_id))


def private_chat(channel_id: int) -> ChatRef:
    """A member's DM channel with the bot: not a community (see `bot/core/refs.py`)."""
    return ChatRef(PLATFORM, str(channel_id), CommunityRef.private(PLATFORM))


def user(user_id: int) -> UserRef:
    return UserRef(PLATFORM, str(user_id))


def message_ref(channel_id: int, guild_id: int, message_id: int) -> MessageRef:
    return MessageRef(chat(channel_id, guild_id), str(message_id))


def author(
    who: discord.Member | discord.User | discord.abc.User,
    section: DiscordSection,
    extra: discord.Permissions | None = None,
) -> Author:
    """Who did it; a Member carries its level and roles, a bare User is a member."""
    if isinstance(who, discord.Member):
        return Author(
            user=user(who.id),
            name=who.display_name,
            is_bot=who.bot,
            platform_level=level_of(who, section, extra),
            roles=role_names(who),
        )
    return Author(user=user(who.id), name=who.display_name, is_bot=who.bot)


def unknown_author(user_id: int, guild: discord.Guild | None, section: DiscordSection) -> Author:
    """An author known only by id (raw events): resolved from the member cache when possible."""
    member = guild.get_member(user_id) if guild is not None else None
    if member is not None:
        return author(member, section)
    return Author(user=user(user_id), name=str(user_id))


def _mentions(message: discord.Message) -> tuple[UserRef, ...]:
    return tuple(user(m.id) for m in message.mentions)


def _mention_names(message: discord.Message) -> tuple[tuple[str, str], ...]:
    return tuple((str(m.id), m.display_name) for m in message.mentions)


def message_created(
    message: discord.Message, section: DiscordSection, now: datetime
) -> MessageCreated | None:
    """A member's message in a guild channel or a DM to the bot; system messages are not events."""
    if message.type not in _USER_MESSAGES:
        return None
    if message.guild is None:
        return _direct(message, section, now)
    reply_to = reply_author = None
    reference = message.reference
    if reference is not None and reference.message_id is not None:
        reply_to = message_ref(
            reference.channel_id or message.channel.id, message.guild.id, reference.message_id
        )
        if isinstance(reference.resolved, discord.Message):
            reply_author = user(reference.resolved.author.id)
    return MessageCreated(
        chat=chat(message.channel.id, message.guild.id),
        author=author(message.author, section),
        at=now,
        event_id=str(message.id),
        message=message_ref(message.channel.id, message.guild.id, message.id),
        text=message.content,
        reply_to=reply_to,
        reply_to_author=reply_author,
        mentions=_mentions(message),
        mention_names=_mention_names(message),
        is_caption=bool(message.attachments),
    )


def _direct(message: discord.Message, section: DiscordSection, now: datetime) -> MessageCreated:
    """A DM to the bot: the member's own chat, which no community's handlers see."""
    where = private_chat(message.channel.id)
    return MessageCreated(
        chat=where,
        author=author(message.author, section),
        at=now,
        event_id=str(message.id),
        message=MessageRef(where, str(message.id)),
        text=message.content,
        is_caption=bool(message.attachments),
        direct=True,
    )


def message_edited(
    payload: discord.RawMessageUpdateEvent, section: DiscordSection, now: datetime
) -> MessageEdited | None:
    """A changed text; embed-only updates (link previews) carry no `content` and are skipped."""
    message = payload.message
    if payload.guild_id is None or "content" not in payload.data:
        return None
    return MessageEdited(
        chat=chat(payload.channel_id, payload.guild_id),
        author=author(message.author, section),
        at=now,
        message=message_ref(payload.channel_id, payload.guild_id, payload.message_id),
        text=message.content,
        mentions=_mentions(message),
        is_caption=bool(message.attachments),
    )


def _front_door(guild: discord.Guild) -> ChatRef:
    # Joins and leaves happen in no channel; the system channel is where Discord announces them.
    channel = guild.system_channel
    return chat(channel.id if channel is not None else guild.id, guild.id)


def member_joined(member: discord.Member, section: DiscordSection, now: datetime) -> MemberJoined:
    return MemberJoined(chat=_front_door(member.guild), author=author(member, section), at=now)


def member_left(
    who: discord.User | discord.Member, guild: discord.Guild, section: DiscordSection, now: datetime
) -> MemberLeft:
    return MemberLeft(chat=_front_door(guild), author=author(who, section), at=now)


def reaction(
    payload: discord.RawReactionActionEvent,
    guild: discord.Guild | None,
    section: DiscordSection,
    now: datetime,
) -> ReactionAdded | ReactionRemoved | None:
    if payload.guild_id is None:
        return None
    who = (
        author(payload.member, section)
        if payload.member is not None
        else unknown_author(payload.user_id, guild, section)
    )
    kind = ReactionAdded if payload.event_type == "REACTION_ADD" else ReactionRemoved
    return kind(
        chat=chat(payload.channel_id, payload.guild_id),
        author=who,
        at=now,
        message=message_ref(payload.channel_id, payload.guild_id, payload.message_id),
        emoji=str(payload.emoji),
        message_author=None
        if payload.message_author_id is None
        else user(payload.message_author_id),
    )


def poll_answered(
    payload: discord.RawPollVoteActionEvent,
    guild: discord.Guild | None,
    section: DiscordSection,
    chosen: tuple[int, ...],
    now: datetime,
    *,
    added: bool,
) -> PollAnswered | None:
    """`chosen` is the member's choice as far as the adapter saw it (0-based); the event also
    carries the one answer this payload added or removed, which is exact across restarts."""
    if payload.guild_id is None:
        return None
    return PollAnswered(
        chat=chat(payload.channel_id, payload.guild_id),
        author=unknown_author(payload.user_id, guild, section),
        at=now,
        poll_id=str(payload.message_id),
        options=chosen,
        added=payload.answer_id - 1 if added else None,
        removed=None if added else payload.answer_id - 1,
    )


def _interaction_author(interaction: discord.Interaction[Any], section: DiscordSection) -> Author:
    return author(interaction.user, section, interaction.permissions)


def resolved_names(
    data: dict[str, Any], mentions: tuple[UserRef, ...]
) -> tuple[tuple[str, str], ...]:
    """Display names of the members a slash command names, from the interaction's `resolved`
    data (server nickname, else global name, else username): replies say "Bob", not an id."""
    resolved = data.get("resolved") or {}
    members, users = resolved.get("members") or {}, resolved.get("users") or {}
    names = []
    for ref in mentions:
        member, who = members.get(ref.id) or {}, users.get(ref.id) or {}
        name = member.get("nick") or who.get("global_name") or who.get("username")
        if name:
            names.append((ref.id, str(name)))
    return tuple(names)


def command_invoked(
    interaction: discord.Interaction[Any],
    spec: CommandSpec | None,
    section: DiscordSection,
    now: datetime,
) -> CommandInvoked | None:
    """A slash command in a guild or a DM with the bot (only commands declared for private
    chats are offered there); options by name, user options also as `mentions`."""
    data: dict[str, Any] = dict(interaction.data or {})
    if interaction.channel_id is None or "name" not in data:
        return None
    where = (
        private_chat(interaction.channel_id)
        if interaction.guild_id is None
        else chat(interaction.channel_id, interaction.guild_id)
    )
    options, mentions, target = invocation(spec, data, where)
    names = resolved_names(data, mentions)
    return CommandInvoked(
        chat=where,
        author=_interaction_author(interaction, section),
        at=now,
        event_id=str(interaction.id),
        name=str(data["name"]),
        options=options,
        mentions=mentions,
        mention_names=names,
        reply_to=target,
        interaction_id=str(interaction.id),
        attachments=attachments(data),
    )


def button_pressed(
    interaction: discord.Interaction[Any], section: DiscordSection, now: datetime
) -> ButtonPressed | None:
    """A press on one of our buttons (custom_id `kenes:...`), on any message, any time."""
    data: dict[str, Any] = dict(interaction.data or {})
    custom_id = str(data.get("custom_id", ""))
    if (
        not custom_id.startswith(BUTTON_PREFIX)
        or interaction.channel_id is None
        or interaction.message is None
    ):
        return None
    where = (
        private_chat(interaction.channel_id)  # a button on a DM the bot sent
        if interaction.guild_id is None
        else chat(interaction.channel_id, interaction.guild_id)
    )
    return ButtonPressed(
        chat=where,
        author=_interaction_author(interaction, section),
        at=now,
        event_id=str(interaction.id),
        message=MessageRef(where, str(interaction.message.id)),
        custom_id=custom_id.removeprefix(BUTTON_PREFIX),
        interaction_id=str(interaction.id),
    )
