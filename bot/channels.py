"""Where scheduled posts go: a channel setting resolved per platform, checked early, failures told.

A ritual's `channel` setting is written once for every platform a bot serves: "" for the
community's main chat, a chat id, or a channel name where the platform has names (Discord,
the console). The platform adapter resolves it (`ActionSink.resolve_channel`). A setting that
names nothing is found when the rules load and when a community is first seen, and the admins
are told then (in the moderators' log channel, else the main chat), not by a job that fails
on Sunday evening. A post the platform refuses is told to the log channel too.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Literal, get_args

from bot.config import Config
from bot.core.actions import ActionResult, Button, SendMessage
from bot.core.errors import NotReady
from bot.core.refs import ChatRef, CommunityRef
from bot.i18n import t
from bot.services import ActionSink, Services

log = logging.getLogger(__name__)

MAIN_CHAT = ""  # the setting for "the community's main chat"


class ChannelNotFound(LookupError):
    """A ritual's channel setting names no chat in the community."""


class RitualChannel:
    """The chat one ritual posts in, per community; `setting(ref)` reads the live rules."""

    def __init__(self, services: Services, ritual: str, setting: Callable[[str], str]) -> None:
        self._services = services
        self.ritual = ritual
        self._setting = setting
        # (community, setting) pairs the admins were told about: told once per process.
        self._told: set[tuple[CommunityRef, str]] = set()

    def setting(self, ref: CommunityRef) -> str:
        # The channel chosen with /setup (or `ritual_channel` in config.toml) wins over the rules'.
        chosen = self._services.config.community(ref).ritual_channel
        return chosen if chosen is not None else self._setting(str(ref))

    async def chat(self, ref: CommunityRef) -> ChatRef:
        """The chat to post in; ChannelNotFound (after telling the admins) when there is none."""
        chat = await self.check(ref)
        if chat is None:
            raise ChannelNotFound(f"{self.ritual}: no channel {self.setting(ref)!r} in {ref}")
        return chat

    async def check(self, ref: CommunityRef) -> ChatRef | None:
        """Resolve the setting now; tell the admins once when it names nothing.

        Raises NotReady when the platform cannot tell yet (nobody is told: it is not wrong).
        """
        setting = self.setting(ref)
        chat = await self._services.actions.resolve_channel(ref, setting)
        if chat is not None:
            self._told.discard((ref, setting))
            return chat
        if (ref, setting) not in self._told:
            self._told.add((ref, setting))
            locale = self._services.config.community(ref).locale
            line = t(
                locale,
                "core.channels.missing",
                ritual=t(locale, f"core.channels.rituals.{self.ritual}"),
                channel=setting,
                platform=ref.platform.capitalize(),
            )
            await tell_admins(self._services, ref, line)
        return None

    async def check_quietly(self, ref: CommunityRef) -> None:
        """`check()` at load, reload and first sight: never fails the caller."""
        try:
            await self.check(ref)
        except NotReady:
            pass
        except Exception:
            log.exception("could not check the %s channel of %s", self.ritual, ref)

    async def post(
        self, ref: CommunityRef, text: str, *, post: str, next_step: str | None = None
    ) -> ActionResult:
        """Post `text` in the ritual's chat (see `send`)."""
        return await self.send(ref, await self.chat(ref), text, post=post, next_step=next_step)

    async def send(
        self,
        ref: CommunityRef,
        chat: ChatRef,
        text: str,
        buttons: tuple[Button, ...] = (),
        *,
        post: str,
        next_step: str | None = None,
    ) -> ActionResult:
        """Post `text` (with `buttons`) in `chat`; a refusal is raised (so the durable job tries
        again) and told to the log channel on the first failure only.

        `next_step` is what the post asks of members, for the metrics (see SendMessage).
        `post` names this post across the job's retries and restarts (e.g. the community and
        the week): the "was not posted" notice is a keyed effect of the scheduler, so five
        retries, or a restart in between, tell the admins once, not five times.
        """
        try:
            return await self._services.actions.execute(
                SendMessage(chat=chat, text=text, buttons=buttons, next_step=next_step)
            )
        except Exception as exc:
            locale = self._services.config.community(ref).locale
            line = t(
                locale,
                "core.channels.failed",
                ritual=t(locale, f"core.channels.rituals.{self.ritual}"),
                channel=chat.id,
                error=str(exc) or type(exc).__name__,
            )

            async def tell() -> None:
                await tell_admins(self._services, ref, line, main_chat=False)

            await self._services.scheduler.once(f"{self.ritual}:failed-told:{post}", tell)
            raise


# Settings naming a chat of the community (the moderators' log, the rules channel): like a
# ritual's `channel`, written as an id, a name or a mention where the platform has names.
ChannelSetting = Literal["log_channel", "rules_channel"]
TOLD_LIMIT = 10_000  # (community, setting, value) triples remembered as told, at most


class ConfiguredChannels:
    """Resolves the community's channel settings per platform; a setting that names nothing is
    told to the admins once (in the main chat: the log channel may be the one missing)."""

    def __init__(self, config: Config, actions: ActionSink) -> None:
        self._config = config
        self._actions = actions
        self._told: OrderedDict[tuple[CommunityRef, str, str], None] = OrderedDict()

    async def chat(self, ref: CommunityRef, key: ChannelSetting) -> ChatRef | None:
        """The chat `key` names in `ref`; None when it is unset, not found, or the platform
        cannot tell yet. Never raises."""
        setting = getattr(self._config.community(ref), key)
        if not setting:
            return None
        try:
            chat = await self._actions.resolve_channel(ref, setting)
        except NotReady:
            return None
        except Exception:
            log.exception("could not resolve the %s of %s", key, ref)
            return None
        told = (ref, key, setting)
        if chat is not None:
            self._told.pop(told, None)
            return chat
        if told not in self._told:
            self._told[told] = None
            if len(self._told) > TOLD_LIMIT:
                self._told.popitem(last=False)
            locale = self._config.community(ref).locale
            line = t(
                locale,
                "core.channels.setting_missing",
                setting=t(locale, f"core.channels.settings.{key}"),
                channel=setting,
                platform=ref.platform.capitalize(),
            )
            log.warning("[%s] %s", ref, line)
            await _tell_main_chat(self._actions, ref, line)
        return None

    async def check(self, ref: CommunityRef) -> None:
        """Resolve every channel setting of `ref` now (first sight), telling what is wrong."""
        for key in get_args(ChannelSetting):
            await self.chat(ref, key)


async def _tell_main_chat(actions: ActionSink, ref: CommunityRef, text: str) -> None:
    try:
        chat = await actions.resolve_channel(ref, MAIN_CHAT)
        if chat is not None:
            await actions.execute(SendMessage(chat=chat, text=text))
    except Exception:
        log.exception("could not tell the admins of %s", ref)


async def tell_admins(
    services: Services, ref: CommunityRef, text: str, *, main_chat: bool = True
) -> None:
    """A line for the admins: the moderators' log channel, else (with `main_chat`) the main
    chat, where someone who runs the community will see it. Never raises."""
    log.warning("[%s] %s", ref, text)
    chat = await services.channels.chat(ref, "log_channel")
    if chat is not None:
        try:
            await services.actions.execute(SendMessage(chat=chat, text=text))
            return
        except Exception:
            log.exception("could not tell the admins of %s", ref)
    if main_chat:  # (a NotReady platform cannot be told anything either)
        await _tell_main_chat(services.actions, ref, text)
