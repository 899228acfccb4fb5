"""The results message: counts, percentages and a text bar chart, with the next step."""

from __future__ import annotations

from bot.i18n import t
from cogs.polls.models import Poll
from cogs.polls.store import Tally

FULL, EMPTY = "█", "░"


def bar(share: float, width: int) -> str:
    """`█████░░░░░` for a share of 0.5 at width 10."""
    filled = round(share * width)
    return FULL * filled + EMPTY * (width - filled)


def render(poll: Poll, tally: Tally, locale: str, width: int) -> str:
    """The results of a closed poll in `locale`."""
    title = "polls.results.quiz_title" if poll.kind == "quiz" else "polls.results.title"
    lines = [t(locale, title, id=poll.id, question=poll.question)]
    if tally.voters == 0:
        lines.append(t(locale, "polls.results.no_votes"))
    else:
        labels = list(poll.options)
        pad = max(len(label) for label in labels)
        for index, label in enumerate(labels):
            count = tally.counts[index]
            share = count / tally.voters
            mark = " ✓" if poll.correct_option == index else ""
            lines.append(
                f"{label.ljust(pad)}  {bar(share, width)} {round(share * 100)}% ({count}){mark}"
            )
        lines.append(t(locale, "polls.results.voters", count=tally.voters))
        if not poll.anonymous:
            for index, label in enumerate(labels):
                if tally.names[index]:
                    who = ", ".join(tally.names[index])
                    lines.append(t(locale, "polls.results.who", option=label, names=who))
    if poll.correct_option is not None:
        right = poll.options[poll.correct_option]
        lines.append(t(locale, "polls.results.correct", option=right))
        if poll.explanation:
            lines.append(poll.explanation)
    lines.append(t(locale, "polls.results.next_step"))
    return "\n".join(lines)
