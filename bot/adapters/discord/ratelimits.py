"""Discord's 429s for the operators' `/metrics` (`kenes_rate_limited`, `kenes_retries`).

discord.py waits out a 429 and tries again inside its own HTTP client, so the adapter never
sees one. The client says so on its `discord.http` logger, one warning per 429 ("... responded
with 429. Retrying in ..." or, past its longest wait, "... erroring instead."), and that log
line is the one place to count them without reaching into the client's private request loop.
A handler of ours on that logger counts them; the wording is matched on the message template,
which has been the same through discord.py 2.x (the test runs a real 429 through the client
against the fake REST server, so a change of wording fails it).
"""

from __future__ import annotations

import logging

from bot.telemetry import RATE_LIMITED, RETRIES

LOGGER = "discord.http"


class RateLimitCounter(logging.Handler):
    """Counts discord.py's rate-limit warnings; prints nothing itself."""

    def emit(self, record: logging.LogRecord) -> None:
        template = record.msg if isinstance(record.msg, str) else ""
        if "responded with 429" not in template:
            return
        RATE_LIMITED.labels("discord").inc()
        if "Retrying in" in template:
            RETRIES.labels("discord").inc()


def count_rate_limits() -> RateLimitCounter:
    """Install the counter on discord.py's HTTP logger once per process (idempotent).

    The logger must let warnings through for the counter to see them; a logger set quieter
    than WARNING is set to WARNING (a 429 is worth a warning line anyway).
    """
    logger = logging.getLogger(LOGGER)
    for handler in logger.handlers:
        if isinstance(handler, RateLimitCounter):
            return handler
    counter = RateLimitCounter(logging.WARNING)
    logger.addHandler(counter)
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)
    return counter
