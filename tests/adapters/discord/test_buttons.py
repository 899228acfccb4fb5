"""Buttons keep working after a restart: a press is dispatched by its custom_id alone."""

from __future__ import annotations

from pathlib import Path

from bot.core.actions import Button, SendMessage
from bot.core.cogs import Cog, listen
from bot.core.context import Context
from bot.core.events import ButtonPressed
from bot.core.refs import ChatRef, CommunityRef, MessageRef, UserRef
from tests.auxil.discord_world import CHANNEL_ID, GUILD_ID, MEMBERS, Seen, discord_world
from tests.auxil.fake_discord import APPLICATION_ID, fake_discord

COMMUNITY = CommunityRef("discord", str(GUILD_ID))
CHAT = ChatRef("discord", str(CHANNEL_ID), COMMUNITY)
EPHEMERAL = 64


class Voting(Cog):
    """Answers a press privately, as a poll cog confirms a vote."""

    name = "voting"

    @listen(ButtonPressed)
    async def counted(self, ctx: Context) -> None:
        await ctx.send_text("Your vote is counted.", private=True)


async def test_a_press_after_a_restart_reaches_the_cogs(tmp_path: Path) -> None:
    db = tmp_path / "kenes.db"
    async with fake_discord() as fake:
        async with discord_world(db, fake=fake) as first:
            result = await first.app.execute(
                SendMessage(chat=CHAT, text="Lunch?", buttons=(Button("Soup", "vote:soup"),))
            )
            assert result.message is not None
            message_id = int(result.message.id)
        # A new process: new adapter, new app, same database, no memory of the message.
        async with discord_world(db, fake=fake) as second:
            seen = Seen()
            await second.app.cogs.add_cog(seen)
            await second.app.cogs.add_cog(Voting())
            payload = await second.press("alice", "kenes:vote:soup", message_id)
            [pressed] = seen.of(ButtonPressed)
            assert pressed.custom_id == "vote:soup"
            assert pressed.message == MessageRef(CHAT, str(message_id))
            assert pressed.author.user == UserRef("discord", str(MEMBERS["alice"][0]))
            assert pressed.interaction_id == payload["id"]
    [ack] = fake.calls("POST", rf"^/interactions/{payload['id']}/[^/]+/callback$")
    assert ack.json["type"] == 6  # deferred update: acknowledged at once, no "interaction failed"
    [private] = fake.calls("POST", rf"^/webhooks/{APPLICATION_ID}/{payload['token']}$")
    assert private.json["content"] == "Your vote is counted."
    assert private.json["flags"] & EPHEMERAL
    assert private.json["allowed_mentions"] == {"parse": []}


async def test_presses_on_buttons_that_are_not_ours_are_ignored(tmp_path: Path) -> None:
    async with discord_world(tmp_path / "kenes.db") as world:
        seen = Seen()
        await world.app.cogs.add_cog(seen)
        await world.press("alice", "other-bot:thing", 123)
        assert seen.events == []
        assert world.fake.calls("POST", r"/callback$") == []
