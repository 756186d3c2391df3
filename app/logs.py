"""Structured logging: JSON lines when not on a terminal, readable text when on one.

Log records carry ids and counts, never message bodies or tokens. Three defences, in order:
- third-party libraries (HTTP clients, platform SDKs) log only warnings and errors, whatever
  `CB_LOG_LEVEL` says: at INFO and DEBUG they write API URLs holding bot tokens, request
  bodies and learners' message text;
- the access log never shows a query string (a sign-in link's token travels in one);
- every line is scrubbed of anything shaped like a secret (bot tokens, bearer tokens,
  sensitive query parameters, a `body:` dump) and third-party lines are cut short, and the
  formatter drops any `extra` field whose name suggests content or a secret.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
from typing import Any

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
_FORBIDDEN = ("text", "body", "token", "secret", "password", "authorization", "cookie")

# Loggers that log at the configured level: our own packages, the server's own lines and two
# libraries that log only what they do (migrations, scheduler ticks), never content.
_OURS = (
    "app",
    "bot",
    "lessons",
    "scheduler",
    "storage",
    "adapters",
    "dashboard",
    "uvicorn",
    "alembic",
    "apscheduler",
)
# Libraries whose DEBUG/INFO lines hold tokens, bodies or message text: silenced below
# WARNING at the source, so the lines are not even built.
_QUIET = (
    "telegram",
    "httpx",
    "httpcore",
    "slack_bolt",
    "slack_sdk",
    "aiohttp",
    "microsoft_teams",
    "msal",
    "urllib3",
    "hpack",
    "multipart",
    "python_multipart",
    "asyncio",
)
_THIRD_PARTY_MAX = 500  # characters of a third-party line that are kept
REDACTED = "[redacted]"
_SECRETS = (
    # Telegram bot tokens (in Bot API URLs: /bot<id>:<secret>/method).
    (re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{20,}"), REDACTED),
    # Slack tokens: bot, user, app-level, refresh and configuration tokens.
    (re.compile(r"\bx(?:ox[a-z]|app)-[A-Za-z0-9-]+"), REDACTED),
    # Authorization header values.
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), r"\1 " + REDACTED),
    # Query or form parameters that carry secrets (sign-in links, OAuth codes and states).
    (
        re.compile(
            r"(?i)\b((?:[a-z_]*token|code|state|secret|password|key|signature|sig)=)[^&\s\"']+"
        ),
        r"\1" + REDACTED,
    ),
    # A dumped request body (slack-bolt's failed-signature line): everything after it.
    (re.compile(r"(?is)\bbody:.*"), "body: " + REDACTED),
)


def redact(line: str) -> str:
    """A log line with anything shaped like a secret or a body replaced by `[redacted]`."""
    for pattern, replacement in _SECRETS:
        line = pattern.sub(replacement, line)
    return line


def _ours(name: str) -> bool:
    return name.split(".", 1)[0] in _OURS


class RedactingFilter(logging.Filter):
    """On the handler, so it sees every record: keeps third-party records below WARNING
    out, takes the query string out of access-log lines, and cuts third-party lines short."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _ours(record.name) and record.levelno < logging.WARNING:
            return False
        if record.name == "uvicorn.access" and isinstance(record.args, tuple):
            record.args = tuple(_without_query(arg, index) for index, arg in enumerate(record.args))
        if not _ours(record.name):
            message = record.getMessage()
            if len(message) > _THIRD_PARTY_MAX:
                record.msg, record.args = message[:_THIRD_PARTY_MAX] + " [cut]", ()
        return True


def _without_query(arg: object, index: int) -> object:
    # uvicorn's access line is (client, method, path with query, http version, status).
    if index == 2 and isinstance(arg, str) and "?" in arg:
        return arg.split("?", 1)[0] + "?" + REDACTED
    return arg


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {
        key: redact(value) if isinstance(value, str) else value
        for key, value in vars(record).items()
        if key not in _STANDARD and not any(word in key.lower() for word in _FORBIDDEN)
    }


class JsonFormatter(logging.Formatter):
    """One JSON object per line, scrubbed of secrets."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": redact(record.getMessage()),
            **_extras(record),
        }
        if record.exc_info:
            entry["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    """Readable lines for a terminal, scrubbed of secrets."""

    def format(self, record: logging.LogRecord) -> str:
        extras = " ".join(f"{k}={v}" for k, v in _extras(record).items())
        line = f"{record.levelname.lower():7} {record.name}: {record.getMessage()} {extras}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return redact(line.rstrip())


def configure_logging(level: str = "INFO", fmt: str = "auto") -> None:
    """Send logs to stderr in the chosen format ('auto': JSON unless stderr is a terminal)."""
    use_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if use_json else TextFormatter())
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    floor = max(logging.getLevelName(level), logging.WARNING)
    for name in _QUIET:
        logging.getLogger(name).setLevel(floor)
