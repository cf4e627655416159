"""Structured logs: one JSON object per line, with the hook call's identifiers.

    configure_logging("INFO")
    bind_request(hook_instance="d1577c69…", service="bone-metastasis-advisor")
    logger.info("cards issued", extra={"cards": 2})
    # {"time": "...", "level": "INFO", "logger": "...", "message": "cards issued",
    #  "hookInstance": "d1577c69…", "service": "bone-metastasis-advisor", "cards": 2}

Never pass patient identifiers, tokens or FHIR data in `extra`.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import orjson

_request_fields: ContextVar[dict[str, str] | None] = ContextVar("request_fields", default=None)

# Attributes every LogRecord has; anything else came from `extra=` and is logged.
# uvicorn's `color_message` repeats the message with terminal colour codes.
_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


def start_request() -> dict[str, str]:
    """A fresh field set for one request; `bind_request` fills it in place, so the
    access-log middleware that started it sees what the endpoint bound."""
    fields: dict[str, str] = {}
    _request_fields.set(fields)
    return fields


def bind_request(**fields: str) -> None:
    """Attach identifiers of the current request (camelCased on output) to its log lines."""
    current = _request_fields.get()
    if current is None:
        current = start_request()
    for name, value in fields.items():
        head, *rest = name.split("_")
        current[head + "".join(part.title() for part in rest)] = value


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(_request_fields.get() or {})
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers[:] = []
        uvicorn_logger.propagate = True
    # uvicorn's access log prints the raw path and query; ours logs without identifiers.
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
