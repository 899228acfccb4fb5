"""`kenes rules replay`: run the real moderation pipeline over a JSONL log of messages.

Each input line is `{"text": ..., "user": ..., "chat": ..., "ts": seconds}` (only `text` is
required). The real app runs with the memory adapter on a throw-away SQLite file and a manual
clock that follows `ts`, so flood windows, the ladder's decay and timed mutes behave as they
would have live. One JSON verdict per input line goes to `out` (with the spam score and the
signals that fired, when the spam check ran); a summary to `err`.

A line may carry `"label": "spam"` or `"ham"` (or true/false): the summary then gives the
precision and recall of acting (anything but allow and log) on the labelled lines, so an admin
can measure a rule change on labelled history. `samples` replaces the rules folder's spam and
ham samples for the run (the rules folder itself is never written).
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from bot.adapters.memory import MemoryAdapter
from bot.config import Config
from bot.core.clock import ManualClock
from bot.core.events import MessageCreated
from bot.core.refs import ChatRef, MessageRef
from cogs.moderation.stage import Verdict

MAX_TS = 253_402_300_799  # 9999-12-31 23:59:59 UTC, the last second datetime can hold


def _parse(raw: str) -> dict[str, Any]:
    try:
        item = json.loads(raw)
    except json.JSONDecodeError as exc:  # json's own words name no line of the log
        raise ValueError(
            f"not JSON ({exc.msg} at column {exc.colno}); write one object a line, "
            'e.g. {"text": "hello", "user": "alice", "ts": 1767600000}'
        ) from None
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        raise ValueError('each line must be a JSON object with a "text" string')
    ts = item.get("ts")
    if "ts" in item and (
        isinstance(ts, bool) or not isinstance(ts, int | float) or not 0 <= ts <= MAX_TS
    ):
        raise ValueError(f'"ts" must be a number of seconds since 1970, at most {MAX_TS}')
    return item


SPAM_LABELS = {"spam": True, "ham": False, True: True, False: False}


def _rules_with_samples(rules_dir: Path, samples: Path, scratch: Path) -> Path:
    """A scratch copy of the rules folder whose sample files are those in `samples`."""
    from bot.rules.loader import CORE_RULE_FILES, RuleFileSpec, load_rules
    from cogs.moderation.rules import ModerationRules
    from cogs.moderation.spam import BASE_HAM_FILE, HAM_FILE, SPAM_FILE, samples_dir

    copy = scratch / "rules"
    shutil.copytree(rules_dir, copy, ignore=shutil.ignore_patterns("schema"))
    files = (*CORE_RULE_FILES, RuleFileSpec("moderation.toml", ModerationRules))
    target = samples_dir(load_rules(copy, files=files))
    target.mkdir(parents=True, exist_ok=True)
    for name in (SPAM_FILE, HAM_FILE, BASE_HAM_FILE):
        source = samples / name
        (target / name).write_bytes(source.read_bytes() if source.exists() else b"")
    return copy


def _measure(labelled: list[tuple[bool, bool]]) -> str:
    """Precision and recall of acting, over (labelled spam, acted on) pairs."""
    hits = sum(1 for spam, acted in labelled if spam and acted)
    acted = sum(1 for _, did in labelled if did)
    spam = sum(1 for is_spam, _ in labelled if is_spam)
    precision = f"{hits / acted:.1%}" if acted else "n/a"
    recall = f"{hits / spam:.1%}" if spam else "n/a"
    return (
        f"labelled {len(labelled)}: precision {precision} ({hits} of {acted} acted on were "
        f"spam), recall {recall} ({hits} of {spam} spam acted on)"
    )


async def replay_log(
    lines: Iterable[str],
    rules_dir: Path,
    config: Config,
    out: TextIO,
    err: TextIO,
    *,
    samples: Path | None = None,
) -> int:
    """Replay `lines`; return the number of lines that could not be read."""
    from bot.app import Kenes
    from bot.db.engine import make_engine
    from bot.db.migrate import upgrade_engine

    items: list[tuple[int, dict[str, Any] | str]] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            items.append((number, _parse(raw)))
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            items.append((number, str(exc)))
    first_ts = next((i["ts"] for _, i in items if isinstance(i, dict) and "ts" in i), None)
    start = datetime.fromtimestamp(first_ts, UTC) if first_ts is not None else config.console.start
    logging.getLogger().setLevel(logging.WARNING)
    verdicts: Counter[str] = Counter()
    labelled: list[tuple[bool, bool]] = []
    bad = 0
    with tempfile.TemporaryDirectory(prefix="kenes-replay-") as scratch:
        if samples is not None:
            rules_dir = _rules_with_samples(rules_dir, samples, Path(scratch))
        bot = config.bot.model_copy(update={"rules_dir": rules_dir, "cogs": ("moderation",)})
        config = config.model_copy(update={"bot": bot})
        engine = make_engine(f"sqlite+aiosqlite:///{scratch}/replay.db")
        try:
            await upgrade_engine(engine)
            memory, clock = MemoryAdapter(), ManualClock(start)
            app = Kenes(config, engine, clock, [memory])
            await app.start(background=False)
            try:
                for number, item in items:
                    if isinstance(item, str):
                        bad += 1
                        print(json.dumps({"line": number, "error": item}), file=out)
                        continue
                    verdict = await _one(app, memory, clock, number, item)
                    verdicts[verdict.action] += 1
                    row = {
                        "line": number,
                        "verdict": verdict.action,
                        "rules": list(verdict.rules),
                        "reason": verdict.reason,
                    }
                    if verdict.dry_run:
                        row["dry_run"] = True
                    if verdict.spam is not None and verdict.spam.fired:
                        row["spam"] = {
                            "score": round(verdict.spam.score, 3),
                            "signals": list(verdict.spam.fired),
                        }
                    label = item.get("label")
                    if label in SPAM_LABELS:
                        acted = verdict.action not in ("allow", "log")
                        labelled.append((SPAM_LABELS[label], acted))
                        row["label"] = "spam" if SPAM_LABELS[label] else "ham"
                    print(json.dumps(row, ensure_ascii=False), file=out)
            finally:
                await app.stop()
        finally:
            await engine.dispose()
    total = sum(verdicts.values())
    counts = ", ".join(f"{kind} {count}" for kind, count in verdicts.most_common())
    messages = "message" if total == 1 else "messages"
    print(f"replayed {total} {messages}: {counts or 'none'}; unreadable lines: {bad}", file=err)
    if labelled:
        print(_measure(labelled), file=err)
    return bad


async def _one(
    app: Any, memory: MemoryAdapter, clock: ManualClock, number: int, item: dict[str, Any]
) -> Verdict:
    if "ts" in item:
        at = datetime.fromtimestamp(item["ts"], UTC)
        if at > clock.now():
            await app.advance(at - clock.now())  # runs expiries due in between
    chat = ChatRef(memory.platform, str(item.get("chat", "general")), memory.community)
    event = MessageCreated(
        chat=chat,
        author=memory.author(str(item.get("user", "member"))),
        at=clock.now(),
        message=MessageRef(chat, str(number)),
        text=item["text"],
    )
    ctx = await app.handle(event)
    verdict = ctx.state.get("moderation")
    return verdict if isinstance(verdict, Verdict) else Verdict()
