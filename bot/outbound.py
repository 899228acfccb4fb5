"""The one outbound port: every action goes out through `Outbound.execute`.

A handler's `ctx.act`, a feature's decision outside an event (`services.actions`) and a
scheduled job all reach the platform here, so what the core adds to an action happens the same
way on every platform:

- **Later.** `later(action, due, key)` stores the action as one job kind (`core.act`) with a
  platform-neutral payload (the action's fields, as pydantic writes them), and runs it through
  this port when due, as a keyed effect: a run resumed after a crash does not do it twice.
  `job(...)` gives the same job to stage in a caller's transaction (the outbox).
- **Platform ceilings.** A platform whose mutes run out on their own (a Discord timeout lasts at
  most 28 days) declares `Adapter.restrict_ceiling`; a longer or open-ended `Restrict` is applied
  again before it runs out, by the core, whatever feature asked for it. Lifting a timed mute or
  ban at its end is the feature's (moderation stages its expiry with the case): adapters schedule
  nothing of their own.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    field_serializer,
    field_validator,
)

from bot.core import actions, permalinks
from bot.core.actions import (
    Action,
    ActionResult,
    DeleteMessage,
    OpenThread,
    Restrict,
    SendImage,
    SendMessage,
    SendPoll,
    Unrestrict,
)
from bot.core.errors import ActionRefused, UnsupportedAction
from bot.core.refs import ChatRef, CommunityRef, MessageRef, UserRef
from bot.scheduler import Job, JobRun, Scheduler, declare_payload
from bot.services import ActionSink
from bot.telemetry import ACTIONS

if TYPE_CHECKING:
    from bot.core.clock import Clock
    from bot.core.permissions import Level

log = logging.getLogger(__name__)

ACT_JOB = "core.act"
# A mute the platform cannot hold long enough is applied again this long before it runs out.
RENEW_MARGIN = timedelta(days=1)
# Effects that leave the same end state when done twice: a run interrupted inside the platform
# call does them again. Anything that creates something (a post, a thread) is done at most once.
REPEATABLE: tuple[type[Action], ...] = (
    actions.DeleteMessage,
    actions.Restrict,
    actions.Unrestrict,
    actions.Ban,
    actions.Unban,
    actions.Kick,
    actions.GrantRole,
    actions.RevokeRole,
    actions.SetSlowMode,
    actions.Pin,
    actions.EditMessage,
)


def _subclasses(kind: type[Action]) -> list[type[Action]]:
    found = []
    for sub in kind.__subclasses__():
        found.append(sub)
        found += _subclasses(sub)
    return found


@cache
def _action_types() -> dict[str, type[Action]]:
    # The core's action types only: a stored job must mean the same thing to the next version.
    return {k.__name__: k for k in _subclasses(Action) if k.__module__ == actions.__name__}


@cache
def _codec(name: str) -> TypeAdapter[Any]:
    return TypeAdapter(_action_types()[name])


def encode(action: Action) -> dict[str, Any]:
    """The action as JSON-ready data: its type's name and its fields."""
    kind = type(action)
    if _action_types().get(kind.__name__) is not kind:
        raise ValueError(f"{kind.__name__} is not an action type of bot.core.actions")
    return {"type": kind.__name__, "fields": _codec(kind.__name__).dump_python(action, mode="json")}


def decode(data: Mapping[str, Any]) -> Action:
    """The action `encode` wrote; a clear error for a type this version does not know."""
    name = str(data.get("type"))
    if name not in _action_types():
        raise ValueError(f"unknown action type {name!r} in a stored job")
    # As JSON, so a field stored in a JSON-only form (an image's base64 bytes) reads back.
    action: Action = _codec(name).validate_json(json.dumps(data.get("fields", {})))
    return action


class EncodedAction(BaseModel):
    """An action as stored in a job: its type's name (a core action type) and its fields."""

    model_config = ConfigDict(frozen=True)

    type: str
    fields: dict[str, Any] = Field(default_factory=dict)

    @field_validator("type")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in _action_types():
            raise ValueError(f"unknown action type {value!r}")
        return value


