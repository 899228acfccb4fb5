"""Ban-list files: `kenes bans export` and `kenes bans import`, for a community or a federation.

The format (JSON, one ban per line so a problem can be named by its line):

    {"format": "kenes-bans", "version": 1, "scope": "federation 1 (Brand)",
     "exported_at": "2026-01-05T09:00:00Z",
     "bans": [
    {"platform": "telegram", "id": "123456789", "name": "Spammer", "reason": "crypto spam",
     "time": "2026-01-05T09:00:00Z", "source": "fban"}
    ]}

`platform` (telegram, discord, console), `id` (the platform's account id, digits on Telegram and
Discord), `reason`, `time` (ISO 8601 with a zone) and `source` (who listed them: fban, import,
cas, a list's name) are required; `name` is optional. A CSV file with the header
`platform,id,reason,time,source` (and optionally `name`) is read the same way.

Import is idempotent: an account already banned (by the federation, or in the community's ban
list) is skipped and counted. A file with any problem imports nothing and names every problem:
line, field and how to write it.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TextIO

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from bot.core.features import CliCommand
from bot.core.refs import CommunityRef, UserRef
from bot.scheduler import Job, stage
from bot.services import Services
from cogs.federation.jobs import ImportedBan
from cogs.federation.store import FederationStore, NewBan

FORMAT = "kenes-bans"
VERSION = 1
IMPORT_JOB = "federation.import"
MAX_PROBLEMS = 20
CSV_FIELDS = ("platform", "id", "reason", "time", "source")
_DIGITS = re.compile(r"^-?\d{1,20}$")


class BanFileError(ValueError):
    """A ban-list file that cannot be imported; the message names every problem."""


class Entry(BaseModel):
    """One ban in a file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    platform: Literal["telegram", "discord", "console"]
    id: str = Field(min_length=1, max_length=64)
    name: str = Field("", max_length=200)
    reason: str = Field(max_length=1000)
    time: datetime
    source: str = Field(min_length=1, max_length=64)

    @field_validator("id")
    @classmethod
    def _number(cls, value: str, info: ValidationInfo) -> str:
        platform = info.data.get("platform")
        if platform in ("telegram", "discord") and not _DIGITS.match(value):
            raise ValueError(f"a {platform} id is a number, e.g. 123456789")
        return value

    @field_validator("time")
    @classmethod
    def _zoned(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("needs a time zone, e.g. 2026-01-05T09:00:00Z")
        return value.astimezone(UTC)

    @property
    def user(self) -> UserRef:
        return UserRef(self.platform, self.id)


HINTS = {"time": "write it as 2026-01-05T09:00:00Z"}


def _describe(error: ValidationError) -> list[str]:
    found = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "entry"
        hint = HINTS.get(where, "") if item["type"] != "value_error" else ""
        message = item["msg"] if item["type"] != "missing" else "is missing"
        message = message.removeprefix("Value error, ")
        found.append(f"field {where!r}: {message}" + (f" ({hint})" if hint else ""))
    return found


def render(scope: str, entries: list[Entry], now: datetime) -> str:
    """The file: a header and one ban per line."""
    head = {
        "format": FORMAT,
        "version": VERSION,
        "scope": scope,
        "exported_at": _iso(now),
    }
    lines = [
        json.dumps(
            {
                "platform": e.platform,
                "id": e.id,
                "name": e.name,
                "reason": e.reason,
                "time": _iso(e.time),
                "source": e.source,
            },
            ensure_ascii=False,
        )
        for e in entries
    ]
    opening = json.dumps(head, ensure_ascii=False)[:-1] + ', "bans": ['
    return opening + "\n" + ",\n".join(lines) + ("\n" if lines else "") + "]}\n"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(text: str, name: str) -> list[Entry]:
    """Every entry of a JSON or CSV ban list; BanFileError names each problem by line."""
    if text.lstrip().startswith("{"):
        raw = list(_json_entries(text, name))
    else:
        raw = list(_csv_entries(text, name))
    entries, problems = [], []
    for line, item in raw:
        if not isinstance(item, dict):
            problems.append(f"{name} line {line}: a ban must be an object with {CSV_FIELDS}")
            continue
        try:
            entry = Entry.model_validate(item)
        except ValidationError as exc:
            problems.extend(f"{name} line {line}: {p}" for p in _describe(exc))
            continue
        entries.append(entry)
    if problems:
        shown = problems[:MAX_PROBLEMS]
        more = len(problems) - len(shown)
        tail = [f"... and {more} more"] if more else []
        raise BanFileError(
            f"{name}: {len(problems)} problem(s), nothing was imported:\n"
            + "\n".join(f"  - {p}" for p in shown + tail)
        )
    return entries


def _json_entries(text: str, name: str) -> Iterator[tuple[int, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BanFileError(f"{name} line {exc.lineno}: not valid JSON: {exc.msg}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BanFileError(f'{name} line 1: not a Kenes ban list ("format": "{FORMAT}" missing)')
    if data.get("version") != VERSION:
        raise BanFileError(f"{name} line 1: version {data.get('version')!r}; this Kenes reads 1")
    bans = data.get("bans")
    if not isinstance(bans, list):
        raise BanFileError(f'{name} line 1: "bans" must be a list')
    # Walk the array again to learn each entry's line: json.loads keeps no positions.
    lines = _entry_lines(text, len(bans))
    for index, item in enumerate(bans):
        yield (lines[index] if lines else index + 1), item


def _entry_lines(text: str, count: int) -> list[int] | None:
    match = re.search(r'"bans"\s*:\s*\[', text)
    if match is None:
        return None
    decoder = json.JSONDecoder()
    position, found = match.end(), list[int]()
    try:
        while len(found) < count:
            while text[position] in " \t\r\n,":
                position += 1
            found.append(text.count("\n", 0, position) + 1)
            _, position = decoder.raw_decode(text, position)
    except (IndexError, json.JSONDecodeError):
        return None
    return found


def _csv_entries(text: str, name: str) -> Iterator[tuple[int, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [f for f in CSV_FIELDS if f not in header]
    if missing:
        raise BanFileError(
            f"{name} line 1: the header lacks {', '.join(missing)}; "
            f"write the first line as {','.join(CSV_FIELDS)}"
        )
    for row in reader:
        if None in row:
            yield reader.line_num, "too many columns"
            continue
        yield reader.line_num, {k: v for k, v in row.items() if k is not None}


# -- the commands -----------------------------------------------------------------------------


def _configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="bans_command", metavar="ACTION", required=True)
    for verb, text in (("export", "write a ban list to standard output"),
                       ("import", "apply a ban list file (idempotent)")):  # fmt: skip
        sub = actions.add_parser(verb, help=text)
        scope = sub.add_mutually_exclusive_group(required=True)
        scope.add_argument("--community", help="'platform:id', e.g. telegram:-1001234567890")
        scope.add_argument("--federation", type=int, help="the federation's number (/fed info)")
        if verb == "import":
            sub.add_argument("file", type=Path, help="a JSON or CSV ban list ('-' for stdin)")


def _community(text: str) -> CommunityRef:
    platform, sep, ident = text.partition(":")
    if not sep or platform not in ("telegram", "discord", "console") or not ident:
        raise BanFileError(f"--community {text!r}: write platform:id, e.g. telegram:-1001234567890")
    return CommunityRef(platform, ident)


async def run_bans(args: argparse.Namespace, services: Services, out: TextIO, err: TextIO) -> int:
    try:
        if args.bans_command == "export":
            out.write(await export(services, args.community, args.federation))
            return 0
        source = args.file
        text = __import__("sys").stdin.read() if str(source) == "-" else source.read_text("utf-8")
        entries = parse(text, str(source))
        for line in await import_bans(services, args.community, args.federation, entries):
            out.write(line + "\n")
        return 0
    except (BanFileError, OSError, UnicodeDecodeError) as exc:
        err.write(f"kenes: {exc}\n")
        return 2


async def export(services: Services, community: str | None, federation: int | None) -> str:
    now = services.clock.now()
    if federation is not None:
        store = FederationStore(services.sessions)
        found = await store.get(federation)
        if found is None:
            raise BanFileError(f"--federation {federation}: there is no such federation")
        entries = [
            Entry(platform=b.platform, id=b.user_id, name=b.user_name, reason=b.reason,
                  time=b.created_at, source=b.source)
            for b in await store.bans(federation)
        ]  # fmt: skip
        return render(f"federation {found.id} ({found.name})", entries, now)
    assert community is not None
    ref = _community(community)
    bans = services.published.ban_lists.get("moderation")
    if bans is None:
        raise BanFileError("the moderation feature is not enabled: no community ban list")
    community_id = await services.directory.id_for(ref)
    entries = [
        Entry(platform=ref.platform, id=b.user_id, name=b.name, reason=b.reason,
              time=b.at, source=b.source or "ban")
        for b in await bans(community_id)
    ]  # fmt: skip
    return render(f"community {ref}", entries, now)


async def import_bans(
    services: Services, community: str | None, federation: int | None, entries: list[Entry]
) -> list[str]:
    """Stage the file's bans; the report, one line per kind of outcome."""
    now = services.clock.now()
    store = FederationStore(services.sessions)
    added = already = 0
    if federation is not None:
        found = await store.get(federation)
        if found is None:
            raise BanFileError(f"--federation {federation}: there is no such federation")
        places = [p.community_id for p in await store.places(federation)]
        for entry in entries:
            ban = NewBan(federation, entry.user, entry.name, entry.reason, entry.source,
                         "import", entry.time)  # fmt: skip
            _, new = await store.add_ban(ban, places)
            added, already = added + new, already + (not new)
        return [
            f"federation {found.id} ({found.name}): {added} ban(s) added, {already} already "
            f"there; {len(places)} communit(y/ies) apply the new ones when Kenes runs"
        ]
    assert community is not None
    ref = _community(community)
    wrong = [e for e in entries if e.platform != ref.platform]
    if wrong:
        raise BanFileError(
            f"{len(wrong)} ban(s) name {wrong[0].platform} accounts; {ref} is on {ref.platform}. "
            "Import them into a federation instead, which bans each account on its platform."
        )
    community_id = await services.directory.id_for(ref)
    bans = services.published.ban_lists.get("moderation")
    banned = {b.user_id for b in await bans(community_id)} if bans is not None else set()
    waiting = {j.key for j in await services.scheduler.pending(IMPORT_JOB)}
    jobs, queued = [], 0
    for entry in entries:
        key = f"{IMPORT_JOB}:{community_id}:{entry.id}"
        if entry.id in banned:
            already += 1
            continue
        if key in waiting:
            queued += 1
            continue
        payload = ImportedBan(
            platform=ref.platform,
            community=ref.id,
            user=entry.id,
            name=entry.name,
            reason=entry.reason,
            source=entry.source,
        )
        jobs.append(Job(IMPORT_JOB, now, payload, key))
        added += 1
    async with services.scheduler.transaction() as session:
        for job in jobs:
            await stage(session, job, now)
    return [
        f"{ref}: {added} ban(s) to apply when Kenes runs, {queued} already waiting to be "
        f"applied, {already} already banned there"
    ]


BANS_COMMAND = CliCommand(
    name="bans",
    help="export or import a ban list (a community's or a federation's)",
    configure=_configure,
    run=run_bans,
)
