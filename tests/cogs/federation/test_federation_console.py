"""Federations through the console adapter: joining, fbans in two communities, errors."""

from __future__ import annotations

from pathlib import Path

from tests.cogs.federation.console import Console, console_app, shipped_config, two_communities


async def test_an_fban_is_applied_in_both_communities_with_a_case_and_a_log_line_each(
    fed: Console,
) -> None:
    out = await fed("ada: /fban @bob crypto spam", "+1s")
    assert "  bot banned bob for good (case 1: federation)" in out
    assert "  bot banned bob in kz for good (case 2: federation)" in out
    assert any(line.startswith("  bot (msg") and "→ #mod-log: Case #1" in line for line in out)
    assert any("→ kz #mod-log: Case #2" in line for line in out)
    assert any("→ #mod-log: Federation “Brand” ban #1" in line for line in out)
    # Time passing runs nothing again: each community banned once.
    again = await fed("+1h")
    assert not any("banned bob" in line for line in again)
    out = await fed("in community kz", "bob joins")
    assert "bob cannot join: banned" in out


async def test_a_second_fban_of_the_same_member_is_refused(fed: Console) -> None:
    await fed("ada: /fban @bob spam", "+1s")
    out = await fed("ada: /fban @bob spam again")
    assert any("already banned by this federation (ban #1)" in line for line in out)


async def test_join_codes_are_single_use_and_expire(con: Console) -> None:
    await con("ada is admin", "ada: /fed new Brand")
    code = await con.code()
    out = await con("in community kz", "ada: /fed join not-a-code")
    assert any("That join code is not right" in line for line in out)
    await con(f"ada: /fed join {code}")
    out = await con("in community third", f"ada: /fed join {code}")
    assert any("was used already" in line for line in out)
    out = await con("in community demo")
    late = await con.code()
    out = await con("+2h", "in community third", f"ada: /fed join {late}")
    assert any("has expired" in line for line in out)


async def test_only_federation_admins_fban_and_the_core_enforces_it(fed: Console) -> None:
    out = await fed("dan: /fban @bob spam")
    assert any("Only moderators and admins can use /fban" in line for line in out), out
    out = await fed("mo is moderator", "mo: /fban @bob spam", "+1s")
    assert any("Only the admins of this community's federation can use /fban" in s for s in out)
    assert not any("banned bob" in line for line in out)
    # The owner names mo a federation admin: now it works.
    await fed("ada: /fed admin @mo")
    out = await fed("mo: /fban @bob spam", "+1s")
    assert "  bot banned bob for good (case 1: federation)" in out
    out = await fed("mo: /fed admin @dan")
    assert any("Only admins can use /fed" in line for line in out)
    out = await fed("mo is admin", "mo: /fed admin @dan")
    assert any("Only the owner of federation “Brand”" in line for line in out)


async def test_a_community_outside_any_federation_is_told_how_to_join(con: Console) -> None:
    out = await con("ada is admin", "ada: /fban @bob spam")
    assert any("is not in a federation" in line for line in out)
    out = await con("ada: /fed subscribe 99")
    assert any("There is no federation 99" in line for line in out)
    out = await con("ada: /fed")
    assert any("Use /fed new <name>" in line for line in out)


async def test_opt_out_needs_a_reason_and_unbans_locally(fed: Console) -> None:
    await fed("ada: /fban @bob spam", "+1s")
    out = await fed("in community kz", "ada: /fed optout 1")
    assert any("Say why this community opts out" in line for line in out)
    out = await fed("ada: /fed optout 1 known member")
    assert "  bot unbanned bob in kz (federation ban #1 lifted)" in out
    assert any("→ kz #mod-log: Federation ban #1" in line and "known member" in s
               for line in out for s in [line])  # fmt: skip
    assert any("→ #mod-log: Federation “Brand” ban #1" in line and "opted out" in line
               for line in out)  # fmt: skip


