"""Reading HighLevel requests: the JSON body, object keys and record ids from the path."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from service.dialects.highlevel import messages, objectschema
from service.errors import NotFound
from service.web.appkeys import SETTINGS
from service.web.body import parse_json, read_body

_OBJECT_ID = re.compile(r"[0-9a-f]{24}")


async def body(request: web.Request) -> Any:
    """The JSON body; an empty one reads as `{}` (so it is refused field by field, in a 422)."""
    raw = await read_body(request, request.app[SETTINGS].max_body_bytes)
    if not raw.strip():
        return {}
    return parse_json(raw)  # the shared policy refuses lone surrogate escapes too


def object_key(request: web.Request, name: str = "key") -> str:
    """The object key of the path (the `custom_objects.` prefix is added when missing)."""
    key = objectschema.object_key(request.match_info[name])
    if key is None:
        raise NotFound(messages.OBJECT_NOT_FOUND)
    return key


def is_object_id(value: str) -> bool:
    return _OBJECT_ID.fullmatch(value) is not None


def record_id(request: web.Request) -> str:
    """Record ids are 24-hex; anything else cannot name a record."""
    value = request.match_info["id"]
    if not is_object_id(value):
        raise NotFound(messages.RECORD_NOT_FOUND)
    return value


def flag(request: web.Request, name: str) -> bool:
    return request.query.get(name, "").strip().lower() == "true"
