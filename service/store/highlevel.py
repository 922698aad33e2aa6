"""HighLevel's own queries: an object with its fields, record search, editing and deleting
a field (atomically: see update_field and delete_field), clearing a field's values."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING

from service.core.documents import StoredRecord, record_from
from service.core.paths import field_of
from service.errors import NotFound, OwnerNotFound, PreconditionFailed
from service.store import definitions, transactions
from service.store.client import Database
from service.store.definitions import DEFINITIONS
from service.store.records import (
    OBJECT_RECORDS,
    Scope,
    database_errors,
    now,
    records_of,
    stored_id,
)

OBJECT_CATEGORY = "highlevel.object"
FIELD_CATEGORY = "highlevel.field"


@dataclass(frozen=True)
class Term:
    """One search condition on the content at `path`: text contained (any case) or a number."""

    path: tuple[str, ...]
    text: str | None = None
    number: float | None = None


@dataclass(frozen=True)
class Page:
    records: list[StoredRecord]
    total: int


async def ensure_indexes(db: Database) -> None:
    with database_errors():
        # An object and its fields share `objectKey`, so a schema load is one index scan.
        await db[DEFINITIONS].create_index(
            [("project", ASCENDING), ("objectKey", ASCENDING), ("category", ASCENDING)]
        )
        # Search pages walk one object's records newest first.
        await db[OBJECT_RECORDS].create_index(
            [
                ("project", ASCENDING),
                ("ns", ASCENDING),
                ("createdAt", DESCENDING),
                ("_id", DESCENDING),
            ]
        )


async def load_schema(
    db: Database, *, project: str, object_key: str
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The object definition (None if unknown) and its fields, oldest first, in one read."""
    query = {
        "project": project,
        "objectKey": object_key,
        "category": {"$in": [OBJECT_CATEGORY, FIELD_CATEGORY]},
    }
    with database_errors():
        docs = [dict(doc) async for doc in db[DEFINITIONS].find(query).sort("_id", ASCENDING)]
    found = [doc for doc in docs if doc["category"] == OBJECT_CATEGORY]
    return (found[0] if found else None), [doc for doc in docs if doc["category"] == FIELD_CATEGORY]


def _condition(term: Term) -> dict[str, Any]:
    target = field_of(term.path)
    if term.number is not None:
        return {target: term.number}
    # A regex on an array field matches any element: multi-option fields search naturally.
    return {target: {"$regex": re.escape(term.text or ""), "$options": "i"}}


def _filter(scope: Scope, terms: list[Term]) -> dict[str, Any]:
    query: dict[str, Any] = {"project": scope.project, "ns": scope.ns}
    if len(terms) == 1:
        query.update(_condition(terms[0]))
    elif terms:
        query["$or"] = [_condition(term) for term in terms]
    return query


async def search(
    db: Database,
    scope: Scope,
    *,
    terms: list[Term],
    after: tuple[datetime, str] | None,
    skip: int,
    limit: int,
) -> Page:
    """Records matching any of `terms` (all when none), newest first, after the cursor.

    The page and the total are read concurrently: one round trip of latency.
    """
    query = _filter(scope, terms)
    paged = dict(query)
    if after is not None:
        moment, last_key = after
        # Within one scope `_id`s sort as their keys do (same prefix), so this is a key cursor.
        last_id = stored_id(scope, last_key)
        cursor = {
            "$or": [{"createdAt": {"$lt": moment}}, {"createdAt": moment, "_id": {"$lt": last_id}}]
        }
        paged = {"$and": [query, cursor]}
    found = (
        records_of(db, scope)
        .find(paged)
        .sort([("createdAt", DESCENDING), ("_id", DESCENDING)])
        .skip(skip)
        .limit(limit)
    )
    with database_errors():
        documents, total = await asyncio.gather(
            found.to_list(length=limit), records_of(db, scope).count_documents(query)
        )
    return Page(records=[record_from(doc) for doc in documents], total=int(total))


async def clear_properties(db: Database, scope: Scope, paths: list[tuple[str, ...]]) -> None:
    """Remove the values at `paths` from every record of the scope (a field was deleted)."""
    if not paths:
        return
    with database_errors():
        await records_of(db, scope).update_many(
            {"project": scope.project, "ns": scope.ns},
            # Every write bumps `rev` (it backs ETags), this one too.
            {"$unset": dict.fromkeys((field_of(path) for path in paths), ""), "$inc": {"rev": 1}},
        )


async def update_field(
    db: Database, *, project: str, field_id: str, changes: dict[str, Any]
) -> dict[str, Any]:
    """Apply a field's new settings in one atomic write; the field as it is afterwards.

    New options are merged into the stored ones rather than replacing them: an option
    that another client added meanwhile, which this request could not name, stays
    (HighLevel never removes an option). Values go in as literals, since a pipeline
    would read a string starting with `$` as a field path."""
    stage: dict[str, Any] = {name: {"$literal": value} for name, value in changes.items()}
    if "options" in changes:
        named = [option["key"] for option in changes["options"]]
        others = {
            "$filter": {
                "input": {"$ifNull": ["$options", []]},
                "cond": {"$not": [{"$in": ["$$this.key", {"$literal": named}]}]},
            }
        }
        stage["options"] = {"$concatArrays": [{"$literal": changes["options"]}, others]}
    stage["updatedAt"] = {"$literal": now()}
    stage["rev"] = {"$add": [{"$ifNull": ["$rev", 0]}, 1]}
    selector = {"_id": field_id, "project": project, "category": FIELD_CATEGORY}
    with database_errors():
        result = await db[DEFINITIONS].update_one(selector, [{"$set": stage}])
    if not result.matched_count:
        raise NotFound("field not found")
    return await definitions.get(
        db, project=project, category=FIELD_CATEGORY, definition_id=field_id
    )


async def delete_field(db: Database, *, project: str, field_id: str) -> dict[str, Any]:
    """Delete a field and take it out of its object's searchable properties, in one
    transaction; the field exactly as it was deleted (its options say where its values
    are). NotFound, or OwnerNotFound for the field's object; PreconditionFailed for the primary
    display property, which stays."""

    async def work(session: Any) -> dict[str, Any]:
        stored = db[DEFINITIONS]
        selector = {"_id": field_id, "project": project, "category": FIELD_CATEGORY}
        # Read and delete in one snapshot: an edit in between makes the delete conflict.
        doc = await stored.find_one(selector, session=session)
        if doc is None:
            raise NotFound("field not found")
        owner = {"project": project, "category": OBJECT_CATEGORY, "key": doc["objectKey"]}
        result = await stored.update_one(
            {**owner, "primaryDisplayProperty": {"$ne": doc["key"]}},
            {
                "$pull": {"searchableProperties": doc["key"]},
                "$set": {"updatedAt": now()},
                "$inc": {"rev": 1},
            },
            session=session,
        )
        if not result.matched_count:
            if await stored.find_one(owner, {"_id": 1}, session=session) is None:
                raise OwnerNotFound("object not found")
            raise PreconditionFailed("the primary display property stays")
        await stored.delete_one(selector, session=session)
        return dict(doc)

    return await transactions.run(db, work)
