"""`rules/content/posts/*.toml`: one file per post, checked like the rule files, hot-reloaded,
never doubled, cancelled with its file; a bad file is skipped with its line and the fix."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.cli import main
from bot.core.actions import SendMessage
from bot.core.clock import ManualClock
from bot.db.models import ScheduledJob
from cogs.content.folder import FOLDER, load_folder, read_post
from cogs.content.models import ContentPost
from cogs.content.rules import ContentRules, FilePost
from tests.auxil.app import make_config, running_app
from tests.auxil.rituals import rules_copy

COGS = ["core", "polls", "support", "content"]
GOOD = """community = "memory:c1"
rubric = "myth"
at = 2026-01-09T18:00:00+05:00

[text]
en = "Myth: a folder cannot post. Fact: it can."

[next]
kind = "poll"
question = "Which myth next?"
options = ["Fees", "Security"]
"""
# Line 5 holds the unknown language; line 2 the unknown rubric.
BAD_LANGUAGE = 'community = "memory:c1"\nrubric = "myth"\n\n[text]\nde = "Mythos"\n'
BAD_RUBRIC = 'community = "memory:c1"\nrubric = "memes"\n[text]\nen = "Friday meme"\n'
BROKEN = 'community = "memory:c1"\nrubric = "myth\n'


def folder(rules: Path) -> Path:
    path = rules / FOLDER
    path.mkdir(parents=True, exist_ok=True)
    return path


async def planned(app: Kenes) -> list[tuple[str | None, str, str | None]]:
    async with app.services.sessions() as session:
        rows = await session.scalars(select(ContentPost).order_by(ContentPost.id))
        return [(p.source_key, p.status, p.due_at.isoformat() if p.due_at else None) for p in rows]


async def publish_jobs(app: Kenes) -> list[str]:
    async with app.services.sessions() as session:
        rows = await session.scalars(
            select(ScheduledJob).where(
                ScheduledJob.kind == "content.publish", ScheduledJob.status == "pending"
            )
        )
        return [row.due_at.isoformat() for row in rows]


def test_a_bad_file_is_skipped_with_its_line_and_the_good_ones_load(tmp_path: Path) -> None:
    rules = rules_copy(tmp_path)
    posts = folder(rules)
    (posts / "myth-jan.toml").write_text(GOOD, "utf-8")
    (posts / "german.toml").write_text(BAD_LANGUAGE, "utf-8")
    (posts / "memes.toml").write_text(BAD_RUBRIC, "utf-8")
    (posts / "broken.toml").write_text(BROKEN, "utf-8")
    (posts / "Bad Name.toml").write_text(GOOD, "utf-8")
    (posts / "_draft.toml").write_text(BROKEN, "utf-8")  # "_": not loaded at all
    content = ContentRules.model_validate({"rubrics": {"myth": _rubric()}})
    found = load_folder(rules, content)
    assert [p.key for p in found.posts] == ["myth-jan"]
    assert found.skipped == {"german", "memes", "broken", "Bad Name"}
    shown = [str(p) for p in found.problems]
    assert any(s.startswith("rules/content/posts/german.toml:5: text.de: ") for s in shown), shown
    assert "rules/content/posts/memes.toml:2: rubric: unknown rubric 'memes'; known: myth" in (
        " ".join(shown)
    )
    broken = "rules/content/posts/broken.toml:2: (syntax): not valid TOML"
    assert any(s.startswith(broken) for s in shown), shown
    assert any("Bad Name.toml: (file name): the file name is the post's key" in s for s in shown)


def test_rules_check_names_the_file_the_line_and_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = rules_copy(tmp_path)
    (folder(rules) / "myth-jan.toml").write_text(GOOD.replace('rubric = "myth"', 'rubric = "x"'))
    assert main(["rules", "check", str(rules)]) == 1
    err = capsys.readouterr().err
    assert "rules/content/posts/myth-jan.toml:2: rubric: unknown rubric 'x'" in err
    assert "(this file is skipped; the others load)" in err
    (folder(rules) / "myth-jan.toml").write_text(GOOD)
    assert main(["rules", "check", str(rules)]) == 0


def test_the_shipped_example_is_a_valid_post(tmp_path: Path) -> None:
    shipped = Path(__file__).parents[3] / "rules"
    example = shipped / FOLDER / "_example.toml"
    content = ContentRules.model_validate(tomllib.loads((shipped / "content.toml").read_text()))
    # The leading "_" keeps it from loading; under a post's name it is a valid post.
    copy = tmp_path / "myth-jan.toml"
    copy.write_text(example.read_text("utf-8"), "utf-8")
    post = read_post(copy, "myth-jan.toml", list(content.rubrics))
    assert isinstance(post, FilePost), post
    assert post.next is not None
    assert post.next.kind == "poll"
    assert set(post.text) == {"en", "ru", "kk"}
    assert load_folder(shipped, content).posts == ()  # nothing ships to be posted


async def test_files_are_planned_once_moved_when_edited_and_cancelled_when_removed(
    tmp_path: Path, clock: ManualClock
) -> None:
    rules = rules_copy(tmp_path)
    post_file = folder(rules) / "myth-jan.toml"
    post_file.write_text(GOOD, "utf-8")
    config = make_config(rules, bot={"cogs": COGS})
    db = tmp_path / "kenes.db"
    async with running_app(db, config, [MemoryAdapter()], clock) as app:
        assert await planned(app) == [("myth-jan", "scheduled", "2026-01-09T13:00:00+00:00")]
        assert await app.services.rules.reload() == []  # a reload plans nothing again
        assert await publish_jobs(app) == ["2026-01-09T13:00:00+00:00"]
        # Edited: the same post moves to the new time; still one job.
        post_file.write_text(GOOD.replace("T18:00", "T19:30"), "utf-8")
        assert await app.services.rules.reload() == []
        assert await planned(app) == [("myth-jan", "scheduled", "2026-01-09T14:30:00+00:00")]
        assert await publish_jobs(app) == ["2026-01-09T14:30:00+00:00"]
        # A mistake in the file: skipped, its post left as it was, the rest of the rules load.
        post_file.write_text(BAD_LANGUAGE, "utf-8")
        assert await app.services.rules.reload() == []
        assert await planned(app) == [("myth-jan", "scheduled", "2026-01-09T14:30:00+00:00")]
        # Removed: its post, not out yet, is cancelled, and its job with it.
        post_file.unlink()
        assert await app.services.rules.reload() == []
        assert await planned(app) == [("myth-jan", "cancelled", "2026-01-09T14:30:00+00:00")]
        assert await publish_jobs(app) == []
    # Back after a restart: a new file is planned; the cancelled post stays cancelled.
    (folder(rules) / "other.toml").write_text(GOOD.replace("a folder", "another file"), "utf-8")
    memory = MemoryAdapter()
    async with running_app(db, config, [memory], clock) as app:
        assert [(key, status) for key, status, _ in await planned(app)] == [
            ("myth-jan", "cancelled"),
            ("other", "scheduled"),
        ]
        await app.advance(timedelta(days=4, hours=4))  # to Friday 18:00 in Almaty
        sent = [a.text for a in memory.of_type(SendMessage) if "Myth:" in a.text]
        assert sent == ["Myth: another file cannot post. Fact: it can.\n👇 Vote in the poll below."]


def _rubric() -> dict[str, object]:
    text = {"en": "t", "ru": "t", "kk": "t"}
    return {"title": text, "template": text, "hint": text}


async def test_a_file_post_the_checklist_refuses_is_told_to_the_admins_with_its_file(
    tmp_path: Path, clock: ManualClock
) -> None:
    rules = rules_copy(tmp_path)
    no_step = GOOD.split("[next]")[0]  # no next step: the checklist refuses it
    (folder(rules) / "myth-jan.toml").write_text(no_step, "utf-8")
    memory = MemoryAdapter()
    config = make_config(rules, bot={"cogs": COGS})
    async with running_app(tmp_path / "kenes.db", config, [memory], clock) as app:
        [told] = [a.text for a in memory.of_type(SendMessage) if "is not scheduled" in a.text]
        assert told.startswith(
            "The post “myth-jan” from rules/content/posts/myth-jan.toml (draft 1) is not "
            "scheduled:\nPost 1 is not scheduled; the checklist found:\n• Post 1 has no next step"
        )
        assert await planned(app) == [("myth-jan", "draft", None)]


def test_a_key_in_the_file_and_a_file_that_is_not_text_are_explained(tmp_path: Path) -> None:
    rules = rules_copy(tmp_path)
    posts = folder(rules)
    (posts / "keyed.toml").write_text('key = "other"\n' + GOOD, "utf-8")
    (posts / "binary.toml").write_bytes(b"\xff\xfe\x00not text")
    content = ContentRules.model_validate({"rubrics": {"myth": _rubric()}})
    shown = [str(p) for p in load_folder(rules, content).problems]
    assert "rules/content/posts/keyed.toml:1: key: the file name is the key: remove `key` " in (
        "\n".join(shown)
    )
    assert "rules/content/posts/binary.toml: (encoding): not UTF-8 text; save it as UTF-8" in shown
