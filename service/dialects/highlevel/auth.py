"""HighLevel credentials: a Bearer master key, the `Version` header, and `locationId`."""

from __future__ import annotations

from aiohttp import web

from service.dialects.highlevel import messages
from service.dialects.highlevel.validation import unprocessable
from service.errors import Forbidden, Invalid, Unauthorized
from service.store.projects import Project
from service.web.principal import CredentialSource, principal

# Only the master key: a HighLevel token may do everything in its location.
CREDENTIAL_SOURCES = (CredentialSource("bearer", "bearer", keys=frozenset({"masterKey"})),)


class VersionMissing(Invalid):
    """No `Version` header: a 400 that HighLevel sends without an `error` member."""

    code = "version"


class LocationForbidden(Forbidden):
    """A `locationId` other than the token's: a 403, also without an `error` member."""

    code = "location"


async def authenticate(request: web.Request) -> Project:
    """The caller's project; 400 without a `Version` header (any value is accepted, as the
    official SDKs send different ones), 401 without a valid token."""
    if not request.headers.get("Version", "").strip():
        raise VersionMissing(messages.VERSION_MISSING)
    project = (await principal(request)).project
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
        raise LocationForbidden(messages.LOCATION_FORBIDDEN)
