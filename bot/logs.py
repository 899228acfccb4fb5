"""Logging set-up: readable lines by default, JSON lines for log collectors, secrets masked."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Literal, TextIO

LogFormat = Literal["text", "json"]
MASK = "***"
# Shorter values are too likely to occur in ordinary text to be worth masking (and cannot be
# real tokens or passwords anyway).
MIN_SECRET_LENGTH = 6


class _Redacting(logging.Formatter):
    """Masks every known secret in the finished line, whatever logged it.

    Masking the formatted text rather than the message catches secrets in arguments, in
    exception tracebacks and in third-party log lines (httpx logs Bot API URLs, which carry the
    Telegram token).
    """

    def __init__(self, secrets: Iterable[str], fmt: str | None = None) -> None:
        super().__init__(fmt)
        # Longest first, so a secret containing another is masked whole.
        self._secrets = sorted(
            {s for s in secrets if len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True
        )

    def mask(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def format(self, record: logging.LogRecord) -> str:
        return self.mask(super().format(record))


class _JsonLines(_Redacting):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return self.mask(json.dumps(entry, ensure_ascii=False))


def setup_logging(
    level: str,
    fmt: LogFormat = "text",
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
) -> logging.Handler:
    """Send every log line to `stream` (standard error) in `fmt`, with `secrets` masked."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if fmt == "json":
        handler.setFormatter(_JsonLines(secrets))
    else:
        handler.setFormatter(_Redacting(secrets, "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # Alembic narrates every step at INFO; one line per start is noise in service logs.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return handler
