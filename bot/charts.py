"""Charts as PNG for the chat (`/stats`, `/ideas matrix`): matplotlib, drawn off the event loop.

matplotlib (Agg backend, no display needed) is imported only when a chart is drawn, so it costs
nothing on the message path; `draw` runs the drawing in a worker thread, because a chart takes
about 0.1-1 s of CPU and the event loop must keep answering chat meanwhile.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from typing import TYPE_CHECKING, ParamSpec

if TYPE_CHECKING:
    from matplotlib.figure import Figure

P = ParamSpec("P")

DPI = 100


def figure(width_px: int, height_px: int) -> Figure:
    """An empty figure of that size in pixels, on the Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure(figsize=(width_px / DPI, height_px / DPI), dpi=DPI)


def png(drawn: Figure) -> bytes:
    """The figure as PNG bytes; the same figures give the same bytes (no time, no version)."""
    drawn.tight_layout()
    out = io.BytesIO()
    drawn.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


async def draw(render: Callable[P, bytes], *args: P.args, **kwargs: P.kwargs) -> bytes:
    """`render(...)` in a worker thread: the PNG it makes, while the event loop runs on."""
    return await asyncio.to_thread(render, *args, **kwargs)
