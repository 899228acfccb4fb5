"""Inbound events: what happened on a platform, in the past tense, platform-neutral."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TypeVar

from bot.core.permissions import Level
from bot.core.refs import ChatRef, CommunityRef, MessageRef, UserRef

E = TypeVar("E", bound="Event")


@dataclass(frozen=True, slots=True)
class Author:
    """Who caused an event, with what the platform itself says about their rights."""

    user: UserRef
    name: str
    is_bot: bool = False
    platform_level: Level = Level.MEMBER
    roles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file a member attached, as the platform holds it: its bytes are fetched on demand
    through the platform (the `FetchFile` action), never carried in the event.

    `id` is the platform's handle (a Telegram file id, a Discord attachment's address);
    `size` in bytes as the platform tells it (None when it does not), so a file too big is
    refused before it is fetched.
    """

    id: str
    filename: str
    size: int | None = None


@dataclass(frozen=True, kw_only=True)
class Event:
    """Base of every inbound event.

    `event_id` is the platform's delivery id (Telegram `update_id`, a Discord interaction id)
    used to drop re-deliveries; `None` when the platform gives no such id.
    """

    chat: ChatRef
    author: Author
    at: datetime
    event_id: str | None = None

    @property
    def community(self) -> CommunityRef:
        return self.chat.community


@dataclass(frozen=True, kw_only=True)
class MessageCreated(Event):
    """A member posted a message (text or a caption of media)."""

    message: MessageRef
    text: str
    reply_to: MessageRef | None = None
    reply_to_author: UserRef | None = None
    mentions: tuple[UserRef, ...] = ()
    # (user id, display name) of mentioned members as the platform showed them, so replies
    # can name a member who has not spoken yet instead of printing their id.
    mention_names: tuple[tuple[str, str], ...] = ()
    is_caption: bool = False
    forwarded: bool = False  # forwarded from a channel (a common way to post spam)
    # A direct message to the bot from a member of the community (not posted in its chats).
    direct: bool = False
    # Read back from the channel's history after a (re)start, not received live: it is
    # moderated (spam posted while the bot was away is cleaned up) but nothing else sees it.
    backlog: bool = False
    # The thread inside `chat` it was posted in (a Telegram forum topic), if any.
    thread_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class MessageEdited(Event):
    """A member changed the text of an earlier message."""

    message: MessageRef
    text: str
    mentions: tuple[UserRef, ...] = ()
    is_caption: bool = False


@dataclass(frozen=True, kw_only=True)
class MemberJoined(Event):
    """A member joined the community; `author` is the newcomer."""


@dataclass(frozen=True, kw_only=True)
class MemberLeft(Event):
    """A member left or was removed; `author` is who left."""


@dataclass(frozen=True, kw_only=True)
class ReactionAdded(Event):
    """A member reacted to a message with an emoji."""

    message: MessageRef
    emoji: str
    message_author: UserRef | None = None


@dataclass(frozen=True, kw_only=True)
class ReactionRemoved(Event):
    """A member took a reaction back."""

    message: MessageRef
    emoji: str
    message_author: UserRef | None = None


@dataclass(frozen=True, kw_only=True)
class CommandInvoked(Event):
    """A member invoked a command: `/name args` in text, or a native slash command.

    `args` is the raw argument text; `options` holds structured values where the platform
    parsed them already (Discord application commands). `mentions` and `reply_to_author`
    let commands target members without parsing display text.
    """

    name: str
    args: str = ""
    options: dict[str, str] = field(default_factory=dict)
    message: MessageRef | None = None
    reply_to: MessageRef | None = None
    reply_to_author: UserRef | None = None
    mentions: tuple[UserRef, ...] = ()
    # (user id, display name) of mentioned members as the platform showed them, so replies
    # can name a member who has not spoken yet instead of printing their id.
    mention_names: tuple[tuple[str, str], ...] = ()
    interaction_id: str | None = None
    thread_id: str | None = None
    # Files sent with the command: on Telegram the photo or document of the command message
    # (its caption is the command), else of the message it replies to; on Discord the
    # attachment option of a command that takes one (`command(files=True)`).
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ButtonPressed(Event):
    """A member pressed a button the bot attached to a message; `custom_id` names it."""

    message: MessageRef
    custom_id: str
    interaction_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class PollAnswered(Event):
    """A member answered a native poll; an empty `options` means the vote was retracted.

    Platforms that report one answer at a time (Discord) also set `added` or `removed` to
    that option: the change is exact, while `options` is only the adapter's best knowledge
    (it cannot know answers given before a restart). Consumers prefer the change when set.
    """

    poll_id: str
    options: tuple[int, ...]
    added: int | None = None
    removed: int | None = None


def _valid(text: str) -> str:
    # JSON lets a platform send a lone UTF-16 surrogate ("\ud800"); Python keeps it in a str,
    # and every UTF-8 consumer (SQLite, RE2, the platform we reply to) then raises. Shown as
    # U+FFFD instead, like any invalid character.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return text


def valid_text(event: E) -> E:
    """`event` with every member-supplied text field valid Unicode (one check at intake)."""
    changes: dict[str, object] = {}
    for name in ("text", "args", "name", "custom_id", "emoji", "poll_id"):
        value = getattr(event, name, None)
        if isinstance(value, str) and _valid(value) is not value:
            changes[name] = _valid(value)
    options = getattr(event, "options", None)
    if isinstance(options, dict) and any(
        _valid(k) is not k or _valid(v) is not v for k, v in options.items()
    ):
        changes["options"] = {_valid(k): _valid(v) for k, v in options.items()}
    if _valid(event.author.name) is not event.author.name:
        changes["author"] = replace(event.author, name=_valid(event.author.name))
    return replace(event, **changes) if changes else event  # type: ignore[arg-type]
