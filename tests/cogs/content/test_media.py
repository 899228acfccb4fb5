"""Media uploaded, not linked: a post's image or document (a file of the rules folder) is kept
on disk by hash under the data folder and uploaded with the post, its description as alt text."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.adapters.memory import MemoryAdapter
from bot.core.actions import SendImage, SendMessage
from bot.core.clock import ManualClock
from bot.core.permissions import Level
from bot.db.models import ScheduledJob
from cogs.content.folder import FOLDER, load_folder
from cogs.content.media import Media, MediaError, MediaStore
from cogs.content.models import ContentPost
from cogs.content.rules import ContentRules
from tests.auxil.app import make_config, running_app
from tests.auxil.rituals import rules_copy

COGS = ["core", "polls", "support", "content"]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40  # ~10 kB
PDF = b"%PDF-1.4\n" + b"0" * 5000
TO_FRIDAY_18 = timedelta(days=4, hours=4)


def post_file(media: str, alt: str = "A chart: fees fell from 3% to 1%.") -> str:
    return (
        'community = "memory:c1"\nrubric = "myth"\nat = 2026-01-09T18:00:00+05:00\n'
        f'media = "{media}"\nalt = "{alt}"\n'
        '[text]\nen = "Myth: fees went up. Fact: they fell."\n'
        '[next]\nkind = "poll"\nquestion = "Which myth next?"\noptions = ["Fees", "Security"]\n'
    )


def with_media(tmp_path: Path) -> Path:
    rules = rules_copy(tmp_path)
    (rules / "content" / "media").mkdir(parents=True)
    (rules / "content" / "media" / "fees.png").write_bytes(PNG)
    (rules / "content" / "media" / "fees-guide.pdf").write_bytes(PDF)
    return rules


async def test_a_planned_image_is_uploaded_with_its_alt_text_and_kept_by_hash(
    tmp_path: Path, clock: ManualClock
) -> None:
    rules = with_media(tmp_path)
    posts = rules / FOLDER
    posts.mkdir(parents=True, exist_ok=True)
    (posts / "fees.toml").write_text(post_file("content/media/fees.png"), "utf-8")
    (posts / "guide.toml").write_text(
        post_file("content/media/fees-guide.pdf", "The fees guide, 2 pages.").replace(
            "T18:00", "T19:00"
        ),
        "utf-8",
    )
    data = tmp_path / "data"
    config = make_config(rules, bot={"cogs": COGS, "data_dir": str(data)})
    memory = MemoryAdapter()
    async with running_app(tmp_path / "kenes.db", config, [memory], clock) as app:
        async with app.services.sessions() as session:
            stored = (await session.scalars(select(ContentPost).order_by(ContentPost.id))).all()
            jobs = (await session.scalars(select(ScheduledJob))).all()
        digest = hashlib.sha256(PNG).hexdigest()
        assert sorted(p.media for p in stored) == sorted(
            [f"file:{hashlib.sha256(PDF).hexdigest()}/fees-guide.pdf", f"file:{digest}/fees.png"]
        )
        assert (data / "content-media" / digest).read_bytes() == PNG
        # The jobs carry the post's id, never the file.
        assert all(len(json.dumps(job.payload)) < 200 for job in jobs)
        await app.advance(TO_FRIDAY_18 + timedelta(hours=1))
    images = memory.of_type(SendImage)
    assert [(i.filename, i.document, i.alt, i.caption) for i in images] == [
        (
            "fees.png",
            False,
            "A chart: fees fell from 3% to 1%.",
            "A chart: fees fell from 3% to 1%.",
        ),
        ("fees-guide.pdf", True, "The fees guide, 2 pages.", "The fees guide, 2 pages."),
    ]
    assert images[0].image == PNG
    assert images[1].image == PDF
    texts = [a.text for a in memory.of_type(SendMessage) if a.text.startswith("Myth: fees")]
    assert len(texts) == 2
    assert not any("🖼" in text for text in texts), "uploaded, not linked"


def test_media_files_are_checked_with_their_line_and_a_limit_with_its_range(
    tmp_path: Path,
) -> None:
    rules = with_media(tmp_path)
    (rules / "content" / "media" / "huge.png").write_bytes(b"\0" * 2_000_001)
    (rules / "content" / "media" / "tool.exe").write_bytes(b"MZ")
    posts = rules / FOLDER
    posts.mkdir(parents=True, exist_ok=True)
    (posts / "huge.toml").write_text(post_file("content/media/huge.png"), "utf-8")
    (posts / "gone.toml").write_text(post_file("content/media/gone.png"), "utf-8")
    (posts / "exe.toml").write_text(post_file("content/media/tool.exe"), "utf-8")
    (posts / "escape.toml").write_text(post_file("../secrets.png"), "utf-8")
    (posts / "fine.toml").write_text(post_file("content/media/fees.png"), "utf-8")
    shipped = ContentRules.model_validate(
        {"media_max_mb": 1, "rubrics": {"myth": {"title": T, "template": T, "hint": T}}}
    )
    found = load_folder(rules, shipped)
    assert [p.key for p in found.posts] == ["fine"]
    shown = "\n".join(str(p) for p in found.problems)
    assert "huge.toml:4: media: 'content/media/huge.png' is 2.0 MB, more than the 1 MB" in shown
    assert "(media_max_mb in rules/content.toml, 1-50): make it smaller" in shown
    assert "gone.toml:4: media: 'content/media/gone.png' is not in the rules folder" in shown
    assert "exe.toml:4: media: 'tool.exe' is not an image or document Kenes uploads" in shown
    assert "escape.toml:4: media: '../secrets.png': give a path inside the rules folder" in shown
    with pytest.raises(ValueError, match="less than or equal to 50"):
        ContentRules.model_validate({"media_max_mb": 51})


def test_the_store_keeps_each_file_once_and_refuses_what_it_cannot_send(tmp_path: Path) -> None:
    store = MediaStore(tmp_path)
    first = store.put(PNG, "fees chart.png", 1_000_000)
    again = store.put(PNG, "fees.png", 1_000_000)
    assert first.sha256 == again.sha256
    assert first.filename == "fees_chart.png"
    assert len(list((tmp_path / "content-media").iterdir())) == 1
    assert Media.parse(str(first)) == first
    assert Media.parse("https://example.org/x.png") is None
    assert store.get(first) == PNG
    with pytest.raises(MediaError, match="more than the 1 MB allowed"):
        store.put(b"\0" * 1_000_001, "big.png", 1_000_000)
    with pytest.raises(MediaError, match="not an image or document"):
        store.put(b"MZ", "run.exe", 1_000_000)
    (tmp_path / "content-media" / first.sha256).write_bytes(b"changed")
    with pytest.raises(MediaError, match="damaged"):
        store.get(first)


T = {"en": "t", "ru": "t", "kk": "t"}


async def test_the_preview_names_the_upload_and_a_lost_file_is_told_not_retried(
    tmp_path: Path, clock: ManualClock
) -> None:
    rules = with_media(tmp_path)
    (rules / FOLDER / "fees.toml").write_text(post_file("content/media/fees.png"), "utf-8")
    data = tmp_path / "data"
    config = make_config(rules, bot={"cogs": COGS, "data_dir": str(data)})
    memory = MemoryAdapter()
    async with running_app(tmp_path / "kenes.db", config, [memory], clock) as app:
        [preview] = await memory.say("mod", "/post preview 1", level=Level.MODERATOR)
        assert isinstance(preview, SendMessage)
        assert "\n📎 fees.png, uploaded with the post: A chart: fees fell from 3% to 1%.\n" in (
            preview.text
        )
        for stored in (data / "content-media").iterdir():
            stored.unlink()  # the data folder lost the file before Friday
        await app.advance(TO_FRIDAY_18)
        assert memory.of_type(SendImage) == []
        told = [a.text for a in memory.of_type(SendMessage) if "without its media" in a.text]
        assert told == [
            "Post 1 went out without its media: the media of 'fees.png' is missing from "
            f"{data / 'content-media'}. Put the file back in the rules folder and post it by hand."
        ]
        assert [a for a in memory.of_type(SendMessage) if a.text.startswith("Myth: fees")]
        await app.advance(timedelta(hours=1))
        assert len([a for a in memory.of_type(SendMessage) if "without its media" in a.text]) == 1


async def test_too_big_media_of_a_posts_entry_is_told_with_the_limit(
    tmp_path: Path, clock: ManualClock
) -> None:
    rules = with_media(tmp_path)
    (rules / "content" / "media" / "big.png").write_bytes(b"\0" * 1_500_000)
    entry = (
        '\n[[posts]]\nkey = "big"\ncommunity = "memory:c1"\nrubric = "myth"\n'
        'media = "content/media/big.png"\nalt = "A big chart"\ntext.en = "Myth: big."\n'
    )
    content = rules / "content.toml"
    text = content.read_text("utf-8").replace("media_max_mb = 8", "media_max_mb = 1")
    content.write_text(text + entry, "utf-8")
    config = make_config(rules, bot={"cogs": COGS, "data_dir": str(tmp_path / "data")})
    memory = MemoryAdapter()
    async with running_app(tmp_path / "kenes.db", config, [memory], clock) as app:
        told = [a.text for a in memory.of_type(SendMessage) if "cannot be used" in a.text]
        assert told == [
            "The media of the post “big” from rules/content.toml cannot be used, so the post is "
            "left as it was:\n'big.png' is 1.5 MB, more than the 1 MB allowed (media_max_mb in "
            "rules/content.toml, 1-50): make it smaller"
        ]
        async with app.services.sessions() as session:
            assert (await session.scalars(select(ContentPost))).all() == []
