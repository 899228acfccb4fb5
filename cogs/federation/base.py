"""What every part of the federation cog stands on: its state, rules, logs and who is meant."""

from __future__ import annotations

import hashlib
import logging
import random
import re

from bot.core.actions import SendMessage
from bot.core.context import Context
from bot.core.errors import ActionRefused, CommandError, UnsupportedAction
from bot.core.refs import ChatRef, CommunityRef, UserRef
from bot.i18n import t
from bot.services import Services
from cogs.federation.cas import CasClient, Lookups
from cogs.federation.models import Federation, FederationBan
from cogs.federation.rules import CasRules, FederationRules
from cogs.federation.store import FederationStore

log = logging.getLogger(__name__)

# Ids on these platforms are numbers; others (the console) name members by word.
NUMERIC = ("telegram", "discord")
_PLATFORM = re.compile(r"^[a-z]{2,16}$")


def digest(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def parse_account(text: str, default_platform: str) -> UserRef | None:
    """`telegram:123`, or a bare id on the command's own platform; None when it is neither."""
    platform, sep, ident = text.strip().partition(":")
    if not sep:
        platform, ident = default_platform, text.strip()
    if not _PLATFORM.match(platform) or not ident or len(ident) > 64 or ":" in ident:
        return None
    if platform in NUMERIC and not ident.lstrip("-").isdigit():
        return None
    return UserRef(platform, ident)


def who(ban: FederationBan) -> str:
    name = ban.user_name or ban.user_id
    return f"{name} ({ban.platform}:{ban.user_id})"


class FederationBase:
    """The state and helpers the parts of the `Federations` cog share (set in its `__init__`)."""

    services: Services
    store: FederationStore
    cas: CasClient
    lookups: Lookups
    _first_seen: dict[tuple[str, str], None]
    _console_codes: random.Random

    def rules(self) -> FederationRules:
        return self.services.rules.current.get(FederationRules)

    def cas_rules(self) -> CasRules:
        return self.services.rules.current.get(CasRules)

    # -- helpers -----------------------------------------------------------------------------

    def locale(self, community: CommunityRef) -> str:
        return self.services.config.community(community).locale

    async def community_log(self, community: CommunityRef, line: str) -> None:
        """A line in the community's moderators' log channel (and the bot's log)."""
        log.info("[%s] %s", community, line)
        channel = self.services.config.community(community).log_channel
        if channel:
            await self._send(ChatRef(community.platform, channel, community), line)

    async def federation_log(self, federation: Federation, key: str, **params: object) -> None:
        """A line in the federation's own log channel, in that community's language."""
        if federation.log_community_id is None or federation.log_chat_id is None:
            log.info("[federation %d] %s %s", federation.id, key, params)
            return
        where = await self.store.community_ref(federation.log_community_id)
        if where is None:
            return
        line = t(self.locale(where), key, fed=federation.name, **params)
        log.info("[federation %d] %s", federation.id, line)
        await self._send(ChatRef(where.platform, federation.log_chat_id, where), line)

    async def _send(self, chat: ChatRef, text: str) -> None:
        try:
            await self.services.actions.execute(SendMessage(chat=chat, text=text))
        except (ActionRefused, UnsupportedAction) as exc:
            log.warning("federation log line not posted in %s: %s", chat, exc)

    async def _here(self, ctx: Context) -> tuple[int, Federation]:
        community_id = await self.services.directory.id_for(ctx.community.ref)
        federation = await self.store.membership(community_id)
        if federation is None:
            raise CommandError("federation.errors.none_here")
        return community_id, federation

    async def _require_owner(self, ctx: Context, federation: Federation) -> None:
        user = ctx.actor.user
        if (federation.owner_platform, federation.owner_id) != (user.platform, user.id):
            raise CommandError("federation.errors.not_owner", fed=federation.name)

    async def _require_fed_admin(self, ctx: Context, federation: Federation) -> None:
        if not await self.store.is_admin(federation, ctx.actor.user):
            raise CommandError("federation.errors.not_fed_admin", name="fed")

    def _target(self, ctx: Context, member: UserRef | None, words: list[str]) -> UserRef:
        if member is not None:
            return member
        if words:
            found = parse_account(words.pop(0), ctx.community.ref.platform)
            if found is not None:
                return found
        raise CommandError("federation.errors.need_account")
