"""The test harness adapter: push events in, read back what the bot did.

Like Errbot's testbot: no transport at all, so tests exercise the whole core (pipeline,
dispatcher, cogs, storage, scheduler) and assert on the actions that come out.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from bot.adapters.base import ActionHandlers, Adapter, AdapterHost
from bot.core.actions import (
    ALL_ACTIONS,
    Action,
    ActionResult,
    EditMessage,
    SendDirect,
    SendImage,
    SendMessage,
    SendPoll,
    StartThread,
)
from bot.core.errors import ActionRefused
from bot.core.events import (
    Author,
    ButtonPressed,
    CommandInvoked,
    Event,
    MemberJoined,
    MessageCreated,
)
from bot.core.permissions import Level
from bot.core.refs import ChatRef, CommunityRef, MessageRef, UserRef

A = TypeVar("A", bound=Action)


class MemoryAdapter(Adapter):
    """Records actions; `capabilities` and `refuse` model a limited or unwilling platform."""

    platform = "memory"

    def __init__(self, capabilities: Iterable[type[Action]] = ALL_ACTIONS) -> None:
        super().__init__()
        self.capabilities = frozenset(capabilities)
        self.actions: list[Action] = []
        self.refuse: dict[type[Action], str] = {}
        self.refuse_in: dict[str, str] = {}  # chat id -> why messages there are refused
        self.levels: dict[str, Level] = {}
        self._app: AdapterHost | None = None
        self._ids = itertools.count(1000)
        self.community = CommunityRef(self.platform, "c1")
        self.chat = ChatRef(self.platform, "general", self.community)
        self.channels: set[str] | None = None  # None: every name is a channel, as on the console

    async def start(self, app: AdapterHost) -> None:
        self._app = app

    async def resolve_channel(self, community: CommunityRef, setting: str) -> ChatRef | None:
        name = setting.lstrip("#") or self.chat.id
        if self.channels is not None and name not in self.channels:
            return None
        return ChatRef(self.platform, name, community)

    @property
    def capabilities(self) -> frozenset[type[Action]]:
        return self.handlers.types

    @capabilities.setter
    def capabilities(self, kinds: Iterable[type[Action]]) -> None:
        """Model a platform that lacks some actions: record only these kinds."""
        self.handlers = ActionHandlers(self.platform)
        for kind in kinds:
            self.handlers.on(kind, self._record)

    async def _record(self, action: Action) -> ActionResult:
        reason = self.refuse.get(type(action))
        if reason is None and isinstance(action, SendMessage):
            reason = self.refuse_in.get(action.chat.id)
        if reason is not None:
            raise ActionRefused(type(action).__name__, reason)
        self.actions.append(action)
        made = _MADE.get(type(action))
        return made(self, action) if made is not None else ActionResult()

    def _message(self, action: SendMessage) -> ActionResult:
        return ActionResult(message=MessageRef(action.chat, str(next(self._ids))))

    def _image(self, action: SendImage) -> ActionResult:
        return ActionResult(message=MessageRef(action.chat, str(next(self._ids))))

    def _direct(self, action: SendDirect) -> ActionResult:
        return ActionResult(message=MessageRef(self.chat, str(next(self._ids))))

    def _edit(self, action: EditMessage) -> ActionResult:
        return ActionResult(message=action.message)

    def edits(self) -> list[EditMessage]:
        """Edits the bot made, in order."""
        return self.of_type(EditMessage)

    def _thread(self, action: StartThread) -> ActionResult:
        # A platform with threads: the discussion is a chat of its own, like a Discord thread.
        return ActionResult(message=MessageRef(action.message.chat, f"thread{action.message.id}"))

    def _poll(self, action: SendPoll) -> ActionResult:
        poll_id = str(next(self._ids))
        return ActionResult(message=MessageRef(action.chat, poll_id), poll_id=poll_id)

    # -- the harness side -------------------------------------------------------------------

    def user(self, name: str) -> UserRef:
        return UserRef(self.platform, name)

    def author(self, name: str, level: Level = Level.MEMBER) -> Author:
        self.levels[name] = level  # the platform remembers who is what, as a real one would
        return Author(user=self.user(name), name=name.capitalize(), platform_level=level)

    async def platform_level(self, community: CommunityRef, user: UserRef) -> Level | None:
        return self.levels.get(user.id, Level.MEMBER)

    def channel(self, name: str) -> ChatRef:
        return ChatRef(self.platform, name, self.community)

    async def push(self, event: Event) -> list[Action]:
        """Deliver `event` and return the actions it caused."""
        if self._app is None:
            raise RuntimeError("the adapter is not started; start the app first")
        before = len(self.actions)
        await self._app.handle(event)
        return self.actions[before:]

    def _now(self) -> datetime:
        assert self._app is not None
        return self._app.clock.now()

    async def say(
        self,
        name: str,
        text: str,
        *,
        chat: ChatRef | None = None,
        level: Level = Level.MEMBER,
        reply_to: MessageRef | None = None,
        reply_to_author: UserRef | None = None,
        mentions: tuple[UserRef, ...] = (),
    ) -> list[Action]:
        """A member posts `text`; `/name args` becomes a command like on a real platform."""
        where = chat or self.chat
        message = MessageRef(where, str(next(self._ids)))
        author = self.author(name, level)
        if text.startswith("/") and len(text) > 1:
            head, _, args = text[1:].partition(" ")
            return await self.push(
                CommandInvoked(
                    chat=where,
                    author=author,
                    at=self._now(),
                    name=head.lower(),
                    args=args.strip(),
                    message=message,
                    reply_to=reply_to,
                    reply_to_author=reply_to_author,
                    mentions=mentions,
                )
            )
        return await self.push(
            MessageCreated(
                chat=where,
                author=author,
                at=self._now(),
                message=message,
                text=text,
                reply_to=reply_to,
                reply_to_author=reply_to_author,
                mentions=mentions,
            )
        )

    async def press(
        self,
        name: str,
        custom_id: str,
        message: MessageRef | None = None,
        *,
        level: Level = Level.MEMBER,
    ) -> list[Action]:
        """A member presses the button `custom_id` under `message` (a bot message)."""
        return await self.push(
            ButtonPressed(
                chat=self.chat,
                author=self.author(name, level),
                at=self._now(),
                message=message or MessageRef(self.chat, "0"),
                custom_id=custom_id,
            )
        )

    async def join(self, name: str) -> list[Action]:
        return await self.push(
            MemberJoined(chat=self.chat, author=self.author(name), at=self._now())
        )

    def of_type(self, kind: type[A]) -> list[A]:
        """Recorded actions of one type."""
        return [a for a in self.actions if isinstance(a, kind)]

    def texts(self) -> list[str]:
        """Texts of every message the bot sent, in order."""
        return [a.text for a in self.actions if isinstance(a, SendMessage | SendDirect)]

    def clear(self) -> None:
        self.actions.clear()


# What a recorded action hands back, for the kinds that make something (a message, a poll).
_MADE: dict[type[Action], Callable[[MemoryAdapter, Any], ActionResult]] = {
    SendMessage: MemoryAdapter._message,
    SendImage: MemoryAdapter._image,
    SendDirect: MemoryAdapter._direct,
    SendPoll: MemoryAdapter._poll,
    EditMessage: MemoryAdapter._edit,
    StartThread: MemoryAdapter._thread,
}
