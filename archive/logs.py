"""Logging for unattended crawls: a log file, and JSON lines for log shippers.

Scrapy installs a root handler on stderr by default; when the operator asks for a file or for
JSON, this module installs the handlers instead and tells Scrapy not to.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import Any


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message (and the exception, if any)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s [%(name)s] %(levelname)s: %(message)s"


def configure_logging(*, log_file: Path | None, log_format: str = "text", verbose: bool = False) -> dict[str, Any]:
    """Install handlers for ``--log-file``/``--log-format``; return the Scrapy settings to pass.

    Without a file and in text format nothing changes (Scrapy logs to stderr as usual).
    """
    if log_file is None and log_format == "text":
        return {}
    formatter: logging.Formatter = JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(log_file, encoding="utf-8")
        handler.setLevel(logging.INFO)
    else:
        handler = logging.StreamHandler()
        handler.setLevel(logging.INFO if verbose else logging.WARNING)
    handler.setFormatter(formatter)
    root.addHandler(handler)
    if log_file is not None and verbose:
        console = logging.StreamHandler()
        console.setFormatter(formatter)
        console.setLevel(logging.INFO)
        root.addHandler(console)
    return {"PORTAL_ARCHIVE_OWN_LOGGING": True, "LOG_LEVEL": "INFO"}
