"""HighLevel credentials: a Bearer master key, the `Version` header, and `locationId`."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from service.dialects.highlevel import messages
from service.dialects.highlevel.validation import unprocessable
from service.errors import Forbidden, Invalid, Unauthorized
from service.store.projects import Project
from service.web.keys import DIRECTORY

_MASTER = "masterKey"


@dataclass(frozen=True)
class Caller:
    project: Project | None = None


_CALLER = web.RequestKey("highlevel_caller", Caller)


def _bearer(request: web.Request) -> str:
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


async def caller(request: web.Request) -> Caller:
    """Resolve the bearer token once per request (through the directory's cache)."""
    known = request.get(_CALLER)
    if known is not None:
        return known
    found = Caller()
    token = _bearer(request)
    if token:
        resolved = await request.app[DIRECTORY].resolve(token)
        # Only the master key: a HighLevel token may do everything in its location.
        if resolved is not None and resolved[1].kind == _MASTER:
            found = Caller(resolved[0])
    request[_CALLER] = found
    return found


async def authenticate(request: web.Request) -> Project:
    """The caller's project; 400 without a `Version` header (any value is accepted, as the
    official SDKs send different ones), 401 without a valid token."""
    if not request.headers.get("Version", "").strip():
        raise Invalid(messages.VERSION_MISSING, reason="version")
    project = (await caller(request)).project
    if project is None:
        raise Unauthorized(messages.INVALID_TOKEN)
    return project


def check_location(
    project: Project, request: web.Request, body: object = None, *, required: bool
) -> None:
    """Every `locationId` the request carries (query, body) must be the token's; 403 if not."""
    given = (request.query.get("locationId"), body)
    present = [value for value in given if value is not None and value != ""]
    if not present and required:
        raise unprocessable([messages.LOCATION_MISSING])
    if any(value != project.id for value in present):
        raise Forbidden(messages.LOCATION_FORBIDDEN, reason="location")
