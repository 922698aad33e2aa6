"""Versioned writes: each keeps the content it replaces as a separate, numbered document.

Layout: a version lives in its record's own collection, as `{_id, project, version, data,
baseRev, createdAt, keysEscaped?}`: its `_id` is the record's identity and the number
(service.core.documents.encode_version_key), so the `_id` index every collection has makes
a slot claimable by one writer only, and no other index is needed. It carries no `ns`, so
no query over a namespace's records (which always names `ns`) meets it; `project` lets a
project's versions go with its records. `data` is the replaced content as stored, `baseRev`
the live revision that content had. Versions are numbered from 1: the first versioned
write archives the content it replaces as version 1. The live record's `version` counts
the versions that exist; a version document numbered above it is an orphan of an
interrupted write and is treated as absent.

Protocol (2 round trips when uncontended, neither of which grows with the history):
  1. read the live record: content C, version n, rev r (or take it as this replica's last
     write left it, when that is trusted: service.store.lastwrites; then 1 round trip);
  2. one ordered update command of two statements (the slot and the record share a
     collection, so they can):
     a. claim slot n+1: upsert {version n+1, data C, baseRev r} where the slot is absent
        or has baseRev <= r; a duplicate-key error means a writer that saw a newer revision
        owns the slot, and the ordered command stops before (b): start again. (Sent
        first as an upsert whose filter matches nothing, which takes an absent slot the
        same way and costs the embedded database less; only when the slot exists does a
        second command send this upsert, with (b) again.)
     b. compare-and-swap the live record on rev r: new content, version n+1, rev r+1.
        A miss means someone wrote in between: start again.
Writers of one record in one replica take turns under its lock (service/store/locks.py),
so "start again" happens only against other replicas, with jittered backoff, until the
write lands; the deletions below run under the same lock and loop.

Why nothing is lost or duplicated: `rev` only grows and every write bumps it, so a
revision names exactly one content. The CAS in (b) succeeds only if the record is still
at r, so the content archived as n+1 is the content the new one replaced, and only one
writer can move the counter from n to n+1. After that CAS, the only writers that may still
touch slot n+1 read the record before it, at some r' <= r: with r' = r they write the same
C again; with r' < r the filter (baseRev <= r') no longer matches, and the upsert fails on
the `_id` index instead of overwriting. Slots above the counter (a crash between the two
statements, or a CAS that missed) are invisible and get replaced by the writer that
reaches that number, whose rev is higher. Deleting the versions bumps rev too, so a writer
that read before cannot commit.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import ReplaceOne, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError
from pymongo.results import BulkWriteResult

from service.core.compiled import CompiledUpdate, revision_mismatch
from service.core.compiler import compile_plan
from service.core.documents import content_of, decode_identity, decode_key, encode_version_key
from service.core.operations import Plan
from service.errors import RecordNotFound, VersionNotFound
from service.store.errors import DUPLICATE_KEY, database_errors, refused_write
from service.store.locks import RecordLocks, contended, settle
from service.store.records import (
    RECORDS,
    Scope,
    narrowed,
    now,
    records_of,
    selector,
    stored_id,
)

# Where versions lived before they moved into their records' collections (migrate_versions).
OLD_VERSIONS = "versions"
_LIVE_FIELDS = {"data": 1, "rev": 1, "version": 1, "keysEscaped": 1}


@dataclass(frozen=True)
class VersionedReceipt:
    id: Any
    version: int  # the number the replaced content was archived under
    rev: int
    updated_at: datetime
    # The record as the write left it, when the attempt started from a whole document.
    document: dict[str, Any] | None = None


@dataclass(frozen=True)
class StoredVersion:
    version: int
    data: Any
    created_at: datetime


def slot_id(scope: Scope, record_id: Any, number: int) -> str:
    """The `_id` of version `number` of the scope's record `record_id`."""
    owner = None if scope.global_keys else scope.project
    return encode_version_key(owner, scope.ns, record_id, number)


def slot_ids(scope: Scope, record_id: Any, count: int) -> list[str]:
    """The `_id`s of a record's versions 1..count, and of the one orphan slot a claim
    above the count can have left (count + 1)."""
    return [slot_id(scope, record_id, n) for n in range(1, count + 2)]


async def apply_versioned(
    database: AsyncDatabase,
    scope: Scope,
    record_id: Any,
    plan: Plan,
    *,
    locks: RecordLocks | None = None,
) -> VersionedReceipt:
    """Apply `plan`, archiving the content it replaces as the next version; retried under
    the record's lock until it lands (a failing precondition is raised, not retried)."""
    compile_plan(plan, now=now())  # refuse an invalid plan before any I/O
    return await settle(
        locks,
        scope.collection,
        record_id,
        lambda: apply_versioned_once(database, scope, record_id, plan),
    )