class LaterAction(BaseModel):
    """The payload of a `core.act` job: the action, and until when a timed one lasts."""

    model_config = ConfigDict(frozen=True)

    action: EncodedAction
    until: AwareDatetime | None = None

    @field_serializer("until")
    def _iso(self, until: datetime | None) -> str | None:
        return until.isoformat() if until is not None else None  # as stored before the model


declare_payload(ACT_JOB, LaterAction)


class Platform(Protocol):
    """What the port needs of an adapter (bot/adapters/base.py's Adapter is one)."""

    @property
    def restrict_ceiling(self) -> timedelta | None: ...

    @property
    def deletable_for(self) -> timedelta | None: ...

    def supports(self, action: type[Action]) -> bool: ...

    async def execute(self, action: Action) -> ActionResult: ...

    async def resolve_channel(self, community: CommunityRef, setting: str) -> ChatRef | None: ...

    async def community_name(self, community: CommunityRef) -> str | None: ...

    def message_link(self, message: MessageRef) -> str | None: ...


# Told of each post the bot made in a community chat: where, when, and the kind of next step
# it asks for ("" for none). Called on the hot path: it must only count in memory.
PostCounter = Callable[[CommunityRef, datetime, str], None]


def next_step_of(action: Action) -> str | None:
    """The next-step kind of a bot post in a community chat ("" for a post without one); None
    for anything that is not such a post (a DM, a one-member reply, a mute)."""
    if isinstance(action, SendPoll | OpenThread):
        chat = action.chat
        step = "poll" if isinstance(action, SendPoll) else "thread"
    elif isinstance(action, SendMessage):
        if action.ephemeral_to is not None:
            return None
        chat = action.chat
        step = action.next_step or ("buttons" if action.buttons else "")
    elif isinstance(action, SendImage):
        chat, step = action.chat, ""
    else:
        return None
    return None if chat.is_private else step


def renew_key(community: CommunityRef, user: UserRef) -> str:
    return f"{ACT_JOB}:renew:{community}:{user.id}"


