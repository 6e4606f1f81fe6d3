"""Structured logs: every record carries the run id and node of the code that logged it,
renders as text or one JSON object per line, and has secrets redacted.

The run id and node live in context variables: the workspace sets them around a run and
around each node (worker threads included), so any logger anywhere picks them up.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import json
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

RUN_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("weir_run_id", default=None)
NODE: contextvars.ContextVar[str | None] = contextvars.ContextVar("weir_node", default=None)

#: names of environment variables whose values are secrets
SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|KEY|CREDENTIAL", re.I)
_DSN_PASSWORD = re.compile(r"(://[^:/@\s]+:)([^@\s]+)(@)")
_AUTH_HEADER = re.compile(r"(authorization[\"']?\s*[:=]\s*[\"']?)(?:(bearer|basic|token)\s+)?[^\s\"',}]+", re.I)
REDACTED = "***"
MIN_SECRET_LEN = 4  # shorter values ("1", "on") would blank out ordinary words
# attributes every LogRecord has; anything else was passed as ``extra=``
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


@contextlib.contextmanager
def log_context(*, run_id: str | None = None, node: str | None = None) -> Iterator[None]:
    """Tag the records logged inside the block with a run id and/or node."""
    tokens = []
    if run_id is not None:
        tokens.append((RUN_ID, RUN_ID.set(run_id)))
    if node is not None:
        tokens.append((NODE, NODE.set(node)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def redact(text: str) -> str:
    """``text`` with secret env values, DSN passwords and Authorization values replaced."""
    secrets = sorted({v for k, v in os.environ.items() if SECRET_NAME.search(k) and len(v) >= MIN_SECRET_LEN},
                     key=len, reverse=True)
    for value in secrets:
        if value in text:
            text = text.replace(value, REDACTED)
    text = _DSN_PASSWORD.sub(rf"\g<1>{REDACTED}\g<3>", text)
    return _AUTH_HEADER.sub(lambda m: m.group(1) + (f"{m.group(2)} " if m.group(2) else "") + REDACTED, text)


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: REDACTED if isinstance(k, str) and SECRET_NAME.search(k) else _redact_value(v)
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_redact_value(v) for v in value)
    return value


#: libraries that log (also through the root logger), with stacks, failures weir reports itself
#: (py4j: a Ctrl-C or a closing JVM during a gateway call)
_ROOT_LOGGING_LIBRARIES = ("py4j",)


def _from_library(record: logging.LogRecord) -> bool:
    if record.name.split(".", 1)[0] in _ROOT_LOGGING_LIBRARIES:
        return True
    parts = Path(record.pathname).parts
    return record.name == "root" and any(lib in parts for lib in _ROOT_LOGGING_LIBRARIES)


class ContextFilter(logging.Filter):
    """Adds ``run_id`` and ``node`` from the context, and redacts the message and extras."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _from_library(record):
            return False
        if getattr(record, "run_id", None) is None:
            record.run_id = RUN_ID.get()
        if getattr(record, "node", None) is None:
            record.node = NODE.get()
        record.msg = redact(record.getMessage())
        record.args = None
        for key in set(vars(record)) - _STANDARD - {"run_id", "node"}:
            setattr(record, key, _redact_value(getattr(record, key)))
        return True


class TextFormatter(logging.Formatter):
    """``LEVEL logger [run node]: message``, tracebacks redacted too."""

    def format(self, record: logging.LogRecord) -> str:
        tags = " ".join(str(t) for t in (getattr(record, "run_id", None), getattr(record, "node", None)) if t)
        where = f" [{tags}]" if tags else ""
        head = f"{record.levelname} {record.name}{where}: {record.getMessage()}"
        if record.exc_info:
            head += "\n" + self.formatException(record.exc_info)
        return redact(head)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, run_id, node, and any extras."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "run_id": getattr(record, "run_id", None),
            "node": getattr(record, "node", None),
        }
        for key in sorted(set(vars(record)) - _STANDARD - set(data)):
            data[key] = getattr(record, key)
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(data, default=str))


def setup_logging(*, level: int = logging.WARNING, fmt: str = "text", stream: Any = None) -> logging.Handler:
    """Route the ``weir`` loggers (and warnings of libraries) to one redacting handler on
    stderr; replaces a handler installed by an earlier call."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(ContextFilter())
    handler.set_name("weir")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "weir"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return handler