async def apply_versioned_once(
    database: AsyncDatabase,
    scope: Scope,
    record_id: Any,
    plan: Plan,
    *,
    live: dict[str, Any] | None = None,
    remembered: bool = False,
) -> VersionedReceipt:
    """One attempt of the protocol; `contended()` when another writer got in first.

    `live` is the stored document when the caller has just read it (under the record's
    lock), or is `remembered` as this replica's last write left it
    (service.store.lastwrites): the attempt then starts from it, and the receipt holds the
    document it leaves. A remembered document is to the protocol what a slow writer's read
    is: the swap misses on its revision (and, for a record made again under the same key,
    on its creation time), and its claim leaves an orphan slot or the same content again.
    """
    given = live is not None
    if live is None:
        live = await _read_live(database, scope, record_id)
    rev, number = live["rev"], live.get("version", 0) + 1
    if plan.preconditions.rev is not None and plan.preconditions.rev != rev:
        raise revision_mismatch(rev, plan.preconditions.rev)
    moment = now()
    cas = dataclasses.replace(plan, preconditions=dataclasses.replace(plan.preconditions, rev=rev))
    compiled = compile_plan(cas, now=moment, version=number)
    error = compiled.explain(rev, content_of(live))  # fail early, before claiming
    if error is not None:
        raise error
    same = {"createdAt": live["createdAt"]} if remembered else {}
    collection = records_of(database, scope)
    await _claim_and_swap(collection, scope, record_id, live, compiled, moment, same)
    computed = compiled.computed_on(live) if given else None
    after = None if computed is None else computed[1]
    return VersionedReceipt(record_id, number, rev + 1, moment, after)


async def _claim_and_swap(
    collection: AsyncCollection,
    scope: Scope,
    record_id: Any,
    live: dict[str, Any],
    compiled: CompiledUpdate,
    at: datetime,
    same: dict[str, Any],
) -> None:
    """Statements (a) and (b) of the protocol in one ordered update command: the slot
    inserted where it is absent (the common case), else claimed as (a) says; the swap
    also requires the fields `same` holds."""
    number = live.get("version", 0) + 1
    claimed = slot_id(scope, record_id, number)
    slot = {"project": scope.project, "version": number, "data": live.get("data")}
    slot |= {"baseRev": live["rev"], "createdAt": at}
    if live.get("keysEscaped"):
        slot["keysEscaped"] = True
    swap = UpdateOne(
        narrowed(_swap_selector(scope, record_id, live), compiled.filter | same), compiled.update
    )
    # First as an upsert whose filter matches nothing, so it inserts the slot where it is
    # absent and stops the command on the `_id` index where it is not: (a) for an absent
    # slot, in the same update command as (b), with no filter field beyond `_id` for the
    # embedded database to match (0.6M fewer of its instructions, 4.9M -> 4.3M for the
    # command: callgrind). An insert would be one more command.
    only_new = ReplaceOne({"_id": {"$in": []}}, {"_id": claimed, **slot}, upsert=True)
    result = await _ordered(collection, only_new, swap)
    claim_matched = 0
    if result is None:  # the slot exists: a stale one is claimed, a newer writer's is not
        claim = ReplaceOne({"_id": claimed, "baseRev": {"$lte": live["rev"]}}, slot, upsert=True)
        result = await _ordered(collection, claim, swap)
        if result is None:
            raise contended()  # a writer with a newer view owns the slot
        claim_matched = 1 - result.upserted_count
    swapped = result.matched_count - claim_matched
    if not swapped:
        raise contended()
    if compiled.limits and not await _swap_applied(
        collection, scope, record_id, live, result, claim_matched
    ):
        raise compiled.limit_failure()


async def _ordered(
    collection: AsyncCollection, claim: ReplaceOne[Any], swap: UpdateOne
) -> BulkWriteResult | None:
    """The claim, then the swap, in one ordered command; None when the claim met the slot
    on the `_id` index (the command stopped there, before the swap)."""
    try:
        with database_errors():
            return await collection.bulk_write([claim, swap], ordered=True)
    except BulkWriteError as exc:
        refused = exc.details["writeErrors"][0]  # ordered: the command stopped there
        if refused["index"] == 0 and refused.get("code") == DUPLICATE_KEY:
            return None
        raise refused_write(refused.get("code")) from None


def _swap_selector(scope: Scope, record_id: Any, live: dict[str, Any]) -> dict[str, Any]:
    """The record's `_id` alone: `live` was read in `scope` (its project checked then, and a
    record never changes project) and the swap requires its `rev`, so a global-key scope's
    project is not asked again: one field fewer for the embedded database to match."""
    if live.get("project", scope.project) != scope.project:
        raise RecordNotFound("record not found", details={"id": record_id})
    return {"_id": stored_id(scope, record_id)}


async def _swap_applied(
    collection: AsyncCollection,
    scope: Scope,
    record_id: Any,
    live: dict[str, Any],
    result: BulkWriteResult,
    claim_matched: int,
) -> bool:
    """Whether a matched swap changed the record (a plan with limits leaves it as it was
    when one would be exceeded). A write that applies always bumps `rev`, so a swap alone
    tells by `modified_count`; the command's count also holds the claim's when it matched a
    stale slot (rare), and then the record's rev tells."""
    if not claim_matched:
        return bool(result.modified_count)
    with database_errors():
        now_live = await collection.find_one(selector(scope, record_id), {"rev": 1})
    return now_live is not None and now_live["rev"] > live["rev"]


