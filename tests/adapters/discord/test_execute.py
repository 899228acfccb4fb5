"""Core actions become the right Discord REST calls, through discord.py's real HTTP client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.discord import markup
from bot.adapters.discord.execute import MAX_TIMEOUT
from bot.core.actions import (
    Ban,
    Button,
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
    Unban,
    Unrestrict,
)
from bot.core.errors import ActionRefused
from bot.core.events import Attachment
from bot.core.refs import ChatRef, CommunityRef, MessageRef, UserRef
from bot.outbound import ACT_JOB, RENEW_MARGIN
from bot.telemetry import REGISTRY
from tests.auxil.app import START
from tests.auxil.discord_world import CHANNEL_ID, GUILD_ID, MEMBERS, World, discord_world
from tests.auxil.markup import discord_live_markup

COMMUNITY = CommunityRef("discord", str(GUILD_ID))
CHAT = ChatRef("discord", str(CHANNEL_ID), COMMUNITY)
MEMBERS_PATH = rf"^/guilds/{GUILD_ID}/members/"


def who(name: str) -> UserRef:
    return UserRef("discord", str(MEMBERS[name][0]))


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with discord_world(tmp_path / "kenes.db") as running:
        yield running


async def test_messages_never_ping_and_member_text_is_escaped(world: World) -> None:
    result = await world.app.execute(
        SendMessage(chat=CHAT, text="@everyone look at **this** <@&123>", reply_to=None)
    )
    [sent] = world.fake.calls("POST", rf"^/channels/{CHANNEL_ID}/messages$")
    assert sent.json["allowed_mentions"] == {"parse": []}
    assert sent.json["content"] == r"\@everyone look at \*\*this\*\* \<\@&123\>"
    assert result.message is not None
    assert result.message.chat == CHAT


async def test_reply_references_the_message_and_buttons_carry_our_prefix(world: World) -> None:
    original = MessageRef(CHAT, "1234567890123456789")
    await world.app.execute(
        SendMessage(chat=CHAT, text="vote", reply_to=original, buttons=(Button("Yes", "vote:yes"),))
    )
    [sent] = world.fake.calls("POST", rf"^/channels/{CHANNEL_ID}/messages$")
    assert str(sent.json["message_reference"]["message_id"]) == original.id
    assert sent.json["allowed_mentions"] == {"parse": []}
    [row] = sent.json["components"]
    assert row["components"][0]["custom_id"] == "kenes:vote:yes"
    assert row["components"][0]["label"] == "Yes"


async def test_long_text_is_split_under_discords_limit(world: World) -> None:
    text = "\n".join(f"line {i} " + "x" * 80 for i in range(60))
    await world.app.execute(SendMessage(chat=CHAT, text=text))
    sent = world.fake.calls("POST", rf"^/channels/{CHANNEL_ID}/messages$")
    assert len(sent) == 3
    assert all(len(r.json["content"]) <= 2000 for r in sent)
    assert "\n".join(r.json["content"] for r in sent) == text


async def test_restrict_for_ten_minutes_is_a_native_timeout_from_the_clock(world: World) -> None:
    await world.app.execute(
        Restrict(community=COMMUNITY, user=who("alice"), duration=timedelta(minutes=10))
    )
    [patch] = world.fake.calls("PATCH", MEMBERS_PATH + str(MEMBERS["alice"][0]))
    until = (START + timedelta(minutes=10)).isoformat()
    assert patch.json == {"communication_disabled_until": until}
    assert await world.app.scheduler.pending(ACT_JOB) == []


async def test_a_mute_longer_than_28_days_is_reapplied_by_the_cores_job(world: World) -> None:
    await world.app.execute(
        Restrict(community=COMMUNITY, user=who("alice"), duration=timedelta(days=60))
    )
    [first] = world.fake.calls("PATCH", MEMBERS_PATH)
    assert first.json["communication_disabled_until"] == (START + MAX_TIMEOUT).isoformat()
    # The core's one job kind, with the action as platform-neutral data (no Discord ids).
    [job] = await world.app.scheduler.pending(ACT_JOB)
    assert job.payload["until"] == (START + timedelta(days=60)).isoformat()
    assert job.payload["action"]["type"] == "Restrict"
    assert job.payload["action"]["fields"]["user"] == {"platform": "discord", "id": who("alice").id}
    assert job.due_at == START + MAX_TIMEOUT - RENEW_MARGIN

    await world.advance(timedelta(days=61))
    patches = world.fake.calls("PATCH", MEMBERS_PATH)
    untils = [p.json["communication_disabled_until"] for p in patches]
    assert untils[-1] == (START + timedelta(days=60)).isoformat()  # the last stretch, exactly
    assert len(untils) == 3  # day 0, about day 27, about day 54
    assert await world.app.scheduler.pending(ACT_JOB) == []


async def test_unrestrict_lifts_the_timeout_and_drops_the_reapply_job(world: World) -> None:
    await world.app.execute(Restrict(community=COMMUNITY, user=who("alice"), duration=None))
    assert len(await world.app.scheduler.pending(ACT_JOB)) == 1
    await world.app.execute(Unrestrict(community=COMMUNITY, user=who("alice")))
    last = world.fake.calls("PATCH", MEMBERS_PATH)[-1]
    assert last.json == {"communication_disabled_until": None}
    assert await world.app.scheduler.pending(ACT_JOB) == []


async def test_kick_and_a_ban_that_the_adapter_never_lifts_by_itself(world: World) -> None:
    await world.app.execute(Kick(community=COMMUNITY, user=who("bob"), reason="spam"))
    [kick] = world.fake.calls("DELETE", MEMBERS_PATH + str(MEMBERS["bob"][0]))
    assert kick.reason == "spam"

    await world.app.execute(
        Ban(community=COMMUNITY, user=who("alice"), duration=timedelta(days=3), reason="raid")
    )
    bans = rf"^/guilds/{GUILD_ID}/bans/{MEMBERS['alice'][0]}$"
    [ban] = world.fake.calls("PUT", bans)
    assert ban.reason == "raid"
    # Lifting a timed ban is the feature's (moderation stages it with the case); the adapter
    # schedules nothing, so there is one unban, not two.
    assert await world.app.scheduler.pending() == []
    await world.advance(timedelta(days=3))
    assert world.fake.calls("DELETE", bans) == []


async def test_unban_lifts_the_ban(world: World) -> None:
    await world.app.execute(Ban(community=COMMUNITY, user=who("bob"), duration=timedelta(days=3)))
    await world.app.execute(Unban(community=COMMUNITY, user=who("bob")))
    assert len(world.fake.calls("DELETE", rf"/bans/{MEMBERS['bob'][0]}$")) == 1


async def test_slow_mode_is_native(world: World) -> None:
    await world.app.execute(SetSlowMode(chat=CHAT, seconds=30))
    [patch] = world.fake.calls("PATCH", rf"^/channels/{CHANNEL_ID}$")
    assert patch.json == {"rate_limit_per_user": 30}
    with pytest.raises(ActionRefused, match="6 hours"):
        await world.app.execute(SetSlowMode(chat=CHAT, seconds=7 * 3600))


async def test_gathered_deletes_become_one_bulk_delete_old_ones_go_singly(world: World) -> None:
    young = [MessageRef(CHAT, str(world.snowflake(START - timedelta(hours=1)))) for _ in range(3)]
    old = MessageRef(CHAT, str(world.snowflake(START - timedelta(days=15))))
    await asyncio.gather(
        *(world.app.execute(DeleteMessage(message=m, reason="purge")) for m in [*young, old])
    )
    [bulk] = world.fake.calls("POST", rf"^/channels/{CHANNEL_ID}/messages/bulk-delete$")
    assert sorted(bulk.json["messages"]) == sorted(int(m.id) for m in young)
    singles = world.fake.calls("DELETE", rf"^/channels/{CHANNEL_ID}/messages/\d+$")
    assert [r.path.rsplit("/", 1)[1] for r in singles] == [old.id]


async def test_poll_pin_and_direct_message(world: World) -> None:
    result = await world.app.execute(
        SendPoll(chat=CHAT, question="Lunch?", options=("soup", "salad"), multiple=True)
    )
    [posted] = world.fake.calls("POST", rf"^/channels/{CHANNEL_ID}/messages$")
    poll = posted.json["poll"]
    assert poll["question"]["text"] == "Lunch?"
    assert [a["poll_media"]["text"] for a in poll["answers"]] == ["soup", "salad"]
    assert poll["allow_multiselect"] is True
    assert poll["duration"] == 24
    assert result.poll_id == str(result.message.id if result.message else None)

    await world.app.execute(Pin(message=MessageRef(CHAT, "42")))
    assert len(world.fake.calls("PUT", rf"^/channels/{CHANNEL_ID}/messages/pins/42$")) == 1


async def test_poll_texts_from_members_are_escaped_and_fit_discords_limits(world: World) -> None:
    question = "[Free Nitro](https://evil.example) <@&1> " + "# " * 200
    await world.app.execute(
        SendPoll(chat=CHAT, question=question, options=("**bold** @everyone", "1. " + "_" * 60))
    )
    [posted] = world.fake.calls("POST", rf"^/channels/{CHANNEL_ID}/messages$")
    poll = posted.json["poll"]
    shown = poll["question"]["text"]
    answers = [a["poll_media"]["text"] for a in poll["answers"]]
    assert len(shown) <= 300
    assert all(len(answer) <= 55 for answer in answers)
    for text in (shown, *answers):
        assert discord_live_markup(text) == [], text
    assert markup.plain(shown).startswith("[Free Nitro](https://evil.example) <@&1> # # ")
    assert shown.endswith("…")
    assert markup.plain(answers[0]) == "**bold** @everyone"


async def test_pin(world: World) -> None:
    await world.app.execute(Pin(message=MessageRef(CHAT, "42")))
    assert len(world.fake.calls("PUT", rf"^/channels/{CHANNEL_ID}/messages/pins/42$")) == 1

    await world.app.execute(SendDirect(user=who("alice"), text="hi @everyone"))
    [dm] = world.fake.calls("POST", r"^/users/@me/channels$")
    assert dm.json == {"recipient_id": MEMBERS["alice"][0]}
    last = world.fake.requests[-1]
    assert last.method == "POST"
    assert last.json["allowed_mentions"] == {"parse": []}


async def test_closed_dms_and_missing_permissions_are_refusals_not_crashes(world: World) -> None:
    world.fake.refuse(
        "POST", r"^/channels/\d+/messages$", code=50007, message="Cannot send messages to this user"
    )
    with pytest.raises(ActionRefused, match="Cannot send messages to this user"):
        await world.app.execute(SendDirect(user=who("alice"), text="hello"))
    world.fake.refuse("PUT", r"/bans/")
    with pytest.raises(ActionRefused, match="Missing Permissions"):
        await world.app.execute(Ban(community=COMMUNITY, user=who("bob")))
    assert await world.app.scheduler.pending() == []


async def test_a_rate_limited_request_is_retried_and_nothing_is_lost(world: World) -> None:
    def counted(name: str) -> float:
        return REGISTRY.get_sample_value(f"kenes_{name}_total", {"platform": "discord"}) or 0.0

    limited, retried = counted("rate_limited"), counted("retries")
    world.fake.rate_limit("POST", rf"^/channels/{CHANNEL_ID}/messages$", times=2)
    result = await world.app.execute(SendMessage(chat=CHAT, text="still here"))
    attempts = world.fake.calls("POST", rf"^/channels/{CHANNEL_ID}/messages$")
    assert len(attempts) == 3
    assert all(r.json["content"] == "still here" for r in attempts)
    assert result.message is not None
    # discord.py waited out both 429s inside its client; /metrics counts them all the same.
    assert counted("rate_limited") - limited == 2
    assert counted("retries") - retried == 2


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("elder", "not below mine"),  # their top role is above the bot's
        ("owner", "owns the server"),
        ("kenes", "myself"),
    ],
)
async def test_hierarchy_is_respected_before_any_request(
    world: World, target: str, reason: str
) -> None:
    before = len(world.fake.requests)
    for action in (
        Ban(community=COMMUNITY, user=who(target)),
        Kick(community=COMMUNITY, user=who(target)),
        Restrict(community=COMMUNITY, user=who(target), duration=timedelta(minutes=5)),
    ):
        with pytest.raises(ActionRefused, match=reason):
            await world.app.execute(action)
    assert len(world.fake.requests) == before


async def test_a_private_reply_without_an_interaction_goes_by_dm(world: World) -> None:
    await world.app.execute(SendMessage(chat=CHAT, text="just for you", ephemeral_to=who("bob")))
    assert world.fake.calls("POST", rf"^/channels/{CHANNEL_ID}/messages$") == []
    [dm] = world.fake.calls("POST", r"^/users/@me/channels$")
    assert dm.json == {"recipient_id": MEMBERS["bob"][0]}
    assert world.fake.requests[-1].json["content"] == "just for you"


async def test_delete_after_is_a_durable_job(world: World) -> None:
    result = await world.app.execute(
        SendMessage(chat=CHAT, text="temporary", delete_after=timedelta(minutes=5))
    )
    assert result.message is not None
    path = rf"^/channels/{CHANNEL_ID}/messages/{result.message.id}$"
    await world.advance(timedelta(minutes=4))
    assert world.fake.calls("DELETE", path) == []
    await world.advance(timedelta(minutes=1))
    assert len(world.fake.calls("DELETE", path)) == 1


async def test_roles_are_given_and_taken_by_name_below_the_bots_own(world: World) -> None:
    helpers = 1_100_000_000_000_000_202
    bob = MEMBERS["bob"][0]
    await world.app.execute(GrantRole(community=COMMUNITY, user=who("bob"), role="helpers"))
    await world.app.execute(RevokeRole(community=COMMUNITY, user=who("bob"), role="Helpers"))
    route = rf"^/guilds/{GUILD_ID}/members/{bob}/roles/{helpers}$"
    assert len(world.fake.calls("PUT", route)) == 1
    assert len(world.fake.calls("DELETE", route)) == 1


async def test_a_missing_role_or_one_above_the_bot_is_refused_with_the_fix(world: World) -> None:
    with pytest.raises(ActionRefused, match="no role named “Champion”"):
        await world.app.execute(GrantRole(community=COMMUNITY, user=who("bob"), role="Champion"))
    with pytest.raises(ActionRefused, match="move my role above it"):
        await world.app.execute(GrantRole(community=COMMUNITY, user=who("bob"), role="Elders"))
    assert world.fake.calls("PUT", r"/roles/") == []


async def test_an_image_is_a_file_upload_with_an_escaped_caption_and_no_pings(world: World) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(700)
    result = await world.app.execute(
        SendImage(chat=CHAT, image=png, filename="stats.png", caption="@everyone **trend**")
    )
    [sent] = world.fake.calls("POST", rf"^/channels/{CHANNEL_ID}/messages$")
    assert sent.json["_files"] == {"stats.png": len(png)}  # multipart: the file as a part
    assert sent.json["content"] == r"\@everyone \*\*trend\*\*"
    assert sent.json["allowed_mentions"] == {"parse": []}
    assert result.message is not None
    assert result.message.chat == CHAT


async def test_an_edit_patches_the_message_escaped_with_its_buttons(world: World) -> None:
    buttons = (Button("👍", "idea:up:1"),)
    sent = await world.app.execute(SendMessage(chat=CHAT, text="Idea #1", buttons=buttons))
    assert sent.message is not None
    path = rf"^/channels/{CHANNEL_ID}/messages/{sent.message.id}$"
    edit = EditMessage(message=sent.message, text="@everyone **3** votes", buttons=buttons)
    assert (await world.app.execute(edit)).message == sent.message
    [patch] = world.fake.calls("PATCH", path)
    assert patch.json["content"] == r"\@everyone \*\*3\*\* votes"
    assert patch.json["allowed_mentions"] == {"parse": []}
    [row] = patch.json["components"]
    assert [b["custom_id"] for b in row["components"]] == ["kenes:idea:up:1"]
    shown = next(m for m in world.fake.created if m["id"] == sent.message.id)
    assert shown["content"] == patch.json["content"]
    assert shown["edited_timestamp"] is not None

    await world.app.execute(EditMessage(message=sent.message, text="closed"))
    assert shown["components"] == []  # no buttons asked for: they go


async def test_an_edit_of_an_unknown_message_is_refused(world: World) -> None:
    with pytest.raises(ActionRefused):
        await world.app.execute(EditMessage(message=MessageRef(CHAT, "123"), text="hello"))


async def test_an_attached_file_is_fetched_from_the_cdn_within_its_limit(world: World) -> None:
    data = b"%PDF-1.4\n" + b"0" * 900
    found = world.fake.attachment(data, "guide.pdf")
    unstated = Attachment(str(found["url"]), "guide.pdf", None)
    fetch = FetchFile(chat=CHAT, attachment=unstated, limit=2000)
    assert (await world.app.execute(fetch)).data == data
    with pytest.raises(ActionRefused, match="larger than the 1 MB allowed"):
        await world.app.execute(replace(fetch, limit=500))  # the bytes are counted
    stated = replace(unstated, size=len(data))
    with pytest.raises(ActionRefused, match="larger than the 1 MB allowed"):
        await world.app.execute(replace(fetch, attachment=stated, limit=500))  # not fetched
    assert world.fake.downloads == 2
    gone = replace(unstated, id=f"{world.fake.cdn_base}/attachments/1/2/gone.pdf")
    with pytest.raises(ActionRefused):
        await world.app.execute(replace(fetch, attachment=gone))  # Discord's 404
