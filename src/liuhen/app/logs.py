"""structlog set-up. The bot token never appears in a log line: every line, including those of
the standard library loggers (httpx logs request URLs, which contain the token), is redacted."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

# A Telegram token: digits, a colon, 30+ URL-safe characters. Redacted even when we don't know it.
_TOKEN_SHAPE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
REDACTED = "<token>"
PIECE = 8  # no run of this many characters of a known secret reaches a log
# A run of token characters: a known secret's piece may stand in one, cut short by a repr ("…").
_RUN = re.compile(rf"[A-Za-z0-9_-]{{{PIECE},}}")


class Redactor:
    """Takes known secrets out of log text: whole, as a prefix (a token's bot id and colon followed by
    any part of it, as PTB's repr of a bot cuts it short), and any run that shares ``PIECE`` characters
    with a secret's secret part."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        self.secrets = [s for s in (secrets or []) if s]
        self._prefixes = [
            re.compile(re.escape(s.split(":", 1)[0]) + r":[A-Za-z0-9_-]*") for s in self.secrets if ":" in s
        ]
        self._pieces = {
            part[i : i + PIECE]
            for s in self.secrets
            for part in [s.split(":", 1)[-1]]
            for i in range(len(part) - PIECE + 1)
        }

    def _piece_of_secret(self, match: re.Match[str]) -> str:
        run = match.group(0)
        hit = any(run[i : i + PIECE] in self._pieces for i in range(len(run) - PIECE + 1))
        return REDACTED if hit else run

    def text(self, value: str) -> str:
        for secret in self.secrets:
            value = value.replace(secret, REDACTED)
        for prefix in self._prefixes:
            value = prefix.sub(REDACTED, value)
        if self._pieces:
            value = _RUN.sub(self._piece_of_secret, value)
        return _TOKEN_SHAPE.sub(REDACTED, value)

    def __call__(self, _logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        for key, value in list(event.items()):
            if isinstance(value, str):
                event[key] = self.text(value)
            elif not isinstance(value, int | float | bool | type(None)):
                event[key] = self.text(repr(value)) if key != "exc_info" else value
        return event


class _RedactingFormatter(logging.Formatter):
    def __init__(self, inner: logging.Formatter, redactor: Redactor) -> None:
        super().__init__()
        self.inner, self.redactor = inner, redactor

    def format(self, record: logging.LogRecord) -> str:
        return self.redactor.text(self.inner.format(record))


def configure_logging(
    *, level: str = "INFO", json: bool = False, secrets: list[str] | None = None
) -> Redactor:
    redactor = Redactor(secrets)
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redactor,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_RedactingFormatter(formatter, redactor))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # what an operator need not read at every start and every few seconds: alembic naming its plugins, and
    # the scheduler announcing each job it adds and each run of it (its warnings — a missed run — stay)
    for chatty in ("alembic.runtime.plugins", "apscheduler"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    return redactor