async def _read_live(
    database: AsyncDatabase, scope: Scope, record_id: Any, fields: Any = None
) -> dict[str, Any]:
    with database_errors():
        live = await records_of(database, scope).find_one(
            selector(scope, record_id), fields or _LIVE_FIELDS
        )
    if live is None:
        raise RecordNotFound("record not found", details={"id": record_id})
    return dict(live)


async def read_version(
    database: AsyncDatabase, scope: Scope, record_id: Any, number: int
) -> StoredVersion:
    """Version `number` (1-based) of a record; NotFound unless 1 <= number <= its count."""
    records = records_of(database, scope)
    with database_errors():
        live, slot = await asyncio.gather(
            records.find_one(selector(scope, record_id), {"version": 1}),
            records.find_one({"_id": slot_id(scope, record_id, number)}),
        )
    if live is None:
        raise RecordNotFound("record not found", details={"id": record_id})
    if slot is None or not 1 <= number <= live.get("version", 0):
        raise VersionNotFound("version not found", details={"version": number})
    return StoredVersion(version=number, data=content_of(slot), created_at=slot["createdAt"])


async def count_versions(database: AsyncDatabase, scope: Scope, record_id: Any) -> int:
    live = await _read_live(database, scope, record_id, {"version": 1})
    return int(live.get("version", 0))


async def delete_versions(
    database: AsyncDatabase,
    scope: Scope,
    record_id: Any,
    *,
    locks: RecordLocks | None = None,
) -> int:
    """Delete every version; the live content (the latest) stays. Returns how many."""
    return await _reset(database, scope, record_id, locks, to_first=False)


async def delete_versions_to_first(
    database: AsyncDatabase,
    scope: Scope,
    record_id: Any,
    *,
    locks: RecordLocks | None = None,
) -> int:
    """Delete every version and make version 1 (the original content) live again."""
    return await _reset(database, scope, record_id, locks, to_first=True)


async def _reset(
    database: AsyncDatabase,
    scope: Scope,
    record_id: Any,
    locks: RecordLocks | None,
    *,
    to_first: bool,
) -> int:
    return await settle(
        locks,
        scope.collection,
        record_id,
        lambda: _reset_once(database, scope, record_id, to_first=to_first),
    )


async def _reset_once(
    database: AsyncDatabase, scope: Scope, record_id: Any, *, to_first: bool
) -> int:
    live = await _read_live(database, scope, record_id, {"rev": 1, "version": 1})
    count, rev = live.get("version", 0), live["rev"]
    if count == 0:
        return 0
    fields: dict[str, Any] = {"version": 0, "updatedAt": now()}
    if to_first:
        fields |= await _first_content(database, scope, record_id)
    records = records_of(database, scope)
    with database_errors():
        result = await records.update_one(
            selector(scope, record_id, {"rev": rev}), {"$set": fields, "$inc": {"rev": 1}}
        )
        if not result.matched_count:
            raise contended()
        # Only slots archived up to `rev`: a writer that starts after the reset archives
        # revisions above it, and its slots must survive.
        archived = {"_id": {"$in": slot_ids(scope, record_id, count)}, "baseRev": {"$lte": rev}}
        await records.delete_many(archived)
    return int(count)


async def _first_content(database: AsyncDatabase, scope: Scope, record_id: Any) -> dict[str, Any]:
    """Version 1's content as stored, ready to become the live content again."""
    with database_errors():
        slot = await records_of(database, scope).find_one({"_id": slot_id(scope, record_id, 1)})
    if slot is None:
        raise VersionNotFound("version not found", details={"version": 1})
    return {"data": slot["data"], "keysEscaped": bool(slot.get("keysEscaped"))}


def slot_ids_of(scope: Scope, live: Iterable[dict[str, Any]]) -> list[str]:
    """`slot_ids` of each of these records (their `_id` and `version` as stored)."""
    return [
        slot
        for doc in live
        for slot in slot_ids(scope, decode_key(doc["_id"]), doc.get("version", 0))
    ]


async def migrate_versions(database: AsyncDatabase) -> int:
    """Move versions from the collection they had before (one for every record, with two
    indexes of its own) into their records' collection; how many moved. Only scopes in the
    default collection (JSONBin's bins) wrote versions then. Each is copied before it is
    deleted, so an interrupted move resumes where it stopped."""
    old = database[OLD_VERSIONS]
    records = database[RECORDS]
    moved = 0
    with database_errors():
        async for doc in old.find():
            project, ns, key = decode_identity(doc["record"])
            slot = {name: value for name, value in doc.items() if name not in ("_id", "record")}
            new_id = encode_version_key(project, ns, key, doc["version"])
            await records.replace_one({"_id": new_id}, slot, upsert=True)
            await old.delete_one({"_id": doc["_id"]})
            moved += 1
        if OLD_VERSIONS in await database.list_collection_names():
            await old.drop()
    return moved
