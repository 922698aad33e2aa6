"""Reading, counting and updating the records a neutral query (service.core.queries)
selects within one scope."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING, DESCENDING

from service.core.compiler import compile_plan
from service.core.documents import StoredRecord, record_from
from service.core.operations import Plan
from service.core.queries import Order, Query
from service.store import catalog
from service.store.catalog import CATALOG
from service.store.client import Database
from service.store.errors import database_errors
from service.store.queries import cursor, render
from service.store.records import Scope, now, records_of, rendered
from service.store.versions import slot_ids_of


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


async def retire_index(
    db: Database, collection: str, order: Sequence[Order], ns_prefix: str
) -> bool:
    """Replace an earlier release's index of the records by project, ns and `order` with
    the catalog: if the index is there, give the records of the namespaces starting with
    `ns_prefix` their catalog entries, then drop it (SecantusDB rewrites every index entry
    of a record on every write of it). In that order, so a start that stops in between
    does both again. Whether the index was there."""
    keys: list[tuple[str, Any]] = [("project", ASCENDING), ("ns", ASCENDING)]
    ordered = render(Query(order=tuple(order)), {}, lambda key: key)
    keys += [(name, DESCENDING if way < 0 else ASCENDING) for name, way in ordered.sort]
    with database_errors():
        existing = await db[collection].index_information()
    names = [n for n, spec in existing.items() if [(f, int(w)) for f, w in spec["key"]] == keys]
    if not names:
        return False
    await catalog.catalogue(db, collection, ns_prefix)
    with database_errors():
        await db[collection].drop_index(names[0])
    return True
