"""Moves of a record between its global form and its project's hold (records.Scope.held).

A held record lives under its project's `_id`, so its writes filter on that `_id` alone;
its global `_id` keeps a stub naming the holder. A move rewrites the live record under the
other `_id`, and the stub, in one transaction (`hold`'s own; `release` runs inside that of
catalog.release or catalog.rebind, which write the catalog too); the versions and the
catalog entry, keyed by the global `_id`, stay where they are. A move bumps `rev` as every
write does, so a write that read the record before it cannot commit on it afterwards.

A held record carries no copy of a definition (catalog.Binding): a copy is something a
write must check, and a held record's write checks nothing but its `_id`. So `rebind`,
when it sets copies, releases the bound records that are held (`release_bound`).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from service.core.documents import decode_key, key_prefix
from service.store import transactions
from service.store.client import Database
from service.store.records import (
    Scope,
    identity_id,
    now,
    records_of,
    selector,
    stored_id,
    stub,
)


def _moved(document: dict[str, Any], new_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    moved = {**document, **changes, "_id": new_id, "rev": document["rev"] + 1}
    if changes:
        moved["updatedAt"] = now()
    return {name: value for name, value in moved.items() if value is not None}


async def hold(db: Database, scope: Scope, key: Any, conditions: dict[str, Any]) -> bool:
    """Move the record `key` of `scope` (global form) into its project's hold, as long as
    it still meets `conditions` (the metadata the caller decided on); False when it does
    not, or is gone or held already."""
    held = dataclasses.replace(scope, held=True)
    records = records_of(db, scope)

    async def work(session: Any) -> bool:
        document = await records.find_one(selector(scope, key, conditions), session=session)
        if document is None:
            return False
        await records.replace_one({"_id": document["_id"]}, stub(held, key), session=session)
        await records.insert_one(_moved(document, stored_id(held, key), {}), session=session)
        return True

    return await transactions.run(db, work)


async def release_bound(db: Database, scope: Scope, bound: dict[str, Any], session: Any) -> None:
    """Inside the caller's transaction: release every held record of the project among
    those `bound` selects (scope: the global form)."""
    if not scope.global_keys:
        return  # only records with global keys can be held
    held = dataclasses.replace(scope, held=True)
    mine = {"$regex": "^" + re.escape(key_prefix(scope.project, scope.ns))}
    found = records_of(db, scope).find({**bound, "_id": mine}, session=session)
    async for document in found:
        await release(db, held, decode_key(document["_id"]), document, {}, session)


async def release(
    db: Database,
    scope: Scope,
    key: Any,
    document: dict[str, Any],
    changes: dict[str, Any],
    session: Any,
) -> None:
    """Inside the caller's transaction: the held `document` (record `key` of `scope`, held
    form) back under its global `_id` with metadata `changes`, replacing its stub."""
    records = records_of(db, scope)
    identity = identity_id(scope, key)
    await records.replace_one(
        {"_id": identity}, _moved(document, identity, changes), session=session
    )
    await records.delete_one({"_id": document["_id"]}, session=session)
