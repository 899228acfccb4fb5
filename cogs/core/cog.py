"""Commands every community has: what the bot can do, is it alive, what the rules are."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import timedelta

from bot import __version__
from bot.core.actions import SendDirect
from bot.core.cogs import Cog, listen
from bot.core.commands import command
from bot.core.context import Context
from bot.core.errors import ActionRefused, CommandError
from bot.core.events import Event
from bot.core.permissions import Level
from bot.core.refs import CommunityRef
from bot.rules.models import CommunityRules
from bot.services import Services
from bot.web.access import TooManyLinks

CHECKED_LIMIT = 10_000


class Core(Cog):
    name = "core"
    uses = frozenset({"channels", "commands", "config", "directory", "logins"})

    def __init__(self, services: Services, loaded: Callable[[], list[Cog]]) -> None:
        self.services = services
        self._loaded = loaded
        # Communities whose channel settings were checked in this process (bounded, oldest go).
        self._checked: OrderedDict[CommunityRef, None] = OrderedDict()

    @listen(Event, group=-10)
    async def check_channels(self, ctx: Context) -> None:
        """At first sight of a community, check that its log and rules channels exist, so a
        wrong setting is told to the admins now, not when a moderation case needs the log."""
        ref = ctx.community.ref
        if ref in self._checked:
            self._checked.move_to_end(ref)
            return
        self._checked[ref] = None
        if len(self._checked) > CHECKED_LIMIT:
            self._checked.popitem(last=False)
        await self.services.channels.check(ref)

    @command(private=True)
    async def help(self, ctx: Context, command: str = "") -> None:
        """List the commands the caller may use, in the community's language; `/help mute`
        shows one command's usage and what it does."""
        if command:
            name = command.removeprefix("/").casefold()
            found = self.services.commands.get(name)
            if found is None or found[0].hidden:
                raise CommandError("core.errors.unknown_command", name=name)
            spec = found[0]
            await ctx.send_text(f"{spec.usage(ctx.locale)} — {ctx.t(spec.description_key)}")
            return
        visible = self.services.commands.visible_to(ctx.actor.level)
        if ctx.event.chat.is_private:  # in a DM, only what works in a DM
            visible = [spec for spec in visible if spec.private]
        lines = [ctx.t("core.help.header")]
        for level, heading in (
            (Level.MEMBER, None),
            (Level.MODERATOR, ctx.t("core.help.moderators")),
            (Level.ADMIN, ctx.t("core.help.admins")),
        ):
            group = [spec for spec in visible if spec.level == level]
            if group and heading:
                lines.append(heading)
            lines.extend(
                f"{spec.usage(ctx.locale)} — {ctx.t(spec.description_key)}" for spec in group
            )
        lines.append(ctx.t("core.help.footer"))
        await ctx.send_text("\n".join(lines))

    @command(private=True)
    async def ping(self, ctx: Context) -> None:
        """Answer, so people can see the bot is alive."""
        await ctx.reply("core.ping.reply")

    @command()
    async def rules(self, ctx: Context) -> None:
        """Show the community rules from `rules/community.toml`."""
        community = ctx.rules.get(CommunityRules)
        text = community.rules.get(ctx.locale).strip()
        lines = [ctx.t("core.rules.header"), text]
        where = ctx.community.settings.rules_channel  # chosen with /setup
        chat = await self.services.channels.chat(ctx.community.ref, "rules_channel")
        if where and chat is not None and chat.id != ctx.event.chat.id:
            lines.append(ctx.t("core.rules.channel", channel=where.strip("<#> ")))
        await ctx.send_text("\n".join(lines))

    @command()
    async def about(self, ctx: Context) -> None:
        """What Kenes is and which version runs here."""
        community = ctx.rules.get(CommunityRules)
        extra = community.about.get(ctx.locale).strip() if community.about else ""
        # Only what is switched on here: each feature says so itself (Cog.about_here).
        on = [line for cog in self._loaded() if (line := cog.about_here(ctx.locale))]
        lines = [ctx.t("core.about.text", version=__version__)]
        lines += [f"· {line}" for line in on] if on else [ctx.t("core.about.basic")]
        if extra:
            lines.append(extra)
        await ctx.send_text("\n".join(lines))

    @command(level=Level.MODERATOR)
    async def dashboard(self, ctx: Context) -> None:
        """Get a one-time link to this community's web dashboard in a private message."""
        web = self.services.config.web
        if not web.enabled:
            await ctx.reply("core.dashboard.off", private=True)
            return
        if not ctx.supports(SendDirect):
            await ctx.reply("core.dashboard.no_direct", private=True)
            return
        community_id = await self.services.directory.id_for(ctx.community.ref)
        try:
            url, _ = await self.services.logins.issue(
                ctx.actor.user, ctx.actor.name, community_id, ctx.actor.level
            )
        except TooManyLinks as exc:
            when = ctx.community.settings.local(exc.retry_at)
            await ctx.reply("core.dashboard.too_many", private=True, when=when)
            return
        valid = timedelta(minutes=web.login_minutes)
        text = ctx.t_mine("core.dashboard.link", url=url, valid=valid)
        try:
            await ctx.act(SendDirect(user=ctx.actor.user, text=text))
        except ActionRefused:  # the member has not opened a private chat with the bot
            await ctx.reply("core.dashboard.no_direct", private=True)
            return
        await ctx.reply("core.dashboard.sent", private=True)
