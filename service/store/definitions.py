"""Definitions: the typed containers a dialect defines per project (a collection, a schema,
an object type and its fields, a list, ...), one collection told apart by `category`.

Every write bumps the definition's `rev`; `update(..., expected_rev=n)` is a compare-and-
swap on it, so two editors of one definition cannot both win from the same revision.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from service.errors import AlreadyExists, NotFound, RevisionMismatch
from service.store import transactions
from service.store.client import Database
from service.store.errors import translated

DEFINITIONS = "definitions"


@translated
async def ensure_indexes(db: Database) -> None:
    await db[DEFINITIONS].create_index([("project", 1), ("category", 1), ("_id", 1)])
    await db[DEFINITIONS].create_index(
        [("project", 1), ("category", 1), ("key", 1)],
        unique=True,
        partialFilterExpression={"key": {"$type": "string"}},
    )


def _new(
    project: str, category: str, attrs: dict[str, Any], definition_id: str | None
) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        **attrs,
        "_id": definition_id or str(ObjectId()),
        "project": project,
        "category": category,
        "rev": 0,
        "createdAt": now,
        "updatedAt": now,
    }


def _selector(project: str, category: str, definition_id: str) -> dict[str, Any]:
    return {"_id": definition_id, "project": project, "category": category}


@translated
async def create(
    db: Database,
    *,
    project: str,
    category: str,
    attrs: dict[str, Any],
    definition_id: str | None = None,
) -> dict[str, Any]:
    """Insert a definition; `attrs["key"]`, when given, is unique per (project, category)."""
    doc = _new(project, category, attrs, definition_id)
    try:
        await db[DEFINITIONS].insert_one(doc)
    except DuplicateKeyError:
        raise AlreadyExists(f"{category} already exists") from None
    return doc


@translated
async def get(
    db: Database, *, project: str, category: str, definition_id: str, session: Any = None
) -> dict[str, Any]:
    selector = _selector(project, category, definition_id)
    doc = await db[DEFINITIONS].find_one(selector, session=session)
    if doc is None:
        raise NotFound(f"{category} not found")
    return dict(doc)


@translated
async def find(db: Database, *, project: str, category: str, **match: Any) -> list[dict[str, Any]]:
    """Every definition of a category (optionally matching plain field values), oldest first."""
    query = {"project": project, "category": category, **match}
    return [dict(doc) async for doc in db[DEFINITIONS].find(query).sort("_id", 1)]


@translated
async def create_limited(
    db: Database, *, project: str, category: str, attrs: dict[str, Any], limit: int
) -> dict[str, Any] | None:
    """Insert a definition unless the project has `limit` of its category already (None).

    Count and insert run in one transaction that also writes the category's guard, so two
    creates cannot both count below the limit and both insert."""
    doc = _new(project, category, attrs, None)
    mine = {"project": project, "category": category}

    async def work(session: Any) -> bool:
        if await db[DEFINITIONS].count_documents(mine, session=session) >= limit:
            return False
        await transactions.guard(db, session, project=project, name=category)
        await db[DEFINITIONS].insert_one(doc, session=session)
        return True

    return doc if await transactions.run(db, work) else None


@translated
async def update(
    db: Database,
    *,
    project: str,
    category: str,
    definition_id: str,
    changes: dict[str, Any],
    unset: tuple[str, ...] = (),
    expected_rev: int | None = None,
    session: Any = None,
) -> dict[str, Any]:
    """Set (and unset) fields atomically and return the definition as it is afterwards.

    With `expected_rev`, the write applies only at that revision (the condition is in the
    filter); a miss is told apart afterwards: NotFound if the definition is gone,
    RevisionMismatch (details: the current rev) if another write came first."""
    operation: dict[str, Any] = {
        "$set": {**changes, "updatedAt": datetime.now(UTC)},
        "$inc": {"rev": 1},
    }
    if unset:
        operation["$unset"] = dict.fromkeys(unset, "")
    selector = _selector(project, category, definition_id)
    condition = selector if expected_rev is None else {**selector, "rev": expected_rev}
    # update + read rather than findAndModify: SecantusDB scans the collection for the latter.
    try:
        result = await db[DEFINITIONS].update_one(condition, operation, session=session)
    except DuplicateKeyError:
        raise AlreadyExists(f"{category} already exists") from None
    if result.matched_count == 0:
        current = await db[DEFINITIONS].find_one(selector, {"rev": 1}, session=session)
        if current is None:
            raise NotFound(f"{category} not found")
        raise RevisionMismatch(f"{category} changed meanwhile", details={"rev": current.get("rev")})
    return await get(
        db, project=project, category=category, definition_id=definition_id, session=session
    )
