"""Typed command declarations: one signature, one permission level, parsed and checked in the core.

    @command(level=Level.MODERATOR)
    async def mute(self, ctx: Context, member: UserRef, duration: timedelta,
                   reason: Rest = "") -> None: ...

Parameter types: `str` (one word), `int`, `timedelta` (`10m`, `2h`), `UserRef` (a mentioned
member, or the author of the replied-to message), `MessageRef` (the replied-to message) and
`Rest` (the rest of the line). Each adapter maps the declaration to its native form.
"""

from __future__ import annotations

import inspect
import re
import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, Literal, get_args, get_origin, get_type_hints

from bot.core.durations import MAX_DAYS, DurationError, duration_words, parse_duration
from bot.core.errors import CommandError
from bot.core.events import CommandInvoked
from bot.core.ids import parse_int
from bot.core.permissions import Level
from bot.core.refs import MessageRef, UserRef
from bot.i18n import catalogue, t

REST_MARK = "kenes:rest"
Rest = Annotated[str, REST_MARK]
ParamKind = Literal["word", "int", "duration", "member", "message", "rest"]
NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_MENTION_TOKEN = re.compile(r"^(?:@\w[\w.-]*|<@!?\d+>)$")

CommandCallback = Callable[..., Awaitable[None]]
# A feature's own authority over a command (a federation's admins): checked by the router after
# the level, before the arguments are read. None allows; a message key refuses, naming why.
# Raising refuses too: the check fails closed.
CommandGuard = Callable[[Any], Awaitable[str | None]]


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    kind: ParamKind
    required: bool
    default: object = None


@dataclass(frozen=True)
class CommandSpec:
    """A declared command; `group` makes `/digest preview` the `preview` sub-command of `digest`."""

    name: str
    level: Level
    params: tuple[Param, ...]
    callback: CommandCallback
    cog: str = ""
    hidden: bool = False
    # Runs in private chats (DMs) too; every other command says it works in a community.
    private: bool = False
    # A team (registered by a feature, see bot/core/teams.py) whose members may run it besides
    # those at `level`; checked in the core, and an unknown team or a failing check refuses.
    team: str | None = None
    # Takes a file sent with it (`CommandInvoked.attachments`): on Discord an optional
    # attachment option named `file`; on Telegram the photo or document of the message.
    files: bool = False
    # The name of the cog's guard method (`guard=` in `command()`), and the bound guard.
    guard_name: str | None = None
    guard: CommandGuard | None = None
    # What `ctx.services` is while the guard and callback run: the cog's declared set (a
    # bot.services.Services, typed Any because that module imports this one).
    services: Any = None

    @property
    def description_key(self) -> str:
        return f"commands.{self.name}.description"

    def param_key(self, param: str) -> str:
        return f"commands.{self.name}.params.{param}"

    def placeholder(self, param: Param, locale: str | None = None) -> str:
        """The word standing for a parameter in usage lines; the bare name without a locale."""
        if locale is None:
            return param.name
        key = f"core.params.{param.name}"
        return t(locale, key) if key in catalogue(locale) else param.name

    def usage(self, locale: str | None = None) -> str:
        """`/mute <member> <duration> [reason]`, with placeholder words in `locale` if given."""
        parts = [f"/{self.name}"]
        for p in self.params:
            word = self.placeholder(p, locale)
            parts.append(f"<{word}>" if p.required else f"[{word}]")
        return " ".join(parts)


def _kind_of(annotation: Any) -> tuple[ParamKind, bool]:
    optional = False
    if get_origin(annotation) is Annotated:
        base, *marks = get_args(annotation)
        if REST_MARK in marks:
            return "rest", optional
        annotation = base
    args = get_args(annotation)
    if args and type(None) in args:
        optional = True
        annotation = next(a for a in args if a is not type(None))
    kinds: dict[Any, ParamKind] = {
        str: "word",
        int: "int",
        timedelta: "duration",
        UserRef: "member",
        MessageRef: "message",
    }
    if annotation not in kinds:
        raise TypeError(f"unsupported command parameter type {annotation!r}")
    return kinds[annotation], optional


def command(
    name: str | None = None,
    *,
    level: Level = Level.MEMBER,
    hidden: bool = False,
    private: bool = False,
    team: str | None = None,
    guard: str | None = None,
    files: bool = False,
) -> Callable[[CommandCallback], CommandCallback]:
    """Declare a cog method as a command. Level defaults to member; checks fail closed.

    `private` lets it run in a DM with the bot; `team` names a team whose members may run it
    whatever their level (see `bot/core/teams.py`); `guard` names a method of the cog,
    `async (ctx) -> str | None`, that the router asks too; `files` says it takes a file
    sent with it (the event's `attachments`; a `file` option on Discord).
    """

    def decorate(func: CommandCallback) -> CommandCallback:
        command_name = name or func.__name__.rstrip("_")
        if not NAME.match(command_name):
            raise ValueError(f"command name {command_name!r} must be lowercase a-z, 0-9, _")
        hints = get_type_hints(func, include_extras=True)
        signature = inspect.signature(func)
        params = []
        for index, (pname, parameter) in enumerate(signature.parameters.items()):
            if index < 2:  # self, ctx
                continue
            kind, optional = _kind_of(hints[pname])
            has_default = parameter.default is not inspect.Parameter.empty
            params.append(
                Param(
                    name=pname,
                    kind=kind,
                    required=not (has_default or optional),
                    default=parameter.default if has_default else None,
                )
            )
        func.__kenes_command__ = CommandSpec(  # type: ignore[attr-defined]
            name=command_name,
            level=level,
            params=tuple(params),
            callback=func,
            hidden=hidden,
            private=private,
            team=team,
            guard_name=guard,
            files=files,
        )
        return func

    return decorate