async def test_funban_lifts_the_ban_everywhere_it_applied(fed: Console) -> None:
    await fed("ada: /fban @bob spam", "+1s")
    out = await fed("ada: /funban @bob", "+1s")
    assert "  bot unbanned bob (federation ban #1 lifted)" in out
    assert "  bot unbanned bob in kz (federation ban #1 lifted)" in out
    out = await fed("ada: /fbanlist")
    assert any("has no bans in force" in line for line in out)


async def test_leaving_stops_future_bans_and_keeps_past_ones(fed: Console) -> None:
    await fed("ada: /fban @bob spam", "+1s")
    await fed("in community kz", "ada: /fed leave", "in community demo")
    out = await fed("ada: /fban @carl spam", "+1s")
    assert "  bot banned carl for good (case 3: federation)" in out
    assert not any("carl in kz" in line for line in out)
    out = await fed("in community kz", "bob joins")
    assert "bob cannot join: banned" in out


async def test_a_subscriber_receives_bans_read_only(con: Console) -> None:
    await con("ada is admin", "ada: /fed new Brand", "ada: /fban @bob spam", "+1s")
    out = await con("in community kz", "ada: /fed subscribe 1", "+1s")
    assert any("follows the ban list of “Brand” (read-only)" in line for line in out)
    assert "  bot banned bob in kz for good (case 2: federation)" in out
    # Read-only: a subscriber is not in the federation and cannot ban for it.
    out = await con("ada: /fban @carl spam")
    assert any("is not in a federation" in line for line in out)
    out = await con("ada: /fed unsubscribe 1")
    assert any("no longer follows" in line for line in out)


async def test_linked_accounts_are_banned_each_on_its_platform(fed: Console) -> None:
    out = await fed("ada: /fed link console:bob console:bobby")
    assert any("2 accounts are treated as one person" in line for line in out)
    out = await fed("ada: /fban console:bobby alt of a spammer", "+1s")
    assert "  bot banned bob for good (case 1: federation)" in out
    assert "  bot banned bobby for good (case 2: federation)" in out
    out = await fed("ada: /fban not:an:account x")
    assert any("Name the account" in line for line in out)


async def test_info_and_admins(fed: Console) -> None:
    out = await fed("ada: /fed info")
    assert any("Federation “Brand” (#1): console:demo, console:kz. 0 bans in force." in s
               for s in out)  # fmt: skip
    out = await fed("ada: /fed admin @mo", "ada: /fed unadmin @mo", "ada: /fed unadmin @mo")
    assert any("mo is no longer an admin" in line or "console:mo is no longer" in line
               for line in out)  # fmt: skip
    assert any("is not an admin of this federation" in line for line in out)
    out = await fed("ada: /fed new Other")
    assert any("already in federation “Brand”" in line for line in out)
    out = await fed("ada: /fed join")
    assert any("Write the join code" in line for line in out)
    out = await fed("ada: /fed optout x")
    assert any("Write the ban number and why" in line for line in out)
    out = await fed("ada: /fed optout 9 because")
    assert any("no federation ban #9" in line for line in out)
    out = await fed("ada: /funban @zed")
    assert any("is not banned by this federation" in line for line in out)
    out = await fed("ada: /fban @ada me")
    assert any("cannot ban yourself" in line for line in out)


async def test_without_moderation_the_ban_goes_through_the_core_action_path(
    tmp_path: Path,
) -> None:
    config = shipped_config(cogs=["core", "federation"])
    async with console_app(tmp_path / "kenes.db", config=config) as con:
        await two_communities(con)
        out = await con("ada: /fban @bob spam", "+1s")
    assert any(line.startswith("  bot banned bob for good") for line in out)
    assert any(line.startswith("  bot banned bob in kz for good") for line in out)
    assert any("→ kz #mod-log: Federation ban applied to bob (bob)" in line for line in out)


async def test_a_community_moderator_is_never_banned_by_the_federation(fed: Console) -> None:
    out = await fed("mo is moderator", "ada: /fban @mo disagreement", "+1s")
    assert not any("banned mo" in line for line in out)
    assert any("→ #mod-log: Federation ban #1 was not applied to mo (console:mo)" in line
               for line in out)  # fmt: skip
