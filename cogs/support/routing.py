"""Where a new ticket goes: the team its first word or keywords name, and its priority."""

from __future__ import annotations

from cogs.support.rules import PRIORITIES, SupportRules


def category(rules: SupportRules, text: str) -> tuple[str | None, str]:
    """`billing My invoice…`: a first word naming a team (its id or its name in any
    language) routes the ticket; anything else, or a word with nothing after it, is text."""
    word, _, rest = text.strip().partition(" ")
    folded = word.casefold()
    if not rest.strip():
        return None, text
    for name, team in rules.teams.items():
        names = {name, team.name.en, team.name.ru or "", team.name.kk or ""}
        if folded in {n.casefold() for n in names if n}:
            return name, rest.strip()
    return None, text


def team_for(rules: SupportRules, text: str) -> str | None:
    """The first team whose keywords the text contains."""
    folded = text.casefold()
    for name, team in rules.teams.items():
        if any(word.casefold() in folded for word in team.keywords):
            return name
    return None


def priority_for(rules: SupportRules, text: str, team: str | None) -> str:
    """The most urgent priority whose keywords the text contains, else the team's, else the
    default."""
    folded = text.casefold()
    for priority in reversed(PRIORITIES):  # the most urgent keyword wins
        if any(w.casefold() in folded for w in rules.priority_keywords.get(priority, ())):
            return priority
    routed = rules.teams[team].priority if team in rules.teams else None
    return routed or rules.default_priority