def _tokens(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:  # an unbalanced quote: fall back to plain words rather than refuse
        return text.split()


def parse_arguments(
    spec: CommandSpec, event: CommandInvoked, locale: str | None = None
) -> dict[str, object]:
    """Turn the invocation into keyword arguments; CommandError names what is wrong.

    With `locale`, the errors name parameters and show usage in that language.
    """
    if event.options:
        return _from_options(spec, event, locale)
    tokens = _tokens(event.args)
    mentions = list(event.mentions)
    values: dict[str, object] = {}
    for param in spec.params:
        if param.kind == "member":
            if mentions:
                values[param.name] = mentions.pop(0)
                if tokens and _MENTION_TOKEN.match(tokens[0]):
                    tokens.pop(0)
            elif event.reply_to_author is not None and param.name not in values:
                values[param.name] = event.reply_to_author
            elif param.required:
                raise CommandError("core.errors.need_member", usage=spec.usage(locale))
            continue
        if param.kind == "message":
            if event.reply_to is not None:
                values[param.name] = event.reply_to
            elif param.required:
                raise CommandError("core.errors.need_reply", usage=spec.usage(locale))
            continue
        if param.kind == "rest":
            rest = " ".join(tokens)
            tokens = []
            if rest:
                values[param.name] = rest
            elif param.required:
                raise CommandError(
                    "core.errors.missing_argument",
                    name=spec.placeholder(param, locale),
                    usage=spec.usage(locale),
                )
            continue
        if not tokens:
            if param.required:
                raise CommandError(
                    "core.errors.missing_argument",
                    name=spec.placeholder(param, locale),
                    usage=spec.usage(locale),
                )
            continue
        taken = 1
        if param.kind == "duration":
            # "10 мин", "2 сағ 30 мин": a spelled-out unit arrives as separate words.
            taken = max(duration_words(tokens), 1)
        raw = " ".join(tokens[:taken])
        del tokens[:taken]
        values[param.name] = _convert(spec, param, raw, locale)
    return values


def _from_options(
    spec: CommandSpec, event: CommandInvoked, locale: str | None
) -> dict[str, object]:
    values: dict[str, object] = {}
    mentions = {str(m.id): m for m in event.mentions}
    for param in spec.params:
        raw = event.options.get(param.name)
        if raw is None or raw == "":
            if param.kind == "member" and event.reply_to_author is not None:
                values[param.name] = event.reply_to_author
            elif param.kind == "message" and event.reply_to is not None:
                values[param.name] = event.reply_to
            elif param.required:
                raise CommandError(
                    "core.errors.missing_argument",
                    name=spec.placeholder(param, locale),
                    usage=spec.usage(locale),
                )
            continue
        if param.kind == "member":
            values[param.name] = mentions.get(raw) or UserRef(event.author.user.platform, raw)
        elif param.kind == "rest":
            values[param.name] = raw
        else:
            values[param.name] = _convert(spec, param, raw, locale)
    return values


def _convert(spec: CommandSpec, param: Param, raw: str, locale: str | None) -> object:
    if param.kind == "int":
        number = parse_int(raw.strip())
        if number is None:
            raise CommandError(
                "core.errors.bad_number",
                name=spec.placeholder(param, locale),
                value=raw,
                usage=spec.usage(locale),
            )
        return number
    if param.kind == "duration":
        try:
            return parse_duration(raw)
        except DurationError as exc:
            if exc.problem != "format":
                raise CommandError(
                    f"core.errors.{exc.problem}_duration",
                    name=spec.placeholder(param, locale),
                    value=raw,
                    longest=timedelta(days=MAX_DAYS),
                    usage=spec.usage(locale),
                ) from None
            raise CommandError(
                "core.errors.bad_duration",
                name=spec.placeholder(param, locale),
                value=raw,
                usage=spec.usage(locale),
            ) from None
    return raw


class CommandRegistry:
    """All commands by name; adapters read it to build native menus, /help to list them."""

    def __init__(self) -> None:
        self._commands: dict[str, tuple[CommandSpec, object]] = {}

    def add(self, spec: CommandSpec, owner: object) -> None:
        if spec.name in self._commands:
            other = self._commands[spec.name][0].cog
            raise ValueError(f"command /{spec.name} is already registered by cog {other!r}")
        self._commands[spec.name] = (spec, owner)

    def remove(self, name: str) -> None:
        self._commands.pop(name, None)

    def get(self, name: str) -> tuple[CommandSpec, object] | None:
        return self._commands.get(name)

    def all(self) -> list[CommandSpec]:
        return sorted((spec for spec, _ in self._commands.values()), key=lambda s: s.name)

    def visible_to(self, level: Level) -> list[CommandSpec]:
        return [s for s in self.all() if s.level <= level and not s.hidden]
