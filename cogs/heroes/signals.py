"""Recognition signals: the names the hero score gives to columns of the core activity ledger.

Signals are counted by the core ledger (`bot/activity.py`), in memory per member per local day
and written in batches; this feature adds thanks and helpful answers to it and reads its sums.
"""

from __future__ import annotations

HELPFUL = "helpful_answer"
THANKS = "thanks_received"
REACTIONS = "reaction_received"
AMA_ANSWER = "ama_answer"
IDEA_SHIPPED = "idea_shipped"
UGC_FEATURED = "ugc_featured"
# Markers, not points: the member acted as a moderator (or admin) or a bot that day.
STAFF = "_staff"
BOT = "_bot"

# Score name -> the ledger's column.
LEDGER_COLUMNS = {
    HELPFUL: "helpful_answers",
    THANKS: "thanks_received",
    REACTIONS: "reactions_received",
    STAFF: "staff",
    BOT: "bot",
}
