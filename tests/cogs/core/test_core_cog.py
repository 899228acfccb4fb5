"""The core cog through the memory adapter: /ping, /help, /rules, /about and their errors."""

from __future__ import annotations

from pathlib import Path

from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.core.actions import SendMessage
from bot.core.cogs import Cog
from bot.core.commands import command
from bot.core.context import Context
from bot.core.permissions import Level
from tests.auxil.app import make_config, running_app
from tests.auxil.moderation import copy_rules


class Secret(Cog):
    name = "secret"

    @command(level=Level.MODERATOR)
    async def purge_all(self, ctx: Context) -> None:
        await ctx.send_text("purged")


async def test_ping_replies_to_the_command_message(app: Kenes, memory: MemoryAdapter) -> None:
    actions = await memory.say("alice", "/ping")
    assert len(actions) == 1
    reply = actions[0]
    assert isinstance(reply, SendMessage)
    assert reply.text.startswith("Pong")
    assert reply.reply_to is not None


async def test_help_lists_only_commands_the_caller_may_use(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await app.cogs.add_cog(Secret())
    member_help = (await memory.say("alice", "/help"))[0]
    moderator_help = (await memory.say("mod", "/help", level=Level.MODERATOR))[0]
    assert isinstance(member_help, SendMessage)
    assert isinstance(moderator_help, SendMessage)
    assert "/ping" in member_help.text
    assert "/purge_all" not in member_help.text
    assert "/purge_all" in moderator_help.text
    ping, heading, purge = (
        moderator_help.text.index("/ping"),
        moderator_help.text.index("For moderators:"),
        moderator_help.text.index("/purge_all"),
    )
    assert ping < heading < purge, "moderator commands come after their own heading"
    assert "For moderators:" not in member_help.text
    assert "/help mute explains one" in member_help.text  # the list says how to ask for one


async def test_rules_shows_the_rule_file_text(app: Kenes, memory: MemoryAdapter) -> None:
    reply = (await memory.say("alice", "/rules"))[0]
    assert isinstance(reply, SendMessage)
    assert "Be kind" in reply.text


async def test_unknown_command_says_so_and_points_to_help(
    app: Kenes, memory: MemoryAdapter
) -> None:
    reply = (await memory.say("alice", "/frobnicate"))[0]
    assert isinstance(reply, SendMessage)
    assert "/frobnicate" in reply.text
    assert "/help" in reply.text


async def test_help_with_a_command_shows_its_usage_and_what_it_does(
    app: Kenes, memory: MemoryAdapter
) -> None:
    # `/help mute` used to print the whole list again, ignoring the word.
    [one] = await memory.say("alice", "/help /MUTE")
    assert isinstance(one, SendMessage)
    assert one.text == "/mute <member> <duration> [reason] — mute a member for a while"
    [unknown] = await memory.say("alice", "/help frobnicate")
    assert isinstance(unknown, SendMessage)
    assert "I don't know the command /frobnicate" in unknown.text


async def test_about_names_the_version(app: Kenes, memory: MemoryAdapter) -> None:
    from bot import __version__

    reply = (await memory.say("alice", "/about"))[0]
    assert isinstance(reply, SendMessage)
    assert __version__ in reply.text


async def test_about_says_what_is_switched_on_here(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    path = rules / "rituals.toml"
    # The hero of the week is switched off in this community: /about must not promise it.
    text = path.read_text()
    heroes = text.index("[heroes]")
    path.write_text(text[:heroes] + text[heroes:].replace("enabled = true", "enabled = false", 1))
    memory = MemoryAdapter()
    config = make_config(rules, bot={"cogs": ["core", "moderation", "polls", "heroes"]})
    async with running_app(tmp_path / "kenes.db", config, [memory]) as _app:
        [reply] = await memory.say("alice", "/about")
        assert isinstance(reply, SendMessage)
        lines = reply.text.split("\n")
        assert lines[0].endswith("Switched on here:")
        shown = [line.split(":")[0] for line in lines if line.startswith("· ")]
        assert shown == ["· Moderation", "· Polls and quizzes"]
        assert "support" not in reply.text.lower()
        assert "ideas" not in reply.text.lower()
        assert "Hero" not in reply.text
