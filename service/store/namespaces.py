"""Namespaces: the named containers a dialect keeps per project (JSONBin collections and
schema docs, HighLevel objects and fields, ...), one collection, told apart by `kind`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from service.errors import Conflict, NotFound
from service.store import transactions
from service.store.client import Database
from service.store.errors import translated

NAMESPACES = "namespaces"


@translated
async def ensure_indexes(db: Database) -> None:
    await db[NAMESPACES].create_index([("project", 1), ("kind", 1), ("_id", 1)])
    await db[NAMESPACES].create_index(
        [("project", 1), ("kind", 1), ("key", 1)],
        unique=True,
        partialFilterExpression={"key": {"$type": "string"}},
    )


@translated
async def create(
    db: Database, *, project: str, kind: str, attrs: dict[str, Any], ns_id: str | None = None
) -> dict[str, Any]:
    """Insert a namespace; `attrs["key"]`, when given, is unique per (project, kind)."""
    now = datetime.now(UTC)
    doc = {
        **attrs,
        "_id": ns_id or str(ObjectId()),
        "project": project,
        "kind": kind,
        "rev": 0,  # bumped by every write
        "createdAt": now,
        "updatedAt": now,
    }
    try:
        await db[NAMESPACES].insert_one(doc)
    except DuplicateKeyError:
        raise Conflict(f"{kind} already exists", reason="duplicate") from None
    return doc


@translated
async def get(
    db: Database, *, project: str, kind: str, ns_id: str, session: Any = None
) -> dict[str, Any]:
    selector = {"_id": ns_id, "project": project, "kind": kind}
    doc = await db[NAMESPACES].find_one(selector, session=session)
    if doc is None:
        raise NotFound(f"{kind} not found", reason="namespace")
    return dict(doc)


@translated
async def find(db: Database, *, project: str, kind: str, **match: Any) -> list[dict[str, Any]]:
    """Every namespace of a kind (optionally matching plain field values), oldest first."""
    cursor = db[NAMESPACES].find({"project": project, "kind": kind, **match}).sort("_id", 1)
    return [dict(doc) async for doc in cursor]


@translated
async def create_limited(
    db: Database, *, project: str, kind: str, attrs: dict[str, Any], limit: int
) -> dict[str, Any] | None:
    """Insert a namespace unless the project has `limit` of its kind already (None then).

    Count and insert run in one transaction that also writes the kind's guard, so two
    creates cannot both count below the limit and both insert."""
    now = datetime.now(UTC)
    doc = {**attrs, "_id": str(ObjectId()), "project": project, "kind": kind, "rev": 0}
    doc |= {"createdAt": now, "updatedAt": now}
    mine = {"project": project, "kind": kind}

    async def work(session: Any) -> bool:
        if await db[NAMESPACES].count_documents(mine, session=session) >= limit:
            return False
        await transactions.guard(db, session, project=project, name=kind)
        await db[NAMESPACES].insert_one(doc, session=session)
        return True

    return doc if await transactions.run(db, work) else None


@translated
async def update(
    db: Database,
    *,
    project: str,
    kind: str,
    ns_id: str,
    changes: dict[str, Any],
    unset: tuple[str, ...] = (),
    session: Any = None,
) -> dict[str, Any]:
    """Set (and unset) fields atomically and return the namespace as it is afterwards."""
    operation: dict[str, Any] = {
        "$set": {**changes, "updatedAt": datetime.now(UTC)},
        "$inc": {"rev": 1},
    }
    if unset:
        operation["$unset"] = dict.fromkeys(unset, "")
    # update + read rather than findAndModify: SecantusDB scans the collection for the latter.
    selector = {"_id": ns_id, "project": project, "kind": kind}
    try:
        result = await db[NAMESPACES].update_one(selector, operation, session=session)
    except DuplicateKeyError:
        raise Conflict(f"{kind} already exists", reason="duplicate") from None
    if result.matched_count == 0:
        raise NotFound(f"{kind} not found", reason="namespace")
    return await get(db, project=project, kind=kind, ns_id=ns_id, session=session)
