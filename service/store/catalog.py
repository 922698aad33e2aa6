"""Catalogued namespaces and records bound to a definition.

A namespace whose scope names `listed` metadata fields has a catalog: a side collection
with one small entry per record (key, project, ns, creation time and those fields) that
listings read instead of an index on the records. SecantusDB maintains every index of a
collection on every write, and the records take the hot writes while a listing changes only
on create, metadata change and delete; those three write the record and its entry in one
transaction, so the two never disagree.

A record may be bound to a definition (`Binding`): it carries the definition's id in a
metadata field and a copy of some of the definition's fields (a collection's schema), so
a write can require them in its own filter instead of reading the definition first. The
create checks, in its transaction, that the definition still has the values the caller
validated against, and writes one of the definition's guard stripes; `rebind` changes the
definition and its records' copies in one transaction that writes every stripe, so a
create and a rebind never interleave, while creates collide only once in STRIPES.
"""

from __future__ import annotations

import asyncio
import random
import re
from dataclasses import dataclass, field
from typing import Any

from pymongo.errors import BulkWriteError

from service.core.compiled import revision_mismatch
from service.core.documents import StoredRecord, decode_key
from service.core.queries import CREATED, KEY, Meta, Query
from service.errors import Conflict, DefinitionChanged, RecordNotFound
from service.store import definitions, holding, transactions, versions
from service.store.client import Database
from service.store.errors import DUPLICATE_KEY, database_errors
from service.store.locks import RecordLocks
from service.store.queries import cursor
from service.store.records import (
    Scope,
    identity_id,
    new_document,
    now,
    records_by_id,
    records_of,
    rendered,
    selector,
    stub,
)

CATALOG = "catalog"
STRIPES = 16


@dataclass(frozen=True)
class Binding:
    """The definition a new record is bound to, and the copies it must still agree with."""

    category: str
    definition_id: str
    link: str  # the record's metadata field holding `definition_id`
    copies: dict[str, Any] = field(default_factory=dict)  # definition field -> value


async def ensure_index(db: Database, *fields: str) -> None:
    """Listings by these catalogued fields, in key order."""
    keys = [("project", 1), ("ns", 1), *((name, 1) for name in fields), ("_id", 1)]
    with database_errors():
        await db[CATALOG].create_index(keys)


def _entry(scope: Scope, key: Any, document: dict[str, Any]) -> dict[str, Any]:
    entry = {name: document.get(name) for name in scope.listed}
    entry |= {"_id": identity_id(scope, key), "project": scope.project, "ns": scope.ns}
    return entry | {"createdAt": document["createdAt"]}


async def create(
    db: Database,
    scope: Scope,
    key: Any,
    data: Any,
    meta: dict[str, Any],
    *,
    binding: Binding | None = None,
) -> StoredRecord:
    """Insert a record, its catalog entry and (bound) its copies, in one transaction;
    DefinitionChanged when the definition's fields moved: validate again and retry."""
    if binding is not None:
        meta = {**meta, binding.link: binding.definition_id, **binding.copies}
    moment = now()
    document = new_document(scope, key, data, meta, moment)

    async def work(session: Any) -> None:
        if binding is not None:
            await _guard(db, session, scope.project, binding, random.randrange(STRIPES))
            current = await definitions.get(
                db,
                project=scope.project,
                category=binding.category,
                definition_id=binding.definition_id,
                session=session,
            )
            if any(current.get(name) != value for name, value in binding.copies.items()):
                raise DefinitionChanged("the definition changed meanwhile")
        inserted = [document, stub(scope, key)] if scope.held else [document]
        await records_of(db, scope).insert_many(inserted, session=session)
        if scope.catalogued:
            await db[CATALOG].insert_one(_entry(scope, key, document), session=session)

    await transactions.run(db, work)
    return StoredRecord(key, scope.project, scope.ns, data, 0, 0, moment, moment, meta)


