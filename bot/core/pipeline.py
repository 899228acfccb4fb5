"""The middleware pipeline: named stages in a fixed order, each wrapping the rest.

A middleware has the whole contract in one signature, as in aiogram:
`async def __call__(self, handler, ctx)`; it may act before or after `await handler(ctx)`,
or not call it at all to end processing of the event.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from bot.core.context import Context

Handler = Callable[[Context], Awaitable[None]]


class Middleware(Protocol):
    async def __call__(self, handler: Handler, ctx: Context) -> None: ...


class Pipeline:
    """Stages run in the order declared at construction; empty slots pass through.

    An event in a private chat (a DM, which belongs to no community) goes only through the
    `private` stages: no moderation ladder, no activity counting, nothing per community.
    """

    def __init__(
        self, stages: Sequence[str], endpoint: Handler, *, private: Sequence[str] = ()
    ) -> None:
        self._order = tuple(stages)
        unknown = set(private) - set(self._order)
        if unknown:
            raise KeyError(f"private stages {sorted(unknown)} are not stages of the pipeline")
        self._private = frozenset(private)
        self._slots: dict[str, Middleware | None] = dict.fromkeys(self._order)
        self._endpoint = endpoint
        self._chain: Handler = endpoint
        self._private_chain: Handler = endpoint
        self._rebuild()

    @property
    def stages(self) -> tuple[str, ...]:
        return self._order

    def install(self, stage: str, middleware: Middleware) -> None:
        """Put `middleware` in the named slot (cogs fill slots such as `moderation`)."""
        if stage not in self._slots:
            raise KeyError(f"no pipeline stage {stage!r}; stages are {', '.join(self._order)}")
        if self._slots[stage] is not None:
            raise ValueError(f"pipeline stage {stage!r} is already taken")
        self._slots[stage] = middleware
        self._rebuild()

    def uninstall(self, stage: str) -> None:
        self._slots[stage] = None
        self._rebuild()

    async def __call__(self, ctx: Context) -> None:
        if ctx.event.chat.is_private:
            await self._private_chain(ctx)
            return
        await self._chain(ctx)

    def _rebuild(self) -> None:
        chain = private = self._endpoint
        for stage in reversed(self._order):
            middleware = self._slots[stage]
            if middleware is not None:
                chain = _bind(middleware, chain)
                if stage in self._private:
                    private = _bind(middleware, private)
        self._chain, self._private_chain = chain, private


def _bind(middleware: Middleware, handler: Handler) -> Handler:
    async def step(ctx: Context) -> None:
        await middleware(handler, ctx)

    return step
