"""/lang and /id: the language of the community or of one person, and the ids a config needs."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

from bot.channels import MAIN_CHAT
from bot.config import ALWAYS_ON
from bot.core.actions import Button, SendMessage
from bot.core.cogs import Cog, listen
from bot.core.commands import Rest, command
from bot.core.context import Context
from bot.core.dispatch import StopPropagation
from bot.core.errors import CommandError, FeatureOff
from bot.core.events import ButtonPressed, MessageCreated
from bot.core.permissions import Level
from bot.core.refs import CommunityRef, UserRef
from bot.i18n import LOCALES, t
from cogs.settings.store import SettingsStore

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)
EVERYONE = ("all", "community", "все", "барлығы")
# Word files the moderation rules name (rules/moderation.toml): entries added from chat go to
# files admins can read and review, and the rules' own reload applies them without a restart.
# A moderator's typo must not stop the chat: a one-letter entry ("a") removes nearly every
# message, and a short wildcard ("ab*") every word that starts so. Refused before the file is
# touched; an admin who means it can still write it in the word file.
MIN_LETTERS = 2
MIN_LETTERS_WILD = 3
BLOCKED = "words/chat.txt"
ALLOWED = "words/allow.txt"
SETUP = "setup:"
NOTE_NAME = re.compile(r"^[\w-]{1,32}$")
# "#rules" alone on a line shows the saved answer named "rules" (as Rose's notes do).
HASHTAG = re.compile(r"^#([\w-]{1,32})$")


class Settings(Cog):
    """Settings written from chat, kept in the database and applied without a restart."""

    uses = frozenset({"channels", "scheduler", "config", "directory", "rules", "sessions"})

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

    @command(level=Level.ADMIN)
    async def setup(self, ctx: Context) -> None:
        """A guided set-up with buttons: language, log, rules and ritual channels, features."""
        await self._setup_language(ctx)

    async def _setup_language(self, ctx: Context) -> None:
        buttons = tuple(
            Button(
                label=t(code, f"settings.languages.{code}").capitalize(),
                custom_id=f"{SETUP}lang:{code}",
            )
            for code in LOCALES
        )
        await ctx.reply("settings.setup.language", buttons=buttons)

    @listen(ButtonPressed)
    async def on_setup_button(self, ctx: Context[ButtonPressed]) -> None:
        """One step of /setup: store the choice, then ask the next question."""
        event = ctx.event
        if not event.custom_id.startswith(SETUP):
            return
        if ctx.actor.level < Level.ADMIN:
            await ctx.reply("core.errors.permission_admin", private=True, name="setup")
            raise StopPropagation
        step, _, value = event.custom_id.removeprefix(SETUP).partition(":")
        ref = ctx.community.ref
        config = self.services.config
        community_id = await self.services.directory.id_for(ref)

        async def store(key: str, chosen: str) -> None:
            await self.store.set_community(community_id, key, chosen)
            config.store_setting(ref, key, chosen)

        here = event.chat.id
        if step == "lang" and value in LOCALES:
            await store("locale", value)
            await self._ask(ctx, "log", here, ("here", "skip"))
        elif step == "log" and value in ("here", "skip"):
            if value == "here":
                await store("log_channel", here)
            await self._ask(ctx, "rules", here, ("here", "skip"))
        elif step == "rules" and value in ("here", "skip"):
            if value == "here":
                await store("rules_channel", here)
            await self._ask(ctx, "rituals", here, ("here", "main", "skip"))
        elif step == "rituals" and value in ("here", "main", "skip"):
            if value != "skip":
                await store("ritual_channel", here if value == "here" else MAIN_CHAT)
            await self._ask_features(ctx)
        elif step == "feature" and value in self._features():
            off = list(config.community(ref).features_off)
            switched_on = value in off
            off = [name for name in off if name != value] if switched_on else [*off, value]
            await store("features_off", ",".join(off))
            if switched_on:  # its jobs that waited while it was off run now
                await self.services.scheduler.resume(str(FeatureOff(value, str(ref))))
            await self._ask_features(ctx)
        elif step == "done":
            await self._setup_done(ctx)
        raise StopPropagation

    def _features(self) -> list[str]:
        """The features an admin may switch on and off: the loaded ones but core and settings."""
        return [name for name in self.services.config.bot.cogs if name not in ALWAYS_ON]

    async def _ask(self, ctx: Context, step: str, here: str, choices: tuple[str, ...]) -> None:
        locale = self.services.config.community(ctx.community.ref).locale  # the file's, if set
        buttons = tuple(
            Button(label=t(locale, f"settings.setup.{choice}"), custom_id=f"{SETUP}{step}:{choice}")
            for choice in choices
        )
        await ctx.send_text(t(locale, f"settings.setup.{step}", chat=here), buttons=buttons)

    async def _ask_features(self, ctx: Context) -> None:
        settings = self.services.config.community(ctx.community.ref)
        locale = settings.locale
        buttons = [
            Button(
                label=("✗ " if name in settings.features_off else "✓ ")
                + t(locale, f"settings.features.{name}"),
                custom_id=f"{SETUP}feature:{name}",
            )
            for name in self._features()
        ]
        buttons.append(Button(label=t(locale, "settings.setup.finish"), custom_id=f"{SETUP}done:"))
        await ctx.send_text(t(locale, "settings.setup.features"), buttons=tuple(buttons))

    async def _setup_done(self, ctx: Context) -> None:
        settings = self.services.config.community(ctx.community.ref)
        locale = settings.locale
        ritual = settings.ritual_channel
        if ritual is None:
            rituals = t(locale, "settings.setup.rituals_rules")
        elif ritual == MAIN_CHAT:
            rituals = t(locale, "settings.setup.rituals_main")
        else:
            rituals = f"#{ritual}"
        on = [t(locale, f"settings.features.{n}") for n in self._features()
              if n not in settings.features_off]  # fmt: skip
        await ctx.send_text(
            t(
                locale,
                "settings.setup.done",
                language=t(locale, f"settings.languages.{locale}"),
                log=f"#{settings.log_channel}" if settings.log_channel else "—",
                rules=f"#{settings.rules_channel}" if settings.rules_channel else "—",
                rituals=rituals,
                features=", ".join(on) or "—",
            )
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

    @command(level=Level.MODERATOR)
    async def blocklist(self, ctx: Context, action: str = "list", phrase: Rest = "") -> None:
        """Stop-words from chat: `add <phrase>`, `remove <phrase>`, `allow <phrase>`, `list`."""
        action = action.lower()
        directory = self.services.rules.directory
        entry = " ".join(phrase.split()).lower()
        if action == "list":
            blocked = _entries(directory / BLOCKED)
            allowed = _entries(directory / ALLOWED)
            await ctx.reply(
                "settings.blocklist.list",
                private=True,
                blocked=", ".join(blocked) or "—",
                allowed=", ".join(allowed) or "—",
            )
            return
        if action not in ("add", "remove", "allow", "unallow") or not entry:
            raise CommandError("settings.blocklist.usage")
        letters = sum(ch.isalnum() for ch in entry)
        if action == "add" and letters < (MIN_LETTERS_WILD if "*" in entry else MIN_LETTERS):
            raise CommandError("settings.blocklist.too_short", entry=entry)
        path = directory / (BLOCKED if action in ("add", "remove") else ALLOWED)
        before = path.read_text("utf-8") if path.exists() else ""
        present = entry in _entries(path)
        if action in ("add", "allow"):
            if present:
                raise CommandError("settings.blocklist.already", entry=entry)
            path.write_text(before + ("" if before.endswith("\n") or not before else "\n")
                            + entry + "\n", "utf-8")  # fmt: skip
        else:
            if not present:
                raise CommandError("settings.blocklist.missing", entry=entry)
            kept = [line for line in before.splitlines() if _entry(line) != entry]
            path.write_text("\n".join(kept) + "\n", "utf-8")
        problems = await self.services.rules.reload(report=False)  # told to the moderator
        if problems:
            # An entry the matcher refuses (a `*` in the middle) must not sit in the file.
            path.write_text(before, "utf-8")
            await self.services.rules.reload()
            raise CommandError("settings.blocklist.refused", entry=entry, problem=str(problems[0]))
        done = {"add": "added", "remove": "removed", "allow": "allowed", "unallow": "unallowed"}
        await ctx.reply(f"settings.blocklist.{done[action]}", entry=entry)
        where = f"rules/{path.relative_to(directory)}"
        await self._mod_log(ctx, f"settings.blocklist.log_{action}", entry=entry, file=where)

    @command()
    async def note(
        self, ctx: Context, action: str = "list", name: str = "", text: Rest = ""
    ) -> None:
        """Saved answers: `save <name> <text>`, `get <name>`, `list`, `delete <name>`."""
        action, name = action.lower(), name.lower().lstrip("#")
        community_id = await self.services.directory.id_for(ctx.community.ref)
        if action == "list":
            names = await self.store.note_names(community_id)
            if not names:
                await ctx.reply("settings.notes.none")
                return
            await ctx.reply("settings.notes.list", names=", ".join(f"#{n}" for n in names))
            return
        if action not in ("save", "get", "delete") or not NOTE_NAME.match(name):
            raise CommandError("settings.notes.usage")
        if action in ("save", "delete") and ctx.actor.level < Level.MODERATOR:
            raise CommandError("core.errors.permission_moderator", name=f"note {action}")
        if action == "get":
            found = await self.store.note(community_id, name)
            if found is None:
                raise CommandError("settings.notes.missing", name=name)
            await ctx.send_text(found)
        elif action == "save":
            if not text.strip():
                raise CommandError("settings.notes.usage")
            await self.store.save_note(community_id, name, text.strip(), ctx.actor.user.id)
            await ctx.reply("settings.notes.saved", name=name)
            await self._mod_log(ctx, "settings.notes.log_saved", name=name, text=text.strip())
        else:
            if not await self.store.delete_note(community_id, name):
                raise CommandError("settings.notes.missing", name=name)
            await ctx.reply("settings.notes.deleted", name=name)
            await self._mod_log(ctx, "settings.notes.log_deleted", name=name)

    async def _mod_log(self, ctx: Context, key: str, **params: object) -> None:
        """Post a change made from chat where the moderators review changes."""
        settings = self.services.config.community(ctx.community.ref)
        log_chat = await self.services.channels.chat(ctx.community.ref, "log_channel")
        if log_chat is not None:
            text = t(settings.locale, key, by=ctx.actor.name, **params)
            await ctx.act(SendMessage(chat=log_chat, text=text))

    @listen(MessageCreated, group=30)
    async def on_hashtag(self, ctx: Context[MessageCreated]) -> None:
        event = ctx.event
        match = HASHTAG.match(event.text.strip())
        if match is None:
            return
        community_id = await self.services.directory.id_for(ctx.community.ref)
        found = await self.store.note(community_id, match.group(1).lower())
        if found is not None:
            await ctx.send_text(found)


def _entry(line: str) -> str:
    return " ".join(line.split("#", 1)[0].split("|", 1)[0].split()).lower()


def _entries(path: Path) -> list[str]:
    """The entries of a word file as written (comments and `| action` left out)."""
    if not path.exists():
        return []
    return [e for e in (_entry(line) for line in path.read_text("utf-8").splitlines()) if e]