async def set_meta(
    db: Database, scope: Scope, key: Any, changes: dict[str, Any], *, locks: RecordLocks
) -> None:
    """Change metadata only (content and versions stay) on the record and its catalog
    entry, in one transaction: concurrent changes cannot cross."""
    found = selector(scope, key)
    update = {"$set": {**changes, "updatedAt": now()}, "$inc": {"rev": 1}}

    async def work(session: Any) -> None:
        result = await records_of(db, scope).update_one(found, update, session=session)
        if not result.matched_count:
            raise Conflict("the record was deleted meanwhile")
        await _list(db, scope, key, changes, session)

    async with locks.hold(scope.collection, key):  # queue here rather than conflict
        await transactions.run(db, work)


async def release(
    db: Database, scope: Scope, key: Any, changes: dict[str, Any], *, locks: RecordLocks
) -> None:
    """Move the held record `key` of `scope` (held form) back under its global `_id` with
    metadata `changes`, and its catalog entry's, in one transaction (service.store.holding).
    RecordNotFound when it is not held (moved or deleted meanwhile)."""
    records = records_of(db, scope)

    async def work(session: Any) -> None:
        document = await records.find_one(selector(scope, key), session=session)
        if document is None:
            raise RecordNotFound("record not found", details={"id": key})
        await holding.release(db, scope, key, document, changes, session)
        await _list(db, scope, key, changes, session)

    async with locks.hold(scope.collection, key):
        await transactions.run(db, work)


async def _list(
    db: Database, scope: Scope, key: Any, changes: dict[str, Any], session: Any
) -> None:
    """The catalog entry's copy of the `changes` it lists, inside the caller's transaction."""
    listed = {name: value for name, value in changes.items() if name in scope.listed}
    if listed:
        entry = {"_id": identity_id(scope, key)}
        await db[CATALOG].update_one(entry, {"$set": listed}, session=session)


async def delete(
    db: Database, scope: Scope, key: Any, *, locks: RecordLocks, expected_rev: int | None = None
) -> int:
    """Delete the record, its versions and its catalog entry in one transaction (no
    listing shows a deleted record); how many versions went with it. With `expected_rev`,
    only at that revision (RevisionMismatch)."""
    found = selector(scope, key)

    async def work(session: Any) -> int:
        # Read and delete in one snapshot: a write in between makes the delete conflict.
        live = await records_of(db, scope).find_one(
            found, {"version": 1, "rev": 1}, session=session
        )
        if live is None:
            raise RecordNotFound("record not found", details={"id": key})
        if expected_rev is not None and live["rev"] != expected_rev:
            raise revision_mismatch(live["rev"], expected_rev)
        # The record, its stub and its versions share the collection: one statement.
        gone = [found["_id"], *versions.slot_ids(scope, key, live.get("version", 0))]
        if scope.held:
            gone.append(identity_id(scope, key))
        await records_of(db, scope).delete_many({**found, "_id": {"$in": gone}}, session=session)
        if scope.catalogued:
            await db[CATALOG].delete_one({"_id": identity_id(scope, key)}, session=session)
        return int(live.get("version", 0))

    async with locks.hold(scope.collection, key):  # the record's writers queue here
        return await transactions.run(db, work)


async def listing(db: Database, scope: Scope, query: Query) -> list[dict[str, Any]]:
    """One page of the catalog: each entry's `key`, `createdAt` and listed fields."""
    # Catalog entries share their record's `_id`: the records' rendering applies.
    found = cursor(db[CATALOG], rendered(scope, query))
    shown = ("createdAt", *scope.listed)
    with database_errors():
        return [
            {"key": decode_key(doc["_id"]), **{name: doc.get(name) for name in shown}}
            async for doc in found
        ]


async def listed_records(db: Database, scope: Scope, query: Query) -> list[StoredRecord]:
    """The records of one page of the catalog, in its order: the entries, then the records
    by `_id` (two reads). An entry whose record `delete_where` has just removed is skipped."""
    found = cursor(db[CATALOG], rendered(scope, query))
    with database_errors():
        ids = [doc["_id"] async for doc in found]
    return await records_by_id(records_of(db, scope), scope, ids) if ids else []


