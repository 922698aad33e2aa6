"""What a data call says besides its endpoint: query flags, uniqueIds, strategy, and the
body (JSON, or plain text stored as a JSON string)."""

from __future__ import annotations

from typing import Any, Literal

from aiohttp import web

from service.dialects.rested import messages
from service.errors import EmptyBody, Invalid, MalformedBody
from service.web.appkeys import SETTINGS
from service.web.body import parse_json, read_body

JSON = "application/json"
TEXT = "text/plain"
Strategy = Literal["force", "merge", "replace"]
STRATEGIES: tuple[Strategy, ...] = ("force", "merge", "replace")


class WrongContentType(Invalid):
    code = "content_type"


class UniqueIdMissing(Invalid):
    code = "unique_id"


def flag(request: web.Request, name: str) -> bool:
    """A query flag: `true` in any case; clients send strings such as `"true"`."""
    return request.query.get(name, "").strip().lower() == "true"


def unique_ids(request: web.Request) -> list[str]:
    """Every uniqueId, repeated (`uniqueId=a&uniqueId=b`) or comma-separated, in order,
    without blanks or repeats."""
    found: dict[str, None] = {}
    for value in request.query.getall("uniqueId", []):
        for part in value.split(","):
            if part.strip():
                found[part.strip()] = None
    return list(found)


def one_unique_id(request: web.Request) -> str:
    ids = unique_ids(request)
    if not ids:
        raise UniqueIdMissing(messages.UNIQUE_ID_MISSING)
    if len(ids) > 1:
        raise Invalid(messages.ONE_UNIQUE_ID)
    return ids[0]


def strategy(request: web.Request) -> Strategy:
    given = request.query.get("strategy", "force").strip().lower() or "force"
    for known in STRATEGIES:
        if given == known:
            return known
    raise Invalid(messages.STRATEGY)


async def _raw(request: web.Request) -> bytes:
    raw = await read_body(request, request.app[SETTINGS].max_body_bytes)
    if not raw:
        raise EmptyBody(messages.EMPTY_BODY)
    return raw


async def data_body(request: web.Request) -> Any:
    """A record's content: JSON, or plain text as a string (the seed's two types)."""
    kind = request.content_type
    if kind not in (JSON, TEXT):
        raise WrongContentType(messages.WRONG_CONTENT_TYPE)
    raw = await _raw(request)
    if kind == JSON:
        return parse_json(raw)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedBody(messages.TEXT_NOT_UTF8) from None


async def object_body(request: web.Request) -> dict[str, Any]:
    """A JSON object body: login, registration and user updates take JSON only."""
    if request.content_type != JSON:
        raise WrongContentType(messages.JSON_ONLY)
    body = parse_json(await _raw(request))
    if not isinstance(body, dict):
        raise Invalid(messages.BODY_NOT_OBJECT)
    return body
