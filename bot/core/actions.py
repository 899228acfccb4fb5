"""Outbound actions: what the bot asks a platform to do, platform-neutral and imperative.

Text in actions is always plain text. Adapters escape it for their markup and disable mentions,
so a member's words can never ping @everyone or render as formatting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from pydantic import ConfigDict

from bot.core.events import Attachment
from bot.core.refs import ChatRef, CommunityRef, MessageRef, UserRef


@dataclass(frozen=True, slots=True)
class Button:
    """A button under a message; pressing it comes back as `ButtonPressed(custom_id=...)`."""

    label: str
    custom_id: str


@dataclass(frozen=True, kw_only=True)
class Action:
    """Base of every outbound action."""

    @property
    def platform(self) -> str:
        raise NotImplementedError


# What a bot post can ask members to do next (counted by kind in the metrics). "command" is a
# command the post names for members to use (the hero's "/thanks", the AMA's "/ask").
NEXT_STEPS = ("poll", "buttons", "thread", "question", "link", "command")


@dataclass(frozen=True, kw_only=True)
class SendMessage(Action):
    """Post text in a chat, optionally as a reply, with buttons, or visible to one member only."""

    chat: ChatRef
    text: str
    reply_to: MessageRef | None = None
    buttons: tuple[Button, ...] = ()
    ephemeral_to: UserRef | None = None
    interaction_id: str | None = None
    delete_after: timedelta | None = None
    # Inside a thread of `chat` that is not a chat of its own (a Telegram forum topic).
    thread_id: str | None = None
    # The next step the post asks of members, for the metrics' "bot posts with a next step":
    # one of NEXT_STEPS. None: buttons count as "buttons", anything else as no next step.
    next_step: str | None = None

    def __post_init__(self) -> None:
        if self.next_step is not None and self.next_step not in NEXT_STEPS:
            raise ValueError(
                f"unknown next step {self.next_step!r} of a post; use one of "
                f"{', '.join(NEXT_STEPS)}"
            )

    @property
    def platform(self) -> str:
        return self.chat.platform


@dataclass(frozen=True, kw_only=True)
class SendDirect(Action):
    """Send a private message to a member, where the platform and the member allow it."""

    user: UserRef
    text: str
    buttons: tuple[Button, ...] = ()

    @property
    def platform(self) -> str:
        return self.user.platform


@dataclass(frozen=True, kw_only=True)
class SendImage(Action):
    """Upload an image (a chart of /stats, a post's picture) or, with `document`, any file,
    in a chat with a plain-text caption; `alt` describes it for screen readers where the
    platform has alt text (Discord), and the caption carries it elsewhere.

    The bytes go with the action: a caller scheduling a big file keeps it on disk and sends
    it when due (content's media), since a scheduled action's bytes are stored in its job.
    """

    # A scheduled one is stored as JSON (bot/outbound.py): its bytes go as base64, not UTF-8.
    __pydantic_config__ = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")

    chat: ChatRef
    image: bytes = field(repr=False)
    filename: str = "image.png"
    caption: str = ""
    alt: str = ""
    document: bool = False

    @property
    def platform(self) -> str:
        return self.chat.platform


@dataclass(frozen=True, kw_only=True)
class EditMessage(Action):
    """Replace the text of a message the bot posted, where it is (an idea card's vote count).

    `buttons` are the ones it has afterwards: give the same ones to keep them. A platform that
    finds nothing changed (Telegram's "message is not modified") counts it as done.
    """

    message: MessageRef
    text: str
    buttons: tuple[Button, ...] = ()

    @property
    def platform(self) -> str:
        return self.message.chat.platform


@dataclass(frozen=True, kw_only=True)
class DeleteMessage(Action):
    """Remove a message; `reason` is for the audit log, never shown as markup."""

    message: MessageRef
    reason: str = ""

    @property
    def platform(self) -> str:
        return self.message.chat.platform


@dataclass(frozen=True, kw_only=True)
class MemberAction(Action):
    """An action on one member of a community; `reason` is for the audit log."""

    community: CommunityRef
    user: UserRef
    reason: str = ""

    @property
    def platform(self) -> str:
        return self.community.platform


@dataclass(frozen=True, kw_only=True)
class Restrict(MemberAction):
    """Mute a member (no posting) for `duration`, or until lifted when `duration` is None."""

    duration: timedelta | None


@dataclass(frozen=True, kw_only=True)
class Unrestrict(MemberAction):
    """Lift a mute."""


@dataclass(frozen=True, kw_only=True)
class Kick(MemberAction):
    """Remove a member, who may join again."""


@dataclass(frozen=True, kw_only=True)
class Ban(MemberAction):
    """Ban a member for `duration`, or for good when `duration` is None."""

    duration: timedelta | None = None


@dataclass(frozen=True, kw_only=True)
class Unban(MemberAction):
    """Lift a ban."""


@dataclass(frozen=True, kw_only=True)
class GrantRole(MemberAction):
    """Give a member a platform role by its name (a Discord role); a missing role is refused."""

    role: str


@dataclass(frozen=True, kw_only=True)
class RevokeRole(MemberAction):
    """Take a platform role back."""

    role: str


@dataclass(frozen=True, kw_only=True)
class SetSlowMode(Action):
    """Let each member post in `chat` at most once per `seconds` (0 turns slow-mode off)."""

    chat: ChatRef
    seconds: int

    @property
    def platform(self) -> str:
        return self.chat.platform


@dataclass(frozen=True, kw_only=True)
class SendPoll(Action):
    """Post a native poll or quiz."""

    chat: ChatRef
    question: str
    options: tuple[str, ...]
    multiple: bool = False
    anonymous: bool = True
    correct_option: int | None = None
    explanation: str = ""
    open_for: timedelta | None = None

    @property
    def platform(self) -> str:
        return self.chat.platform


@dataclass(frozen=True, kw_only=True)
class Pin(Action):
    """Pin a message in its chat."""

    message: MessageRef

    @property
    def platform(self) -> str:
        return self.message.chat.platform


@dataclass(frozen=True, kw_only=True)
class OpenThread(Action):
    """Open a thread for one conversation: a forum topic in a Telegram supergroup.

    The result's `message` names the thread: its chat, and as its id the thread id to pass as
    `SendMessage.thread_id`. A chat that cannot have threads (not a forum) is refused.
    Not in ALL_ACTIONS: only platforms with threads declare it, and callers fall back.
    """

    chat: ChatRef
    title: str

    @property
    def platform(self) -> str:
        return self.chat.platform


@dataclass(frozen=True, kw_only=True)
class StartThread(Action):
    """Open a public discussion on a posted `message`, starting it with `text` (plain text).

    Where the platform can, the discussion is a thread of its own: a Discord thread on the
    message (named `title`), a topic in a Telegram forum supergroup. Elsewhere it is the
    message's reply chain, and `text` goes out as a reply to it. The result's `message` names
    the discussion: its `id` is the thread's id (a Discord thread is a channel; a Telegram topic
    is passed as `SendMessage.thread_id`), or the message's own id for a reply chain.
    """

    message: MessageRef
    title: str
    text: str

    @property
    def platform(self) -> str:
        return self.message.chat.platform


@dataclass(frozen=True, kw_only=True)
class FetchFile(Action):
    """Fetch the bytes of a file a member attached (`CommandInvoked.attachments`), at most
    `limit` bytes: one the platform says is bigger is refused (ActionRefused) before it is
    downloaded, and the bytes are checked again after.

    The result's `data` holds the bytes. Not in ALL_ACTIONS: only platforms whose commands
    carry files declare it (Telegram, Discord).
    """

    chat: ChatRef
    attachment: Attachment
    limit: int

    @property
    def platform(self) -> str:
        return self.chat.platform


@dataclass(frozen=True, slots=True)
class ActionResult:
    """What came back from the platform: the sent message, the native poll id, or the bytes
    of a fetched file."""

    message: MessageRef | None = None
    poll_id: str | None = None
    data: bytes | None = field(default=None, repr=False)


ALL_ACTIONS: frozenset[type[Action]] = frozenset(
    {SendMessage, SendDirect, DeleteMessage, Restrict, Unrestrict, Kick, Ban, Unban, SetSlowMode}
    | {SendPoll, Pin, GrantRole, RevokeRole, SendImage}
    | {EditMessage}
    | {StartThread}  # a discussion on a posted message (content's thread step, debates)
)
"""Every action the core knows; an adapter's capabilities are this set minus what it lacks."""
