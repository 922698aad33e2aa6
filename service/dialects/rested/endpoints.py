"""Endpoint definitions: the name rules, the flags, and the functions the admin API and the
CLI both call (stored as `rested.endpoint` definitions keyed by name)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from service.core.queries import CREATED, EVERYTHING, Eq, Meta, Query, Range
from service.core.times import iso_utc
from service.dialects.rested.filestore import delete_endpoint_files
from service.errors import AlreadyExists, Invalid, NotFound
from service.store.api import Store
from service.store.records import Scope

CATEGORY = "rested.endpoint"
RECORDS = "restedrecords"  # the collection of every endpoint's records
OWNER = "owner"  # the metadata field of a secure endpoint's record: who created it
FLAGS = ("secure", "authentication", "othersCanRead", "othersCanUpdate", "othersCanDelete")

# (rule broken, test): the first failing rule names the 400.
_NAME_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("name must be 5 to 254 characters long", re.compile(r".{5,254}", re.S)),
    (
        "name may contain only lowercase letters, digits, '-' and '/'",
        re.compile(r"[a-z0-9/-]*"),
    ),
    ("name must not start or end with '/' or '-'", re.compile(r"[^/-](.*[^/-])?", re.S)),
    ("name must not contain '--'", re.compile(r"(?!.*--).*", re.S)),
    ("name must not contain '//' (an empty path segment)", re.compile(r"(?!.*//).*", re.S)),
)


class EndpointNotFound(NotFound):
    code = "endpoint_not_found"


class NameTaken(Invalid):
    """A 400, as rested answers a duplicate name (not the admin API's usual 409)."""

    code = "name_taken"


def name_problem(name: str) -> str | None:
    """The rule `name` breaks, or None for a valid endpoint name."""
    for rule, test in _NAME_RULES:
        if not test.fullmatch(name):
            return rule
    return None


def check_name(name: str) -> None:
    problem = name_problem(name)
    if problem is not None:
        raise Invalid(problem, details={"name": [problem]})


@dataclass(frozen=True)
class Endpoint:
    id: str  # the definition's id
    project_id: str
    name: str
    secure: bool
    authentication: bool
    others_can_read: bool
    others_can_update: bool
    others_can_delete: bool
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @cached_property  # an Endpoint lives in the definition cache; a Scope costs a microsecond
    def scope(self) -> Scope:
        return scope_of(self.project_id, self.name)

    @property
    def realm(self) -> str:
        """The namespace of this endpoint's users (an authentication endpoint's)."""
        return self.scope.ns

    def public(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "secure": self.secure,
            "authentication": self.authentication,
            "othersCanRead": self.others_can_read,
            "othersCanUpdate": self.others_can_update,
            "othersCanDelete": self.others_can_delete,
            "createdAt": iso_utc(self.created_at),
            "updatedAt": iso_utc(self.updated_at),
        }


def scope_of(project_id: str, name: str) -> Scope:
    """The endpoint's records, listed by a catalog (creation time, owner) rather than
    indexes on the records, which every PUT would maintain."""
    return Scope(project_id, "rested:" + name, collection=RECORDS, catalogued=True, listed=(OWNER,))


def _from_doc(doc: Mapping[str, Any]) -> Endpoint:
    return Endpoint(
        id=doc["_id"],
        project_id=doc["project"],
        name=doc["key"],
        secure=bool(doc.get("secure")),
        authentication=bool(doc.get("authentication")),
        others_can_read=bool(doc.get("othersCanRead")),
        others_can_update=bool(doc.get("othersCanUpdate")),
        others_can_delete=bool(doc.get("othersCanDelete")),
        created_at=doc.get("createdAt"),
        updated_at=doc.get("updatedAt"),
    )


def settled_flags(flags: Mapping[str, bool], *, authentication: bool) -> dict[str, bool]:
    """The flags as stored: an authentication endpoint is always secure."""
    if authentication and flags.get("secure") is False:
        raise Invalid("an authentication endpoint is always secure", details={"secure": []})
    settled = {name: bool(flags.get(name, False)) for name in FLAGS if name != "authentication"}
    settled["authentication"] = authentication
    settled["secure"] = settled["secure"] or authentication
    return settled


async def create_endpoint(
    store: Store, project_id: str, name: str, flags: Mapping[str, bool]
) -> Endpoint:
    """A new endpoint; Invalid for a bad name, NameTaken for a taken one.

    Records, files and users a deleted endpoint of this name left behind go first: a replica
    whose cache still held it may have written some after the deletion, and the new
    endpoint must not show them. Only those older than now: the new endpoint's own
    records come after its definition."""
    check_name(name)
    await store.projects.get(project_id)  # ProjectNotFound
    settled = settled_flags(flags, authentication=bool(flags.get("authentication")))
    if await find_endpoint(store, project_id, name) is not None:
        raise NameTaken(f"an endpoint named {name!r} already exists")
    moment = datetime.now(UTC)
    scope = scope_of(project_id, name)
    await store.records.delete_where(scope, Query(Range(CREATED, lt=moment)))
    await delete_endpoint_files(store, scope, uploaded_before=moment)
    await store.users.delete_realm(project_id, scope.ns, created_before=moment)
    try:
        doc = await store.definitions.create(project_id, CATEGORY, {"key": name, **settled})
    except AlreadyExists:  # the unique (project, category, key) index: a concurrent create
        raise NameTaken(f"an endpoint named {name!r} already exists") from None
    return _from_doc(doc)


async def find_endpoint(store: Store, project_id: str, name: str) -> Endpoint | None:
    docs = await store.definitions.find(project_id, (CATEGORY,), Query(Eq(Meta("key"), name)))
    return _from_doc(docs[0]) if docs else None


async def get_endpoint(store: Store, project_id: str, name: str) -> Endpoint:
    found = await find_endpoint(store, project_id, name)
    if found is None:
        await store.projects.get(project_id)  # ProjectNotFound names the real problem
        raise EndpointNotFound(f"no endpoint named {name!r}")
    return found


async def list_endpoints(store: Store, project_id: str) -> list[Endpoint]:
    await store.projects.get(project_id)
    docs = await store.definitions.find(project_id, (CATEGORY,), EVERYTHING)
    return sorted((_from_doc(doc) for doc in docs), key=lambda endpoint: endpoint.name)


async def update_endpoint(
    store: Store, project_id: str, name: str, changes: Mapping[str, bool]
) -> Endpoint:
    """Change the flags; whether an endpoint holds users is fixed when it is created."""
    current = await get_endpoint(store, project_id, name)
    if "authentication" in changes and changes["authentication"] != current.authentication:
        raise Invalid(
            "authentication cannot change: delete the endpoint and create it again",
            details={"authentication": []},
        )
    if current.authentication and changes.get("secure") is False:
        raise Invalid("an authentication endpoint is always secure", details={"secure": []})
    # Only the flags named: two concurrent changes of different flags both land.
    named = {flag: bool(changes[flag]) for flag in FLAGS if flag in changes}
    if not named:
        return current
    doc = await store.definitions.update(project_id, CATEGORY, current.id, named)
    return _from_doc(doc)


async def delete_endpoint(store: Store, project_id: str, name: str) -> Endpoint:
    """Delete the endpoint, then its records, their files and (an authentication
    endpoint's) users and their sessions. The definition goes first, so no new record can
    land meanwhile (but on another replica's cache, within RESTED_ENDPOINT_CACHE_SECONDS)."""
    endpoint = await get_endpoint(store, project_id, name)
    await store.definitions.delete(project_id, CATEGORY, endpoint.id)
    await store.records.delete_where(endpoint.scope, EVERYTHING)
    await delete_endpoint_files(store, endpoint.scope)
    if endpoint.authentication:
        await store.users.delete_realm(project_id, endpoint.realm)
        store.directory.forget_project(project_id)  # the users' cached sessions
    return endpoint
