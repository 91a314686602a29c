"""The request id of the call being served, for every log line written while serving it.

The bridge sends `x-request-id` metadata (its own id for the REST request); the server keeps it in a
context variable, copies it into the stage threads, and a logging filter adds it to each record as
`request_id` ("-" outside a call).
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterable
from typing import Any

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s request_id=%(request_id)s: %(message)s"


def from_metadata(metadata: Iterable[tuple[str, Any]] | None) -> str:
    """The x-request-id value of a call's metadata, or ""."""
    for key, value in metadata or ():
        if key.lower() == "x-request-id":
            return str(value)[:64]
    return ""


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keep the record; set its request_id."""
        record.request_id = REQUEST_ID.get()
        return True


def install(handler_owner: logging.Logger | None = None) -> None:
    """Add the filter to the root logger's handlers (call after logging.basicConfig)."""
    for handler in (handler_owner or logging.getLogger()).handlers:
        handler.addFilter(RequestIdFilter())


CAMERA_THREAD = "camera-"  # the thread of a watched camera is named camera-<id>
JSON_FIELDS = ("asctime", "levelname", "name", "message", "request_id", "camera", "replica")


class ContextFilter(logging.Filter):
    """Adds `request_id`, `camera` (the watching thread's camera, or "") and `replica` to every record."""

    def __init__(self, replica: str) -> None:
        super().__init__()
        self.replica = replica

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keep the record; set its context fields."""
        record.request_id = REQUEST_ID.get()
        thread = record.threadName or ""
        record.camera = thread[len(CAMERA_THREAD):] if thread.startswith(CAMERA_THREAD) else ""
        record.replica = self.replica
        return True


def configure_logging(log_format: str, replica: str, level: int = logging.INFO) -> None:
    """The root logger's one handler: `text` lines (LOG_FORMAT) or `json`, one JSON object per line with
    time, level, logger, message, request id, camera and replica (python-json-logger)."""
    handler = logging.StreamHandler()
    if log_format == "json":
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(JsonFormatter(list(JSON_FIELDS), rename_fields={"asctime": "time",
                                                                            "levelname": "level",
                                                                            "name": "logger"}))
    elif log_format == "text":
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
    else:
        raise ValueError(f"log format must be text or json, got {log_format!r}")
    handler.addFilter(ContextFilter(replica))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
