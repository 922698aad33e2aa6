"""Request bodies: read with a hard size limit, parse JSON with clear errors."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from service.errors import Invalid, PayloadTooLarge


async def read_body(request: web.Request, limit: int) -> bytes:
    """The raw body, refusing anything over `limit` bytes without reading past it.

    A declared Content-Length over the limit is refused before a byte is read; a chunked
    or lying body is cut off as soon as it crosses the limit.
    """
    declared = request.content_length
    if declared is not None and declared > limit:
        raise PayloadTooLarge(f"request body is over {limit} bytes", reason="body_size")
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await request.content.readany()
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"request body is over {limit} bytes", reason="body_size")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(raw: bytes) -> Any:
    """Parse a JSON body; Invalid (reason "json" or "empty") when it is not JSON."""
    if not raw.strip():
        raise Invalid("request body is empty", reason="empty")
    try:
        return json.loads(raw)
    except UnicodeDecodeError:
        raise Invalid("request body is not UTF-8", reason="json") from None
    except json.JSONDecodeError as exc:
        raise Invalid(
            f"request body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            reason="json",
        ) from None


async def read_json(request: web.Request, limit: int) -> Any:
    return parse_json(await read_body(request, limit))
