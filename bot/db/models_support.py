"""The support feature's tables live in cogs/support/models.py; importing them here lets
`load_all_models` (Alembic, the drift test) see them until features register their own."""

from cogs.support.models import (
    FaqClick,
    FaqOutcome,
    SafetyNotice,
    Ticket,
    TicketEvent,
    TicketMessage,
)

__all__ = ["FaqClick", "FaqOutcome", "SafetyNotice", "Ticket", "TicketEvent", "TicketMessage"]
