"""Namespaces: the named containers a dialect keeps per project (JSONBin collections and
schema docs, HighLevel objects and fields, ...), one collection, told apart by `kind`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError, PyMongoError

from service.errors import Conflict, NotFound, Unavailable
from service.store.client import Database

NAMESPACES = "namespaces"


async def ensure_indexes(db: Database) -> None:
    await db[NAMESPACES].create_index([("project", 1), ("kind", 1), ("_id", 1)])
    await db[NAMESPACES].create_index(
        [("project", 1), ("kind", 1), ("key", 1)],
        unique=True,
        partialFilterExpression={"key": {"$type": "string"}},
    )


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
        "createdAt": now,
        "updatedAt": now,
    }
    try:
        await db[NAMESPACES].insert_one(doc)
    except DuplicateKeyError:
        raise Conflict(f"{kind} already exists", reason="duplicate") from None
    except PyMongoError as exc:
        raise Unavailable("database unavailable") from exc
    return doc


async def get(db: Database, *, project: str, kind: str, ns_id: str) -> dict[str, Any]:
    doc = await db[NAMESPACES].find_one({"_id": ns_id, "project": project, "kind": kind})
    if doc is None:
        raise NotFound(f"{kind} not found", reason="namespace")
    return dict(doc)


async def find(db: Database, *, project: str, kind: str, **match: Any) -> list[dict[str, Any]]:
    """Every namespace of a kind (optionally matching plain field values), oldest first."""
    cursor = db[NAMESPACES].find({"project": project, "kind": kind, **match}).sort("_id", 1)
    return [dict(doc) async for doc in cursor]


async def count(db: Database, *, project: str, kind: str) -> int:
    return int(await db[NAMESPACES].count_documents({"project": project, "kind": kind}))


async def update(
    db: Database,
    *,
    project: str,
    kind: str,
    ns_id: str,
    changes: dict[str, Any],
    unset: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Set (and unset) fields atomically and return the namespace as it is afterwards."""
    operation: dict[str, Any] = {"$set": {**changes, "updatedAt": datetime.now(UTC)}}
    if unset:
        operation["$unset"] = dict.fromkeys(unset, "")
    # update + read rather than findAndModify: SecantusDB scans the collection for the latter.
    selector = {"_id": ns_id, "project": project, "kind": kind}
    try:
        result = await db[NAMESPACES].update_one(selector, operation)
    except DuplicateKeyError:
        raise Conflict(f"{kind} already exists", reason="duplicate") from None
    if result.matched_count == 0:
        raise NotFound(f"{kind} not found", reason="namespace")
    return await get(db, project=project, kind=kind, ns_id=ns_id)


async def delete(db: Database, *, project: str, kind: str, ns_id: str) -> dict[str, Any]:
    doc = await get(db, project=project, kind=kind, ns_id=ns_id)
    result = await db[NAMESPACES].delete_one({"_id": ns_id, "project": project, "kind": kind})
    if result.deleted_count == 0:
        raise NotFound(f"{kind} not found", reason="namespace")
    return doc
