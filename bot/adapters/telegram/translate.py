"""PTB `Update` → core events: messages, commands, buttons, members, reactions, poll answers."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime

from telegram import (
    Chat,
    ChatMember,
    ChatMemberUpdated,
    Message,
    MessageEntity,
    MessageReactionUpdated,
    ReactionType,
    ReactionTypeCustomEmoji,
    ReactionTypeEmoji,
    Update,
    User,
)

from bot.adapters.telegram.refs import chat_ref, message_ref, private_chat_ref, user_ref
from bot.core.events import (
    Attachment,
    Author,
    ButtonPressed,
    CommandInvoked,
    Event,
    MemberJoined,
    MemberLeft,
    MessageCreated,
    MessageEdited,
    PollAnswered,
    ReactionAdded,
    ReactionRemoved,
)
from bot.core.permalinks import public_username
from bot.core.permissions import Level
from bot.core.refs import ChatRef, MessageRef, UserRef

log = logging.getLogger(__name__)

# Statuses in which a user is inside the group (a restricted user may still be a member).
_INSIDE = frozenset({ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER})
_MENTION_TYPES: list[str | None] = [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]


def is_inside(member: ChatMember) -> bool:
    """Whether a ChatMember is in the group (restricted members count when `is_member`)."""
    if member.status == ChatMember.RESTRICTED:
        return bool(getattr(member, "is_member", False))
    return member.status in _INSIDE


def _chat_of(chat: Chat) -> ChatRef:
    """A group is a community; a private chat with the bot is not (it is the member's own)."""
    return private_chat_ref(chat.id) if chat.type == Chat.PRIVATE else chat_ref(chat.id)


def attachments(message: Message | None) -> tuple[Attachment, ...]:
    """The photo (its largest size) or document of a message, as the core's attachment."""
    if message is None:
        return ()
    if message.photo:
        best = message.photo[-1]  # Telegram lists a photo's sizes smallest first
        return (Attachment(best.file_id, "photo.jpg", best.file_size),)
    document = message.document
    if document is not None:
        return (Attachment(document.file_id, document.file_name or "file", document.file_size),)
    return ()


def display_name(user: User) -> str:
    return user.full_name or (user.username or str(user.id))


class Members:
    """`@username` → user id, learned from every update (Telegram never resolves it for bots)."""

    def __init__(self, size: int = 100_000) -> None:
        self._by_name: OrderedDict[str, int] = OrderedDict()
        self._names: OrderedDict[int, str] = OrderedDict()  # id -> the name Telegram shows
        self._size = size

    def learn(self, user: User | None) -> None:
        if user is None:
            return
        self._names[user.id] = user.full_name
        self._names.move_to_end(user.id)
        if len(self._names) > self._size:
            self._names.popitem(last=False)
        if not user.username:
            return
        key = user.username.lower()
        self._by_name[key] = user.id
        self._by_name.move_to_end(key)
        if len(self._by_name) > self._size:
            self._by_name.popitem(last=False)

    def name(self, user_id: int) -> str | None:
        return self._names.get(user_id)

    def find(self, username: str) -> int | None:
        return self._by_name.get(username.lstrip("@").lower())


class PublicChats:
    """Group id → its public username (`t.me/<username>`), learnt from the chat object of
    every update: a group that drops its username is forgotten at its next update. Bounded:
    the least recently seen group goes first (it is learnt again from its next update)."""

    def __init__(self, size: int = 50_000) -> None:
        self._names: OrderedDict[str, str] = OrderedDict()
        self._size = size

    def learn(self, chat: Chat | None) -> None:
        if chat is None or chat.type not in (Chat.GROUP, Chat.SUPERGROUP):
            return
        key = str(chat.id)
        name = public_username(chat.username)
        if name is None:
            self._names.pop(key, None)
            return
        self._names[key] = name
        self._names.move_to_end(key)
        if len(self._names) > self._size:
            self._names.popitem(last=False)

    def get(self, chat_id: str) -> str | None:
        return self._names.get(chat_id)

    def __len__(self) -> int:
        return len(self._names)


class RecentAuthors:
    """Who wrote recent messages: Telegram's reaction updates do not say whose message it was."""

    def __init__(self, size: int = 200_000) -> None:
        self._authors: OrderedDict[tuple[int, int], UserRef] = OrderedDict()
        self._size = size

    def remember(self, chat_id: int, message_id: int, author: UserRef) -> None:
        self._authors[(chat_id, message_id)] = author
        if len(self._authors) > self._size:
            self._authors.popitem(last=False)

    def find(self, chat_id: int, message_id: int) -> UserRef | None:
        return self._authors.get((chat_id, message_id))


class Translator:
    """Turns one update into zero or more core events.

    `now` stamps events that carry no date of their own (button presses, poll answers);
    `poll_chats` maps the ids of polls the bot posted to their chat (poll answers carry none).
    """

    def __init__(
        self,
        bot_id: int,
        bot_username: str,
        now: Callable[[], datetime],
        members: Members | None = None,
    ) -> None:
        self.bot_id = bot_id
        self.bot_username = bot_username.lower()
        self._now = now
        self.members = members or Members()
        self.authors = RecentAuthors()
        self.public = PublicChats()
        self.poll_chats: dict[str, str] = {}
        # Bumped when Telegram numbers updates anew, so new ids are not taken for re-deliveries.
        self.epoch = 0

    def translate(self, update: Update) -> list[Event]:
        event_id = str(update.update_id) if not self.epoch else f"{update.update_id}~{self.epoch}"
        try:
            self.public.learn(update.effective_chat)
            if update.message is not None:
                return self._message(update.message, event_id, edited=False)
            if update.edited_message is not None:
                return self._message(update.edited_message, event_id, edited=True)
            if update.callback_query is not None:
                return self._button(update, event_id)
            if update.chat_member is not None:
                return self._membership(update.chat_member, event_id)
            if update.message_reaction is not None:
                return self._reaction(update.message_reaction, event_id)
            if update.poll_answer is not None:
                return self._poll_answer(update, event_id)
        except (AttributeError, ValueError, TypeError):
            log.exception("could not translate update %s; skipping it", update.update_id)
        return []

    # -- authors ---------------------------------------------------------------------------

    def author(self, user: User) -> Author:
        self.members.learn(user)
        return Author(user=user_ref(user.id), name=display_name(user), is_bot=user.is_bot)

    def _message_author(self, message: Message) -> Author | None:
        sender_chat = message.sender_chat
        if sender_chat is not None:
            # An anonymous admin posts as the group itself; a linked channel posts as itself.
            anonymous_admin = sender_chat.id == message.chat.id
            return Author(
                user=user_ref(sender_chat.id),
                name=sender_chat.title or str(sender_chat.id),
                platform_level=Level.MODERATOR if anonymous_admin else Level.MEMBER,
            )
        if message.from_user is None:
            return None
        return self.author(message.from_user)

    @staticmethod
    def _author_ref(message: Message) -> UserRef | None:
        if message.sender_chat is not None:
            return user_ref(message.sender_chat.id)
        return user_ref(message.from_user.id) if message.from_user is not None else None

    # -- messages and commands -------------------------------------------------------------

    def _message(self, message: Message, event_id: str, *, edited: bool) -> list[Event]:
        if message.chat.type == Chat.CHANNEL:
            return []
        text = message.text if message.text is not None else message.caption
        if text is None and message.effective_attachment is None:
            return []  # a service message: joins, pins, title changes, migrations
        author = self._message_author(message)
        if author is None:
            return []
        chat = _chat_of(message.chat)
        ref = MessageRef(chat, str(message.message_id))
        self.authors.remember(message.chat.id, message.message_id, author.user)
        is_caption = message.text is None
        body = text or ""
        at = (message.edit_date if edited else None) or message.date
        mentions = self._mentions(message, is_caption)
        named = tuple(
            (ref.id, name) for ref in mentions if (name := self.members.name(int(ref.id)))
        )
        if edited:
            return [
                MessageEdited(
                    chat=chat,
                    author=author,
                    at=at,
                    event_id=event_id,
                    message=ref,
                    text=body,
                    mentions=mentions,
                    is_caption=is_caption,
                )
            ]
        reply_to, reply_to_author = self._reply(message)
        thread = str(message.message_thread_id) if message.is_topic_message else None
        command = self._command(message, is_caption)
        if command is not None:
            # A command for another bot is still a message here: moderation checks its text.
            name, args = command
            return [
                CommandInvoked(
                    chat=chat,
                    author=author,
                    at=at,
                    event_id=event_id,
                    name=name,
                    args=args,
                    message=ref,
                    reply_to=reply_to,
                    reply_to_author=reply_to_author,
                    mentions=mentions,
                    mention_names=named,
                    thread_id=thread,
                    # The command's own file (its caption is the command), else the file of
                    # the message it replies to.
                    attachments=attachments(message) or attachments(message.reply_to_message),
                )
            ]
        return [
            MessageCreated(
                chat=chat,
                author=author,
                at=at,
                event_id=event_id,
                message=ref,
                text=body,
                reply_to=reply_to,
                reply_to_author=reply_to_author,
                mentions=mentions,
                mention_names=named,
                is_caption=is_caption,
                forwarded=getattr(message.forward_origin, "type", None) == "channel",
                thread_id=thread,
                direct=chat.is_private,
            )
        ]

    def _command(self, message: Message, is_caption: bool) -> tuple[str, str] | None:
        """(name, args) for `/name[@bot] args` in a text or a caption; None when the message
        is no command, or a command addressed to another bot."""
        if is_caption:
            text, entities = message.caption or "", message.caption_entities
        else:
            text, entities = message.text or "", message.entities
        if not entities or entities[0].type != MessageEntity.BOT_COMMAND:
            return None
        if entities[0].offset != 0:
            return None
        head = (
            message.parse_caption_entity(entities[0])
            if is_caption
            else message.parse_entity(entities[0])
        )
        name, _, target = head[1:].partition("@")
        if target and target.lower() != self.bot_username:
            return None
        args = text[len(head) :].strip()
        name = name.lower()
        if name == "start" and message.chat.type == Chat.PRIVATE:
            name = "help"  # Telegram sends /start when someone opens a chat with the bot
        return name, args

    def _reply(self, message: Message) -> tuple[MessageRef | None, UserRef | None]:
        replied = message.reply_to_message
        if replied is None:
            return None, None
        # In a forum every message in a topic "replies" to the topic's first message.
        if message.is_topic_message and replied.message_id == message.message_thread_id:
            return None, None
        self.members.learn(replied.from_user)
        author = self._author_ref(replied)
        if author is not None:
            self.authors.remember(message.chat.id, replied.message_id, author)
        return MessageRef(_chat_of(message.chat), str(replied.message_id)), author

    def _mentions(self, message: Message, is_caption: bool) -> tuple[UserRef, ...]:
        found = (
            message.parse_caption_entities(_MENTION_TYPES)
            if is_caption
            else message.parse_entities(_MENTION_TYPES)
        )
        refs: list[UserRef] = []
        for entity, text in found.items():
            user_id: int | None
            if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
                self.members.learn(entity.user)
                user_id = entity.user.id
            else:
                user_id = self.members.find(text)
            if user_id is None or user_id == self.bot_id:
                continue
            ref = user_ref(user_id)
            if ref not in refs:
                refs.append(ref)
        return tuple(refs)

    # -- buttons, members, reactions, polls ------------------------------------------------

    def _button(self, update: Update, event_id: str) -> list[Event]:
        query = update.callback_query
        assert query is not None
        if query.message is None or not query.data:
            return []
        chat = _chat_of(query.message.chat)
        return [
            ButtonPressed(
                chat=chat,
                author=self.author(query.from_user),
                at=self._now(),
                event_id=event_id,
                message=MessageRef(chat, str(query.message.message_id)),
                custom_id=query.data,
                interaction_id=query.id,
            )
        ]

    def _membership(self, change: ChatMemberUpdated, event_id: str) -> list[Event]:
        was, now = is_inside(change.old_chat_member), is_inside(change.new_chat_member)
        if was == now:
            return []  # a promotion or a restriction, not a join or a leave
        author = self.author(change.new_chat_member.user)
        chat = chat_ref(change.chat.id)
        kind = MemberJoined if now else MemberLeft
        return [kind(chat=chat, author=author, at=change.date, event_id=event_id)]

    def _reaction(self, change: MessageReactionUpdated, event_id: str) -> list[Event]:
        if change.user is not None:
            author = self.author(change.user)
        elif change.actor_chat is not None:
            chat_actor = change.actor_chat
            author = Author(user=user_ref(chat_actor.id), name=chat_actor.title or "")
        else:
            return []
        old = {_emoji(r) for r in change.old_reaction}
        new = {_emoji(r) for r in change.new_reaction}
        ref = message_ref(change.chat.id, change.message_id)
        target = self.authors.find(change.chat.id, change.message_id)
        changes: tuple[tuple[type[ReactionAdded | ReactionRemoved], str, set[str]], ...] = (
            (ReactionRemoved, "-", old - new),
            (ReactionAdded, "+", new - old),
        )
        return [
            kind(
                chat=ref.chat,
                author=author,
                at=change.date,
                event_id=f"{event_id}:{sign}{emoji}",  # one update, several events: keep ids apart
                message=ref,
                emoji=emoji,
                message_author=target,
            )
            for kind, sign, emojis in changes
            for emoji in sorted(emojis)
        ]

    def _poll_answer(self, update: Update, event_id: str) -> list[Event]:
        answer = update.poll_answer
        assert answer is not None
        chat_id = self.poll_chats.get(answer.poll_id)
        if chat_id is None:
            log.debug("answer to poll %s that this bot did not post; ignored", answer.poll_id)
            return []
        if answer.user is not None:
            author = self.author(answer.user)
        elif answer.voter_chat is not None:
            voter = answer.voter_chat
            author = Author(user=user_ref(voter.id), name=voter.title or "")
        else:
            return []
        return [
            PollAnswered(
                chat=chat_ref(chat_id),
                author=author,
                at=self._now(),
                event_id=event_id,
                poll_id=answer.poll_id,
                options=tuple(answer.option_ids),
            )
        ]

    def lane(self, update: Update) -> str:
        """The key that orders updates: one chat's updates run in order, chats side by side."""
        chat = update.effective_chat
        if chat is not None:
            return str(chat.id)
        if update.poll_answer is not None:
            poll_id = update.poll_answer.poll_id
            return self.poll_chats.get(poll_id) or f"poll:{poll_id}"
        user = update.effective_user
        return f"user:{user.id}" if user is not None else "misc"


def _emoji(reaction: ReactionType) -> str:
    if isinstance(reaction, ReactionTypeEmoji):
        return reaction.emoji
    if isinstance(reaction, ReactionTypeCustomEmoji):
        return f"custom:{reaction.custom_emoji_id}"
    return "paid"
