"""Who may touch a bin: its owner with a grant, or anyone for a public bin's reads and
writes, judged by the owner's origin policy and charged to the owner's quota."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from service.dialects.jsonbin import auth, binrecords, headers, messages
from service.dialects.jsonbin.plans import charge
from service.errors import NotFound, Unauthorized
from service.store.api import Store
from service.store.projects import Project
from service.web.appkeys import STORE
from service.web.origins import check_owner_origin
from service.web.principal import principal


def bin_id_of(request: web.Request) -> str:
    return headers.object_id(request.match_info["id"], messages.INVALID_BIN_ID)


async def owned_bin(request: web.Request, grant: str) -> dict[str, Any]:
    """A bin of the caller's project, for an operation needing `grant`; charges the quota
    and answers 404 with JSONBin's wording for anyone else's bin."""
    project = auth.require_grant(
        await principal(request),
        grant,
        missing=messages.MASTER_KEY_MISSING,
        invalid=messages.MASTER_KEY_INVALID,
    )
    await charge(request, project)
    return await bin_of(request.app[STORE], bin_id_of(request), project.id)


async def bin_of(store: Store, bin_id: str, project_id: str) -> dict[str, Any]:
    """The bin if it is `project_id`'s; 404 with JSONBin's wording for anyone else's."""
    doc = await binrecords.find_bin(store, bin_id, project_id)
    if doc is None or doc["project"] != project_id:
        raise NotFound(messages.BIN_NOT_FOUND_OR_FOREIGN)
    return doc


async def readable_bin(request: web.Request, *, missing: str, invalid: str) -> dict[str, Any]:
    """A public bin, or a private one the caller may read; judged by the owner's origin
    policy and charged to the owner's quota."""
    bin_id = bin_id_of(request)
    who = await principal(request)
    viewer = None if who.project is None else who.project.id
    doc = await binrecords.find_bin(request.app[STORE], bin_id, viewer)
    if doc is None:
        raise NotFound(messages.BIN_NOT_FOUND_OR_FOREIGN)
    caller: Project | None = None
    if doc["private"]:
        caller = auth.require_grant(who, "read", missing=missing, invalid=invalid)
        if caller.id != doc["project"]:
            raise Unauthorized(invalid)
    owner = await owner_of(request, doc, caller, gone=messages.BIN_NOT_FOUND_OR_FOREIGN)
    await charge(request, owner)
    return doc


async def owner_of(
    request: web.Request, doc: dict[str, Any], caller: Project | None, *, gone: str
) -> Project:
    """The project owning `doc`; its origin policy is checked here unless the edge already
    did (the caller's own key). 404 `gone` when the project has been deleted."""
    if caller is not None and caller.id == doc["project"]:
        return caller
    owner = await request.app[STORE].directory.project(doc["project"])
    if owner is None:
        raise NotFound(gone)
    check_owner_origin(request, owner)
    return owner
