"""JSON log lines on stdout: one object per line, with whatever `extra` fields were given.

The access line (one per request) is the hot one, so `access` formats it directly instead
of going through the logging machinery (a LogRecord, a caller lookup and a flush per line
cost several times the line itself) and hands it to the handler, which writes the lines
gathered so far in one call at most `FLUSH_SECONDS` later (or once `MAX_PENDING` have
gathered), whatever the buffering of stdout: one write system call per request was a
measurable part of a request's cost. Any other record written through the handler, and
its flush at exit, write the gathered lines first, so lines keep their order.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii as _quote
from typing import Any

FLUSH_SECONDS = 0.5
MAX_PENDING = 1000  # access lines gathered before they are written without waiting
ACCESS_LOGGER = "service.access"

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_access = logging.getLogger(ACCESS_LOGGER)
_handler: JsonLinesHandler | None = None
_flush_pending = False
_second: tuple[int, str] = (-1, "")


def _timestamp(seconds: float) -> str:
    """ISO 8601 in UTC to the millisecond; the part up to the second is made once a second."""
    global _second
    whole = int(seconds)
    if whole != _second[0]:
        _second = (whole, datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S"))
    return f"{_second[1]}.{int((seconds - whole) * 1000):03d}+00:00"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": _timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        # The `extra` fields are the record's attributes beyond the standard ones.
        for key in record.__dict__.keys() - _STANDARD:
            line[key] = record.__dict__[key]
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class JsonLinesHandler(logging.StreamHandler[Any]):
    """stdout, plus access lines formatted elsewhere and written in batches."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.pending: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        with self.lock:  # type: ignore[union-attr]
            self._write_pending()  # earlier access lines go first
        super().emit(record)

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            self._write_pending()
        super().flush()

    def _write_pending(self) -> None:
        if self.pending:
            lines, self.pending = self.pending, []
            self.stream.write("".join(lines))


def configure(level: str) -> None:
    global _handler, _flush_pending
    handler = JsonLinesHandler(sys.stdout)
    _flush_pending = False
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    _handler = handler
    # aiohttp's own access log would duplicate ours; pymongo is chatty at INFO.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("pymongo").setLevel(logging.WARNING)


def access(
    *, request_id: str, method: str, path: str, route: str, status: int, duration_ms: float
) -> None:
    """The request's line: the JSON a `service.access` INFO record would print, with the
    same keys in the same order, formatted directly (json.dumps of a dict costs more)."""
    if not _access.isEnabledFor(logging.INFO):
        return
    handler = _handler
    if handler is None:  # not configured (tests, library use): plain logging
        fields = {"request_id": request_id, "method": method, "path": path, "route": route}
        _access.info("request", extra={**fields, "status": status, "duration_ms": duration_ms})
        return
    # The request id is checked against [A-Za-z0-9._:-] and the route is one of our
    # templates, so only the method and the path (anything a client sends) need quoting.
    line = (
        f'{{"ts": "{_timestamp(time.time())}", "level": "INFO", "logger": "{ACCESS_LOGGER}", '
        f'"msg": "request", "request_id": "{request_id}", "method": {_quote(method)}, '
        f'"path": {_quote(path)}, "route": {_quote(route)}, "status": {status}, '
        f'"duration_ms": {duration_ms}}}\n'
    )
    handler.pending.append(line)
    _flush_soon(handler)


def _flush_soon(handler: JsonLinesHandler) -> None:
    global _flush_pending
    if len(handler.pending) >= MAX_PENDING:
        handler.flush()
    if _flush_pending:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        handler.flush()
        return
    _flush_pending = True
    loop.call_later(FLUSH_SECONDS, _flush, handler)


def _flush(handler: JsonLinesHandler) -> None:
    global _flush_pending
    _flush_pending = False
    handler.flush()
