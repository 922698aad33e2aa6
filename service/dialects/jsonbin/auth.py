"""JSONBin credentials: `X-Master-Key` (everything) or `X-Access-Key` (per-operation grants).

The edge resolves them into the request's principal (service.web.principal); the rules here
decide what a principal may do and which of JSONBin's messages a refusal carries."""

from __future__ import annotations

from aiohttp import web

from service.dialects.jsonbin import messages
from service.errors import Forbidden, Unauthorized
from service.store.projects import ACCESS, Project
from service.web.principal import CredentialSource, Principal, principal

MASTER_HEADER = "X-Master-Key"
ACCESS_HEADER = "X-Access-Key"
GRANTS = ("create", "read", "update", "delete")  # of the Bins API, as JSONBin defines them
MASTER = "master"  # the principal's `via` for each header
ACCESS_KEY = "access"

# The master key wins when both headers are sent.
CREDENTIAL_SOURCES = (
    CredentialSource(MASTER, "header", MASTER_HEADER, keys=frozenset({"masterKey"})),
    CredentialSource(ACCESS_KEY, "header", ACCESS_HEADER, keys=frozenset({ACCESS})),
)


def may(who: Principal, grant: str) -> bool:
    return who.project is not None and (who.via == MASTER or grant in who.grants)


def require_master(who: Principal, *, missing: str, invalid: str) -> Project:
    """Endpoints only the master key may call (collections, schema docs, access keys)."""
    if who.via != MASTER:
        raise Unauthorized(missing)
    if who.project is None:
        raise Unauthorized(invalid)
    return who.project


def require_grant(who: Principal, grant: str, *, missing: str, invalid: str) -> Project:
    """Bins API endpoints: the master key, or an access key holding `grant`."""
    if who.via is None:
        raise Unauthorized(missing)
    if who.project is None:
        raise Unauthorized(invalid if who.via == MASTER else messages.ACCESS_KEY_INVALID)
    if not may(who, grant):
        raise Forbidden(messages.ACCESS_KEY_DENIED)
    return who.project


async def master_project_id(request: web.Request) -> str:
    """The project of a master-key-only endpoint (collections, schema docs)."""
    project = require_master(
        await principal(request),
        missing=messages.MASTER_KEY_MISSING,
        invalid=messages.MASTER_KEY_INVALID,
    )
    return project.id
