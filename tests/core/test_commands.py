"""Typed command arguments: durations, members by mention or reply, numbers, rest of line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.commands import CommandSpec, Rest, command, parse_arguments
from bot.core.context import Context
from bot.core.errors import CommandError
from bot.core.events import Author, CommandInvoked
from bot.core.refs import ChatRef, CommunityRef, MessageRef, UserRef

CHAT = ChatRef("memory", "general", CommunityRef("memory", "c1"))
BOB = UserRef("memory", "bob")


class Sample:
    @command()
    async def mute(
        self, ctx: Context, member: UserRef, duration: timedelta, reason: Rest = ""
    ) -> None: ...

    @command()
    async def purge(self, ctx: Context, count: int) -> None: ...

    @command()
    async def report(self, ctx: Context, message: MessageRef, note: Rest = "") -> None: ...


def spec(func: object) -> CommandSpec:
    found = getattr(func, "__kenes_command__", None)
    assert isinstance(found, CommandSpec)
    return found


def invoked(args: str, **extra: object) -> CommandInvoked:
    return CommandInvoked(
        chat=CHAT,
        author=Author(user=UserRef("memory", "alice"), name="Alice"),
        at=datetime(2026, 1, 5, tzinfo=UTC),
        name="x",
        args=args,
        **extra,  # type: ignore[arg-type]
    )


def test_member_from_mention_duration_and_rest() -> None:
    values = parse_arguments(spec(Sample.mute), invoked("@bob 10m spamming links", mentions=(BOB,)))
    assert values == {"member": BOB, "duration": timedelta(minutes=10), "reason": "spamming links"}


def test_member_from_the_replied_to_message() -> None:
    values = parse_arguments(spec(Sample.mute), invoked("1h", reply_to_author=BOB))
    assert values == {"member": BOB, "duration": timedelta(hours=1)}


def test_missing_member_names_the_fix() -> None:
    with pytest.raises(CommandError) as caught:
        parse_arguments(spec(Sample.mute), invoked("10m"))
    assert caught.value.key == "core.errors.need_member"
    assert caught.value.params["usage"] == "/mute <member> <duration> [reason]"


def test_bad_duration_and_bad_number_are_explained() -> None:
    with pytest.raises(CommandError) as caught:
        parse_arguments(spec(Sample.mute), invoked("@bob soon", mentions=(BOB,)))
    assert caught.value.key == "core.errors.bad_duration"
    assert caught.value.params["value"] == "soon"
    with pytest.raises(CommandError) as caught:
        parse_arguments(spec(Sample.purge), invoked("ten"))
    assert caught.value.key == "core.errors.bad_number"


def test_message_parameter_needs_a_reply() -> None:
    target = MessageRef(CHAT, "42")
    assert parse_arguments(spec(Sample.report), invoked("rude", reply_to=target)) == {
        "message": target,
        "note": "rude",
    }
    with pytest.raises(CommandError) as caught:
        parse_arguments(spec(Sample.report), invoked("rude"))
    assert caught.value.key == "core.errors.need_reply"


def test_structured_options_from_a_native_slash_command() -> None:
    values = parse_arguments(
        spec(Sample.mute),
        invoked("", options={"member": "bob", "duration": "2h", "reason": "flood"}),
    )
    assert values == {"member": BOB, "duration": timedelta(hours=2), "reason": "flood"}


def test_bad_command_names_are_refused_at_declaration() -> None:
    with pytest.raises(ValueError, match="lowercase"):
        command("Bad-Name")(Sample.purge)


def test_numbers_beyond_64_bits_are_refused_not_crashed() -> None:
    with pytest.raises(CommandError) as caught:
        parse_arguments(spec(Sample.purge), invoked("99999999999999999999"))
    assert caught.value.key == "core.errors.bad_number"