async def catalogue(db: Database, collection: str, ns_prefix: str) -> int:
    """Bring the catalog of the namespaces starting with `ns_prefix` in `collection` in
    step with their live records, for namespaces that list no metadata: an entry for each
    record that has none, and none left for a record that is gone (those namespaces live
    in `collection` alone); how many were added.
    Safe to repeat, and beside a replica doing the same (a duplicate entry is refused by
    its `_id` and skipped) or serving writes. Versions carry no `ns`."""
    within = {"ns": {"$regex": "^" + re.escape(ns_prefix)}}
    fields = {"project": 1, "ns": 1, "createdAt": 1}
    with database_errors():
        listed = {doc["_id"] async for doc in db[CATALOG].find(within, {"_id": 1})}
        live = {doc["_id"]: doc async for doc in db[collection].find(within, fields)}
        missing = [doc for key, doc in live.items() if key not in listed]
        added = await _insert_new(db, missing)
        # An entry without its record: one a delete left while its record had no entry
        # (an earlier release's replica), or one added above for a record deleted since it
        # was read (its delete found no entry to remove). A delete after the check below
        # removes the entry itself.
        suspects = (listed - live.keys()) | {doc["_id"] for doc in missing}
        if suspects:
            still = db[collection].find({"_id": {"$in": list(suspects)}}, {"_id": 1})
            gone = suspects - {doc["_id"] async for doc in still}
            if gone:
                await db[CATALOG].delete_many({"_id": {"$in": list(gone)}})
    return added


async def _insert_new(db: Database, entries: list[dict[str, Any]]) -> int:
    if not entries:
        return 0
    try:
        result = await db[CATALOG].insert_many(entries, ordered=False)
    except BulkWriteError as exc:
        refused = exc.details["writeErrors"]
        if any(error.get("code") != DUPLICATE_KEY for error in refused):
            raise
        return int(exc.details["nInserted"])
    return len(result.inserted_ids)


def answers(scope: Scope, query: Query) -> bool:
    """Whether the catalog alone selects and orders the query's page: a catalogued scope,
    no condition, an order of the fields its entries carry."""
    carried = (KEY, CREATED, *map(Meta, scope.listed))
    return scope.catalogued and query.where is None and all(o.field in carried for o in query.order)


async def listed_page(db: Database, scope: Scope, query: Query) -> tuple[list[StoredRecord], int]:
    """`listed_records` and the catalog's count of the scope, the two reads sent together
    (the records then follow: two round trips of latency)."""
    counted = db[CATALOG].count_documents(rendered(scope, Query()).filter)
    with database_errors():
        found, total = await asyncio.gather(listed_records(db, scope, query), counted)
    return found, int(total)


async def rebind(
    db: Database,
    scope: Scope,
    binding: Binding,
    *,
    unset: tuple[str, ...] = (),
) -> None:
    """Set the definition's fields to `binding.copies` (and unset `unset`) and copy them
    onto its records, in one transaction that writes every stripe of its guard."""
    records = {"project": scope.project, "ns": scope.ns, binding.link: binding.definition_id}
    # rev moves too, so a versioned write racing with this sees the record changed.
    copied = {**binding.copies, **dict.fromkeys(unset)}
    update = {"$set": copied, "$inc": {"rev": 1}}

    async def work(session: Any) -> None:
        await definitions.update(
            db,
            project=scope.project,
            category=binding.category,
            definition_id=binding.definition_id,
            changes=binding.copies,
            unset=unset,
            session=session,
        )
        for stripe in range(STRIPES):
            await _guard(db, session, scope.project, binding, stripe)
        await records_of(db, scope).update_many(records, update, session=session)
        if binding.copies:
            await holding.release_bound(db, scope, records, session)

    await transactions.run(db, work)


async def _guard(db: Database, session: Any, project: str, binding: Binding, stripe: int) -> None:
    name = f"{binding.category}/{binding.definition_id}/{stripe}"
    await transactions.guard(db, session, project=project, name=name)
