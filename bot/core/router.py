"""Route CommandInvoked events to declared commands: permission check, parsing, error replies."""

from __future__ import annotations

from bot.core.commands import CommandGuard, CommandSpec, parse_arguments
from bot.core.context import Context
from bot.core.dispatch import StopPropagation
from bot.core.errors import ActionRefused, CommandError, UnsupportedAction
from bot.core.events import CommandInvoked
from bot.core.permissions import Level


async def route_command(ctx: Context[CommandInvoked]) -> None:
    """Run the invoked command if the actor may; every refusal is explained to them."""
    event = ctx.event
    found = ctx.services.commands.get(event.name)
    if found is None:
        await ctx.reply("core.errors.unknown_command", name=event.name)
        raise StopPropagation
    spec, _owner = found
    if ctx.event.chat.is_private and not spec.private:
        # A DM belongs to no community: community commands have nothing to act on there.
        await ctx.reply("core.errors.not_in_private", name=spec.name)
        raise StopPropagation
    if spec.cog in ctx.community.settings.features_off:
        await ctx.reply("core.errors.feature_off", private=True, name=spec.name)
        raise StopPropagation
    if not allowed(ctx, spec):
        ctx.log.info(
            "refused /%s to %s (%s < %s)",
            spec.name,
            ctx.actor.user,
            ctx.actor.level.label,
            spec.level.label,
        )
        # One sentence per level: "Only a admin" and gendered "только {level}" never come up.
        key = "team" if spec.team is not None else spec.level.label
        await ctx.reply(f"core.errors.permission_{key}", private=True, name=spec.name)
        raise StopPropagation
    if spec.guard is not None:
        try:
            refusal = await _as_cog(spec, spec.guard, ctx)
        except Exception:
            # A guard that cannot decide (the database is down) refuses: fail closed.
            ctx.log.exception("the guard of /%s failed; refused", spec.name)
            refusal = "core.errors.guard_failed"
        if refusal is not None:
            ctx.log.info("refused /%s to %s: %s", spec.name, ctx.actor.user, refusal)
            await ctx.reply(refusal, private=True, name=spec.name)
            raise StopPropagation
    try:
        kwargs = parse_arguments(spec, event, ctx.locale)
        everything = ctx.services
        if spec.services is not None:
            ctx.services = spec.services
        try:
            await spec.callback(ctx, **kwargs)
        finally:
            ctx.services = everything
    except CommandError as exc:
        await ctx.send_text(ctx.t_mine(exc.key, **exc.params), private=True)
    except ActionRefused as exc:
        ctx.log.warning("/%s: %s", spec.name, exc)
        await ctx.reply("core.errors.refused", private=True, reason=exc.reason)
    except UnsupportedAction as exc:
        await ctx.reply("core.errors.unsupported", private=True, action=exc.action)
    raise StopPropagation


def allowed(ctx: Context, spec: CommandSpec) -> bool:
    """Whether the actor may run `spec`. With a team, admins and that team's members may (the
    team's own check decides whether moderators belong); without, the level decides."""
    if spec.team is None:
        return ctx.actor.level >= spec.level
    return ctx.actor.level >= Level.ADMIN or ctx.services.teams.member(spec.team, ctx)


async def _as_cog(spec: CommandSpec, guard: CommandGuard, ctx: Context) -> str | None:
    """Run the command's guard with its cog's declared services."""
    everything = ctx.services
    if spec.services is not None:
        ctx.services = spec.services
    try:
        return await guard(ctx)
    finally:
        ctx.services = everything
