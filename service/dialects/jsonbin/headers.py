"""Reading JSONBin's request headers: booleans, names, ids and the JSON content type."""

from __future__ import annotations

import re

from aiohttp import web

from service.dialects.jsonbin import messages
from service.errors import Invalid

_OBJECT_ID = re.compile(r"[0-9a-fA-F]{24}")


def flag(request: web.Request, header: str, default: bool | None = None) -> bool | None:
    """A `true`/`false` header (any case); absent -> default; anything else -> 400."""
    raw = request.headers.get(header)
    if raw is None or raw.strip() == "":
        return default
    lowered = raw.strip().lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise Invalid(messages.BAD_BOOLEAN_HEADER.format(header=header))


def name(request: web.Request, header: str, *, limit: int, missing: str, too_long: str) -> str:
    value = request.headers.get(header, "").strip()
    if not value:
        raise Invalid(missing)
    if len(value) > limit:
        raise Invalid(too_long)
    return value


def optional_bin_name(request: web.Request) -> str | None:
    if "X-Bin-Name" not in request.headers:
        return None
    value = request.headers["X-Bin-Name"].strip()
    if not value or len(value) > 128:
        raise Invalid(messages.BIN_NAME)
    return value


def object_id(value: str, message: str) -> str:
    """A 24-hex id, lower-cased; `message` (the endpoint's own wording) when it is not one."""
    if not _OBJECT_ID.fullmatch(value):
        raise Invalid(message)
    return value.lower()


def require_json(request: web.Request) -> None:
    """JSONBin refuses writes whose Content-Type is not application/json (parameters allowed)."""
    if request.content_type != "application/json":
        raise Invalid(messages.CONTENT_TYPE)


def descending(request: web.Request) -> bool:
    raw = request.headers.get("X-Sort-Order", "descending").strip().lower()
    if raw not in ("ascending", "descending"):
        raise Invalid(messages.BAD_SORT_ORDER)
    return raw == "descending"
