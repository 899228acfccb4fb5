"""Console adapter: turns transcript steps into core events and prints what the bot does.

It behaves like a small platform: it remembers messages, enforces mutes, bans and slow-mode
itself, and numbers every message so later lines can refer to them. Output is deterministic.
"""

from __future__ import annotations

import asyncio
import itertools
import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.adapters.base import Adapter, AdapterHost, file_too_big
from bot.adapters.console.transcript import (
    Advance,
    Edit,
    Join,
    Leave,
    Press,
    React,
    Say,
    SetRole,
    Step,
    SwitchCommunity,
    SwitchSpeaker,
    Vote,
)
from bot.core.actions import (
    Action,
    ActionResult,
    Ban,
    DeleteMessage,
    EditMessage,
    FetchFile,
    GrantRole,
    Kick,
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
from bot.core.durations import format_duration
from bot.core.errors import ActionRefused
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
from bot.core.permissions import Level
from bot.core.refs import ChatRef, CommunityRef, MessageRef, UserRef

FOREVER = datetime.max


@dataclass
class _Message:
    ref: MessageRef
    author: str
    text: str
    deleted: bool = False
    buttons: tuple[str, ...] = ()  # custom ids: a press names one of these or is refused


def _when(at: datetime | None) -> str:
    return "for good" if at is None else "until " + at.strftime("%Y-%m-%d %H:%M UTC")


def _indent(text: str) -> str:
    return text.replace("\n", "\n    ")


class ConsoleAdapter(Adapter):
    """A platform in the terminal, for trying Kenes and for deterministic transcripts."""

    platform = "console"

    def __init__(self, community: str, channel: str, out: Callable[[str], None] = print) -> None:
        super().__init__()
        # The community lines happen in; `in community kz` switches to another one (a second
        # Telegram group, say), whose chats are shown as `kz #general`.
        self.home = CommunityRef(self.platform, community)
        self.community = self.home
        self.default_channel = channel
        self.speaker = "you"
        self._out = out
        self._app: AdapterHost | None = None
        self._ids = itertools.count(1)
        self._messages: dict[int, _Message] = {}
        self._levels: dict[str, Level] = {}
        # Keyed by (community id, member): a ban in one community is not a ban in another.
        self._muted: dict[tuple[str, str], datetime | None] = {}
        self._banned: dict[tuple[str, str], datetime | None] = {}
        self._slow: dict[str, int] = {}
        self._last_post: dict[tuple[str, str], datetime] = {}
        self._polls: dict[str, tuple[str, ...]] = {}
        # Every action the core knows: the console shows each as a line of the transcript.
        on = self.handlers.on
        on(SendMessage, self._send)
        on(SendImage, self._image)
        on(SendDirect, self._direct)
        on(DeleteMessage, self._delete)
        on(EditMessage, self._edit)
        on(Restrict, self._restrict)
        on(Unrestrict, self._unrestrict)
        on(Kick, self._kick)
        on(Ban, self._ban)
        on(Unban, self._unban)
        on(SetSlowMode, self._slowmode)
        on(SendPoll, self._poll)
        on(GrantRole, self._grant)
        on(RevokeRole, self._revoke)
        on(Pin, self._pin)
        on(StartThread, self._discussion)
        on(FetchFile, self._fetch)  # a local file a line attached (`alice attaches path: …`)

    # -- inbound ----------------------------------------------------------------------------

    async def start(self, app: AdapterHost) -> None:
        self._app = app

    async def platform_level(self, community: CommunityRef, user: UserRef) -> Level | None:
        return self._levels.get(user.id, Level.MEMBER)

    async def resolve_channel(self, community: CommunityRef, setting: str) -> ChatRef | None:
        """Console channels exist by being named; the main chat is the default channel."""
        return ChatRef(self.platform, setting.lstrip("#") or self.default_channel, community)

    def _chat(self, name: str | None) -> ChatRef:
        return ChatRef(self.platform, name or self.default_channel, self.community)

    def _author(self, who: str) -> Author:
        return Author(
            user=UserRef(self.platform, who),
            name=who.capitalize(),
            platform_level=self._levels.get(who, Level.MEMBER),
        )

    def _now(self) -> datetime:
        assert self._app is not None, "start the app before feeding the console"
        return self._app.clock.now()

    def _active(self, table: dict[tuple[str, str], datetime | None], who: str) -> bool:
        key = (self.community.id, who)
        if key not in table:
            return False
        until = table[key]
        if until is not None and until <= self._now():
            del table[key]
            return False
        return True

    def _where(self, chat: ChatRef) -> str:
        """`#general`, or `kz #general` for a chat outside the first community."""
        community = chat.community
        if community is None or community == self.home:
            return f"#{chat.id}"
        return f"{community.id} #{chat.id}"

    def _in(self, community: CommunityRef) -> str:
        return "" if community == self.home else f" in {community.id}"

    async def feed(self, step: Step) -> None:
        """Act out one transcript step."""
        assert self._app is not None, "start the app before feeding the console"
        app = self._app
        if isinstance(step, Advance):
            await app.advance(step.delta)
            self._out(f"… {format_duration(step.delta)} later: {_when(self._now())[6:]}")
            return
        if isinstance(step, SwitchSpeaker):
            self.speaker = step.who
            return
        if isinstance(step, SwitchCommunity):
            self.community = CommunityRef(self.platform, step.community)
            self._out(f"(now in community {self.platform}:{step.community})")
            return
        if isinstance(step, SetRole):
            self._levels[step.who] = step.level
            self._out(f"{step.who} is now {step.level.label}")
            return
        who = step.who or self.speaker
        direct = isinstance(step, Say) and step.direct
        chat = self._chat(f"dm-{who}" if direct else getattr(step, "channel", None))
        event = self._event_for(step, who, chat)
        if event is not None:
            await app.handle(event)

    def _event_for(self, step: Step, who: str, chat: ChatRef) -> Event | None:
        author, now = self._author(who), self._now()
        if isinstance(step, Join):
            if self._active(self._banned, who):
                self._out(f"{who} cannot join: banned")
                return None
            self._out(f"{who} joined")
            return MemberJoined(chat=chat, author=author, at=now)
        if isinstance(step, Leave):
            self._out(f"{who} left")
            return MemberLeft(chat=chat, author=author, at=now)
        if isinstance(step, Say):
            return self._say(step, who, chat, author, now)
        if isinstance(step, Edit):
            original = self._messages.get(step.message)
            if original is None or original.author != who:
                self._out(f"(no message {step.message} by {who} to edit)")
                return None
            original.text = step.text
            where = self._where(original.ref.chat)
            self._out(f"[{where}] {who} edited msg {step.message}: {step.text}")
            return MessageEdited(
                chat=original.ref.chat,
                author=author,
                at=now,
                message=original.ref,
                text=step.text,
                mentions=self._mentions(step.text),
            )
        if isinstance(step, React | Press):
            target = self._messages.get(step.message)
            if target is None:
                self._out(f"(no message {step.message})")
                return None
            if isinstance(step, Press):
                if step.custom_id not in target.buttons:
                    # A platform only delivers presses of buttons a message has.
                    self._out(f"(msg {step.message} has no button {step.custom_id})")
                    return None
                return ButtonPressed(
                    chat=target.ref.chat, author=author, at=now, message=target.ref,
                    custom_id=step.custom_id,
                )  # fmt: skip
            kind = ReactionRemoved if step.removed else ReactionAdded
            return kind(
                chat=target.ref.chat,
                author=author,
                at=now,
                message=target.ref,
                emoji=step.emoji,
                message_author=UserRef(self.platform, target.author),
            )
        assert isinstance(step, Vote)
        if step.poll not in self._polls:
            self._out(f"(no poll {step.poll})")
            return None
        return PollAnswered(
            chat=chat, author=author, at=now, poll_id=step.poll,
            options=tuple(o - 1 for o in step.options),
        )  # fmt: skip

    def _say(
        self, step: Say, who: str, chat: ChatRef, author: Author, now: datetime
    ) -> Event | None:
        if self._active(self._banned, who):
            self._out(f"({who} is banned; the message does not arrive)")
            return None
        if self._active(self._muted, who):
            self._out(f"({who} is muted; the platform drops the message)")
            return None
        if step.reply_to is not None and step.reply_to not in self._messages:
            self._out(f"(no message {step.reply_to})")  # a typo: replying to nothing is worse
            return None
        slow = self._slow.get(chat.id, 0)
        last = self._last_post.get((chat.id, who))
        staff = author.platform_level >= Level.MODERATOR  # platforms exempt staff from slow-mode
        if slow and not staff and last is not None and now - last < timedelta(seconds=slow):
            self._out(f"(slow-mode in #{chat.id}: {who} must wait before posting again)")
            return None
        files: tuple[Attachment, ...] = ()
        if step.attach is not None:
            path = Path(step.attach)
            if not path.is_file():
                self._out(f"(no file {step.attach})")  # a typo: sending nothing is worse
                return None
            files = (Attachment(str(path), path.name, path.stat().st_size),)
        self._last_post[(chat.id, who)] = now
        number = next(self._ids)
        ref = MessageRef(chat, str(number))
        self._messages[number] = _Message(ref, who, step.text)
        reply_to = self._messages.get(step.reply_to) if step.reply_to is not None else None
        shown = f" (reply to msg {step.reply_to})" if reply_to else ""
        where = "DM to the bot" if step.direct else self._where(chat)
        if files:
            shown += f" [file attached: {files[0].filename}, {files[0].size} bytes]"
        self._out(f"[{where}] {who} (msg {number}){shown}: {_indent(step.text)}")
        mentions = self._mentions(step.text)
        if step.text.startswith("/") and len(step.text) > 1 and not step.direct:
            head, _, args = step.text[1:].partition(" ")
            return CommandInvoked(
                chat=chat,
                author=author,
                at=now,
                name=head.lower(),
                args=args.strip(),
                message=ref,
                reply_to=reply_to.ref if reply_to else None,
                reply_to_author=UserRef(self.platform, reply_to.author) if reply_to else None,
                mentions=mentions,
                attachments=files,
            )
        return MessageCreated(
            chat=chat,
            author=author,
            at=now,
            message=ref,
            text=step.text,
            reply_to=reply_to.ref if reply_to else None,
            reply_to_author=UserRef(self.platform, reply_to.author) if reply_to else None,
            mentions=mentions,
            direct=step.direct,
        )

    def _mentions(self, text: str) -> tuple[UserRef, ...]:
        names = [w[1:].rstrip(".,!?:;").lower() for w in text.split() if w.startswith("@")]
        return tuple(UserRef(self.platform, n) for n in names if n and n != "everyone")

    # -- outbound ---------------------------------------------------------------------------

    def _until(self, duration: timedelta | None) -> datetime | None:
        return None if duration is None else self._now() + duration

    async def _fetch(self, action: FetchFile) -> ActionResult:
        """The attached local file's bytes, at most `limit` (read no further than that)."""
        data = await asyncio.to_thread(_read_at_most, Path(action.attachment.id), action.limit + 1)
        if len(data) > action.limit:
            assert self._app is not None
            locale = self._app.config.community(action.chat.community).locale
            raise file_too_big(locale, action.limit)
        return ActionResult(data=data)

    async def _image(self, action: SendImage) -> ActionResult:
        # A terminal shows no picture: say that one was attached, its name and size (in
        # pixels for a PNG, read from its header: the byte count changes with the renderer).
        number = next(self._ids)
        ref = MessageRef(action.chat, str(number))
        self._messages[number] = _Message(ref, "bot", action.caption)
        data = action.image
        if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
            width, height = struct.unpack(">II", data[16:24])
            size = f"{width}×{height} px"
        else:
            size = f"{len(data):,} bytes"
        caption = f": {_indent(action.caption)}" if action.caption else ""
        kind = "file" if action.document else "image"
        self._out(
            f"  bot (msg {number}) → #{action.chat.id}: [{kind} attached: {action.filename},"
            f" {size}]{caption}"
        )
        return ActionResult(message=ref)

    async def _send(self, action: SendMessage) -> ActionResult:
        number = next(self._ids)
        ref = MessageRef(action.chat, str(number))
        ids = tuple(b.custom_id for b in action.buttons)
        self._messages[number] = _Message(ref, "bot", action.text, buttons=ids)
        where = self._where(action.chat)
        if action.ephemeral_to is not None:
            who = action.ephemeral_to.id
            # The console's own speaker is "you": "only you see it", not "only you sees it".
            where += ", only you see it" if who == "you" else f", only {who} sees it"
        if action.reply_to is not None:
            where += f", reply to msg {action.reply_to.id}"
        self._out(f"  bot (msg {number}) → {where}: {_indent(action.text)}")
        for button in action.buttons:
            self._out(f"    [{button.label}] → presses {button.custom_id} on {number}")
        return ActionResult(message=ref)

    async def _discussion(self, action: StartThread) -> ActionResult:
        # A terminal has no threads: the discussion is the message's reply chain, named.
        number = next(self._ids)
        chat = action.message.chat
        self._messages[number] = _Message(MessageRef(chat, str(number)), "bot", action.text)
        where = f"{self._where(chat)}, thread “{action.title}” on msg {action.message.id}"
        self._out(f"  bot (msg {number}) → {where}: {_indent(action.text)}")
        return ActionResult(message=action.message)

    async def _direct(self, action: SendDirect) -> ActionResult:
        self._out(f"  bot → DM {action.user.id}: {_indent(action.text)}")
        return ActionResult()

    async def _edit(self, action: EditMessage) -> ActionResult:
        number = int(action.message.id) if action.message.id.isdigit() else 0
        shown = self._messages.get(number)
        if shown is None or shown.deleted or shown.author != "bot":
            raise ActionRefused("EditMessage", f"there is no bot message {action.message.id}")
        ids = tuple(b.custom_id for b in action.buttons)
        if (shown.text, shown.buttons) == (action.text, ids):
            return ActionResult(message=shown.ref)  # nothing changed: nothing to show
        shown.text, buttons_before, shown.buttons = action.text, shown.buttons, ids
        where = self._where(action.message.chat)
        self._out(f"  bot (msg {number}, edited) → {where}: {_indent(action.text)}")
        if ids != buttons_before:
            for button in action.buttons:
                self._out(f"    [{button.label}] → presses {button.custom_id} on {number}")
        return ActionResult(message=shown.ref)

    async def _delete(self, action: DeleteMessage) -> ActionResult:
        number = int(action.message.id)
        if number in self._messages:
            self._messages[number].deleted = True
        self._out(f"  bot deleted msg {number} in #{action.message.chat.id}{_reason(action)}")
        return ActionResult()

    async def _restrict(self, action: Restrict) -> ActionResult:
        until = self._until(action.duration)
        self._muted[(action.community.id, action.user.id)] = until
        where = self._in(action.community)
        self._out(f"  bot muted {action.user.id}{where} {_when(until)}{_reason(action)}")
        return ActionResult()

    async def _unrestrict(self, action: Unrestrict) -> ActionResult:
        self._muted.pop((action.community.id, action.user.id), None)
        self._out(f"  bot unmuted {action.user.id}{self._in(action.community)}{_reason(action)}")
        return ActionResult()

    async def _kick(self, action: Kick) -> ActionResult:
        self._out(f"  bot kicked {action.user.id}{self._in(action.community)}{_reason(action)}")
        return ActionResult()

    async def _ban(self, action: Ban) -> ActionResult:
        until = self._until(action.duration)
        self._banned[(action.community.id, action.user.id)] = until
        where = self._in(action.community)
        self._out(f"  bot banned {action.user.id}{where} {_when(until)}{_reason(action)}")
        return ActionResult()

    async def _unban(self, action: Unban) -> ActionResult:
        self._banned.pop((action.community.id, action.user.id), None)
        self._out(f"  bot unbanned {action.user.id}{self._in(action.community)}{_reason(action)}")
        return ActionResult()

    async def _slowmode(self, action: SetSlowMode) -> ActionResult:
        self._slow[action.chat.id] = action.seconds
        state = f"{action.seconds}s" if action.seconds else "off"
        self._out(f"  bot set slow-mode in #{action.chat.id}: {state}")
        return ActionResult()

    async def _poll(self, action: SendPoll) -> ActionResult:
        number = next(self._ids)
        poll_id = str(number)
        self._polls[poll_id] = action.options
        ref = MessageRef(action.chat, poll_id)
        self._messages[number] = _Message(ref, "bot", action.question)
        kind = "quiz" if action.correct_option is not None else "poll"
        self._out(f"  bot → #{action.chat.id} (msg {number}) {kind} {poll_id}: {action.question}")
        for index, option in enumerate(action.options, start=1):
            self._out(f"    {index}. {option}")
        return ActionResult(message=ref, poll_id=poll_id)

    async def _grant(self, action: GrantRole) -> ActionResult:
        self._out(f"  bot gave {action.user.id} the role {action.role}{_reason(action)}")
        return ActionResult()

    async def _revoke(self, action: RevokeRole) -> ActionResult:
        self._out(f"  bot took the role {action.role} from {action.user.id}{_reason(action)}")
        return ActionResult()

    async def _pin(self, action: Pin) -> ActionResult:
        self._out(f"  bot pinned msg {action.message.id} in #{action.message.chat.id}")
        return ActionResult()


def _reason(action: Action) -> str:
    why = getattr(action, "reason", "")
    return f" ({why})" if why else ""


def _read_at_most(path: Path, size: int) -> bytes:
    with path.open("rb") as file:
        return file.read(size)
