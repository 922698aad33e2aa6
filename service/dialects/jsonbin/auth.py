"""JSONBin credentials: `X-Master-Key` (everything) or `X-Access-Key` (per-operation grants)."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from service.dialects.jsonbin import messages
from service.errors import Forbidden, Unauthorized
from service.store.projects import ACCESS, KeyRecord, Project
from service.web.keys import DIRECTORY

MASTER_HEADER = "X-Master-Key"
ACCESS_HEADER = "X-Access-Key"
GRANTS = ("create", "read", "update", "delete")  # of the Bins API, as JSONBin defines them


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: the header they presented, and the project it resolved to (if any)."""

    presented: str | None = None  # "master", "access" or None
    project: Project | None = None
    grants: frozenset[str] = frozenset()

    @property
    def valid(self) -> bool:
        return self.project is not None

    def may(self, grant: str) -> bool:
        return self.valid and (self.presented == "master" or grant in self.grants)


_CALLER = web.RequestKey("jsonbin_caller", Caller)
_ANONYMOUS = Caller()


async def caller(request: web.Request) -> Caller:
    """Resolve the request's key once (through the directory cache) and remember it."""
    known = request.get(_CALLER)
    if known is not None:
        return known
    found = _ANONYMOUS
    master = request.headers.get(MASTER_HEADER, "").strip()
    access = request.headers.get(ACCESS_HEADER, "").strip()
    if master or access:
        resolved = await request.app[DIRECTORY].resolve(master or access)
        found = _caller_for("master" if master else "access", resolved)
    request[_CALLER] = found
    return found


def _caller_for(presented: str, resolved: tuple[Project, KeyRecord] | None) -> Caller:
    if resolved is not None:
        project, record = resolved
        if presented == "master" and record.kind == "masterKey":
            return Caller(presented, project)
        if presented == "access" and record.kind == ACCESS:
            return Caller(presented, project, record.grants)
    return Caller(presented)  # a key, but not a valid one of that kind


def require_master(who: Caller, *, missing: str, invalid: str) -> Project:
    """Endpoints only the master key may call (collections, schema docs, access keys)."""
    if who.presented != "master":
        raise Unauthorized(missing)
    if who.project is None:
        raise Unauthorized(invalid)
    return who.project


def require_grant(who: Caller, grant: str, *, missing: str, invalid: str) -> Project:
    """Bins API endpoints: the master key, or an access key holding `grant`."""
    if who.presented is None:
        raise Unauthorized(missing)
    if who.project is None:
        raise Unauthorized(invalid if who.presented == "master" else messages.ACCESS_KEY_INVALID)
    if not who.may(grant):
        raise Forbidden(messages.ACCESS_KEY_DENIED)
    return who.project


async def master_project_id(request: web.Request) -> str:
    """The project of a master-key-only endpoint (collections, schema docs)."""
    project = require_master(
        await caller(request),
        missing=messages.MASTER_KEY_MISSING,
        invalid=messages.MASTER_KEY_INVALID,
    )
    return project.id