class Outbound(ActionSink):
    """Routes each action to its platform's adapter; schedules and runs actions for later."""

    def __init__(
        self,
        adapters: Mapping[str, Platform],
        scheduler: Scheduler,
        clock: Clock,
        level_of: Callable[[CommunityRef, UserRef], Awaitable[Level | None]],
    ) -> None:
        self._adapters = adapters
        self._scheduler = scheduler
        self._clock = clock
        self._level_of = level_of
        self.performed = 0  # actions that reached an adapter (for tests and the benches)
        self._post_counters: list[PostCounter] = []
        scheduler.register(ACT_JOB, self.run)

    # -- now ----------------------------------------------------------------------------------

    async def execute(self, action: Action) -> ActionResult:
        """Perform `action` on its platform; raises UnsupportedAction or ActionRefused."""
        kind = type(action).__name__
        outcome = "ok"
        try:
            adapter = self._adapters.get(action.platform)
            if adapter is None:
                raise UnsupportedAction(action.platform, kind)
            if isinstance(action, Restrict | Unrestrict) and adapter.restrict_ceiling is not None:
                # A new mute or its lifting replaces any renewal still planned for the member.
                await self._scheduler.cancel(renew_key(action.community, action.user))
            self.performed += 1
            result = await adapter.execute(action)
            self._count_post(action)
            if isinstance(action, Restrict) and adapter.restrict_ceiling is not None:
                await self._renew_later(action, adapter.restrict_ceiling)
            return result
        except UnsupportedAction:
            outcome = "unsupported"
            raise
        except ActionRefused:
            outcome = "refused"
            raise
        except BaseException:
            outcome = "error"
            raise
        finally:
            # The operators' /metrics: actions by platform, type and result.
            ACTIONS.labels(action.platform, kind, outcome).inc()

    def count_posts(self, counter: PostCounter) -> Callable[[], None]:
        """Tell `counter` of every post the bot makes in a community chat; returns the call
        that stops it (a feature's unload)."""
        self._post_counters.append(counter)
        return lambda: self._post_counters.remove(counter)

    def _count_post(self, action: Action) -> None:
        step = next_step_of(action)
        if step is None or not self._post_counters:
            return
        chat: ChatRef = action.chat  # type: ignore[attr-defined]  # every post has a chat
        now = self._clock.now()
        for counter in self._post_counters:
            try:
                counter(chat.community, now, step)
            except Exception:  # a counting bug must never undo a post that was made
                log.exception("could not count a bot post in %s", chat.community)

    def supports(self, platform: str, action: type[Action]) -> bool:
        adapter = self._adapters.get(platform)
        return adapter is not None and adapter.supports(action)

    async def level_of(self, community: CommunityRef, user: UserRef) -> Level | None:
        return await self._level_of(community, user)

    async def resolve_channel(self, community: CommunityRef, setting: str) -> ChatRef | None:
        adapter = self._adapters.get(community.platform)
        return await adapter.resolve_channel(community, setting) if adapter is not None else None

    async def community_name(self, community: CommunityRef) -> str | None:
        adapter = self._adapters.get(community.platform)
        return await adapter.community_name(community) if adapter is not None else None

    def deletable_for(self, platform: str) -> timedelta | None:
        adapter = self._adapters.get(platform)
        return adapter.deletable_for if adapter is not None else None

    def message_link(self, message: MessageRef) -> str | None:
        adapter = self._adapters.get(message.chat.platform)
        return (
            adapter.message_link(message)
            if adapter is not None
            else permalinks.message_link(message)
        )

    # -- later --------------------------------------------------------------------------------

    def job(self, action: Action, due: datetime, key: str, *, until: datetime | None = None) -> Job:
        """The job that performs `action` at `due`, to stage with a caller's row.

        With `until`, the action's `duration` is what is left of it when the job runs.
        """
        payload = LaterAction(action=EncodedAction.model_validate(encode(action)), until=until)
        return Job(ACT_JOB, due, payload, key)

    async def later(
        self, action: Action, due: datetime, key: str, *, until: datetime | None = None
    ) -> None:
        """Perform `action` at `due` (durably; the same `key` moves a pending one)."""
        job = self.job(action, due, key, until=until)
        await self._scheduler.schedule(job.kind, job.due_at, job.payload, key=job.key)

    async def delete_later(self, message: MessageRef, after: timedelta) -> None:
        """Remove `message` after `after` (a notice that should not stay)."""
        key = f"{ACT_JOB}:delete:{message.chat.platform}:{message.chat.id}:{message.id}"
        delete = DeleteMessage(message=message, reason="expired")
        await self.later(delete, self._clock.now() + after, key)

    async def run(self, run: JobRun) -> None:
        """A `core.act` job: the action, once, through this port."""
        payload = run.payload_as(LaterAction)
        action = decode(payload.action.model_dump())
        if payload.until is not None:
            left = payload.until - self._clock.now()
            if left <= timedelta(0):
                return
            if isinstance(action, Restrict):
                action = replace(action, duration=left)

        async def perform() -> None:
            try:
                await self.execute(action)
            except (ActionRefused, UnsupportedAction) as exc:
                # Refused for good (the member left, rights were taken): retrying changes
                # nothing, so it is logged and the job ends.
                log.info("scheduled %s not done: %s", type(action).__name__, exc)

        await self._scheduler.once(
            f"{ACT_JOB}:{run.id}", perform, repeatable=isinstance(action, REPEATABLE)
        )

    async def _renew_later(self, action: Restrict, ceiling: timedelta) -> None:
        if action.duration is not None and action.duration <= ceiling:
            return
        now = self._clock.now()
        until = None if action.duration is None else now + action.duration
        renew = replace(action, duration=None)
        key = renew_key(action.community, action.user)
        await self.later(renew, now + ceiling - RENEW_MARGIN, key, until=until)
