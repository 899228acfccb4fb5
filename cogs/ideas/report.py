"""The dashboard's `ideas.board` report: the board as a `Table` the web pages show.

Column keys are the web dashboard's (`web.columns.*`); the public page drops `author` when its
admins chose to hide names. The status is shown in the reader's language.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.published import BoardItem, Table
from bot.i18n import t

COLUMNS = ("idea", "title", "status", "votes", "created", "author")


def board_table(items: Sequence[BoardItem], locale: str) -> Table:
    return Table(
        COLUMNS,
        tuple(
            (
                f"#{item.number}",
                item.title,
                t(locale, f"ideas.status.{item.status}"),
                item.votes,
                item.created_at,
                item.author or "",
            )
            for item in items
        ),
    )
