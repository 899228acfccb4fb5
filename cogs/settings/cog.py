"""/lang and /id: the language of the community or of one person, and the ids a config needs."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.core.cogs import Cog
from bot.core.commands import command
from bot.core.context import Context
from bot.core.errors import CommandError
from bot.core.permissions import Level
from bot.core.refs import CommunityRef, UserRef
from bot.i18n import LOCALES, t
from cogs.settings.store import SettingsStore

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)
EVERYONE = ("all", "community", "все", "барлығы")


class Settings(Cog):
    """Settings written from chat, kept in the database and applied without a restart."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = SettingsStore(services.sessions)

    async def load(self) -> None:
        # Stored choices survive a restart: put them back where every lookup sees them.
        config = self.services.config
        for platform, external, key, value in await self.store.community_settings():
            config.store_setting(CommunityRef(platform, external), key, value)
        for platform, user_id, locale in await self.store.people():
            config.store_person_locale(UserRef(platform, user_id), locale)

    @command()
    async def lang(self, ctx: Context, language: str = "", scope: str = "") -> None:
        """Your language (`/lang kk`), or the community's for admins (`/lang kk all`)."""
        config = self.services.config
        user = ctx.actor.user
        if not language:
            mine = config.person_locale(user) or ctx.locale
            await ctx.reply(
                "settings.lang.show",
                private=True,
                mine=t(mine, f"settings.languages.{mine}"),
                community=t(mine, f"settings.languages.{ctx.locale}"),
            )
            return
        code = language.lower()
        if code not in LOCALES:
            raise CommandError("settings.lang.unknown", value=language)
        if scope.lower() in EVERYONE:
            if ctx.actor.level < Level.ADMIN:
                raise CommandError("core.errors.permission_admin", name="lang … all")
            community_id = await self.services.directory.id_for(ctx.community.ref)
            await self.store.set_community(community_id, "locale", code)
            config.store_setting(ctx.community.ref, "locale", code)
            # Said in the language now in force: the chosen one, or the file's when it wins.
            now = config.community(ctx.community.ref).locale
            key = "settings.lang.community" if now == code else "settings.lang.community_file"
            name = t(now, f"settings.languages.{code}")
            await ctx.send_text(t(now, key, language=name))
            return
        if scope:
            raise CommandError("settings.lang.usage")
        await self.store.set_person(user.platform, user.id, code)
        config.store_person_locale(user, code)
        await ctx.send_text(
            t(code, "settings.lang.personal", language=t(code, f"settings.languages.{code}")),
            private=True,
        )

    @command(name="id")
    async def id_(self, ctx: Context) -> None:
        """The ids a config file needs: community, this chat, you (and a replied-to member)."""
        event = ctx.event
        community = ctx.community.ref
        lines = [
            ctx.t("settings.id.community", key=f"{community.platform}:{community.id}"),
            ctx.t("settings.id.chat", id=event.chat.id),
            ctx.t("settings.id.you", key=f"{ctx.actor.user.platform}:{ctx.actor.user.id}"),
        ]
        other = getattr(event, "reply_to_author", None)
        if isinstance(other, UserRef):
            lines.append(ctx.t("settings.id.member", key=f"{other.platform}:{other.id}"))
        await ctx.send_text("\n".join(lines), private=True)
