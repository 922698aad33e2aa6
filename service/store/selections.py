"""Reading, counting and updating the records a neutral query (service.core.queries)
selects within one scope."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import OperationFailure

from service.core.compiler import compile_plan
from service.core.documents import StoredRecord, record_from
from service.core.operations import Plan
from service.core.queries import Order, Query
from service.store import catalog
from service.store.catalog import CATALOG
from service.store.client import Database, rewrites_every_index
from service.store.errors import INDEX_NOT_FOUND, database_errors
from service.store.queries import cursor, render
from service.store.records import Scope, now, records_of, rendered
from service.store.versions import slot_ids_of

MIGRATIONS = "migrations"  # one mark per migration done: {_id: its name}


async def find(db: Database, scope: Scope, query: Query) -> list[StoredRecord]:
    """The records the query selects, in its order, one page of them."""
    found = cursor(records_of(db, scope), rendered(scope, query))
    with database_errors():
        return [record_from(doc) async for doc in found]


async def count(db: Database, scope: Scope, query: Query) -> int:
    """How many records the query's condition selects (its order and page aside)."""
    selected = rendered(scope, Query(where=query.where))
    with database_errors():
        return int(await records_of(db, scope).count_documents(selected.filter))


async def page(db: Database, scope: Scope, query: Query) -> tuple[list[StoredRecord], int]:
    """One page and the total of the condition, read concurrently (one round trip of
    latency); from the catalog when it answers the query (no index on the records)."""
    if catalog.answers(scope, query):
        return await catalog.listed_page(db, scope, query)
    records, total = await asyncio.gather(find(db, scope, query), count(db, scope, query))
    return records, total


async def update_where(db: Database, scope: Scope, query: Query, plan: Plan) -> int:
    """Apply `plan` to every record the query's condition selects (each record atomically,
    not all together); how many it changed. A record the plan's guards refuse is skipped."""
    compiled = compile_plan(plan, now=now())
    within = rendered(scope, Query(where=query.where)).filter
    chosen = {"$and": [within, compiled.filter]} if compiled.filter else within
    with database_errors():
        result = await records_of(db, scope).update_many(chosen, compiled.update)
    return int(result.modified_count)


async def delete_where(db: Database, scope: Scope, query: Query) -> int:
    """Delete the records the query's condition selects, their versions and catalog
    entries; how many. Not one transaction (it may be any size): the entries go last, and
    a listing skips an entry whose record is gone."""
    selected = rendered(scope, Query(where=query.where))
    with database_errors():
        chosen = records_of(db, scope).find(selected.filter, {"_id": 1, "version": 1})
        live = [doc async for doc in chosen]
        if not live:
            return 0
        ids = [doc["_id"] for doc in live]
        await records_of(db, scope).delete_many({"_id": {"$in": slot_ids_of(scope, live)}})
        result = await records_of(db, scope).delete_many({"_id": {"$in": ids}})
        if scope.catalogued:
            await db[CATALOG].delete_many({"_id": {"$in": ids}})
    return int(result.deleted_count)


async def adopt_catalog(
    db: Database, collection: str, order: Sequence[Order], ns_prefix: str
) -> None:
    """Serve the listings of the namespaces starting with `ns_prefix` in `collection` from
    the catalog. Once (a mark in MIGRATIONS says so), the records written before those
    namespaces had a catalog get their entries (catalog.catalogue). Then the index of the
    records by project, ns and `order`, which served those listings before and serves
    searches with a condition, is kept where an index the hot writes leave unchanged
    costs them nothing (MongoDB), and dropped where it costs every write (SecantusDB)."""
    mark = {"_id": f"catalog:{collection}:{ns_prefix}"}
    keys: list[tuple[str, Any]] = [("project", ASCENDING), ("ns", ASCENDING)]
    ordered = render(Query(order=tuple(order)), {}, lambda key: key)
    keys += [(name, DESCENDING if way < 0 else ASCENDING) for name, way in ordered.sort]
    with database_errors():
        if await db[MIGRATIONS].find_one(mark) is None:
            await catalog.catalogue(db, collection, ns_prefix)
            await db[MIGRATIONS].replace_one(mark, mark, upsert=True)
        if not await rewrites_every_index(db):
            await db[collection].create_index(keys)
            return
        existing = await db[collection].index_information()
        # Key specs compared as given: a direction may be 1, -1.0 or a kind ("hashed").
        for name, spec in existing.items():
            if list(map(tuple, spec["key"])) == keys:
                await _drop_index(db[collection], name)


async def _drop_index(collection: AsyncCollection, name: str) -> None:
    try:
        await collection.drop_index(name)
    except OperationFailure as exc:
        if exc.code != INDEX_NOT_FOUND:  # another replica starting dropped it first
            raise
