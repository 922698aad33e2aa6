"""Versioned writes: each keeps the content it replaces as a separate, numbered document.

Layout: versions collection `{project, record, version, data, baseRev, createdAt,
keysEscaped?}`, unique on (record, version); `record` is the live record's `_id` (its
identity, service.core.documents), `data` its content as stored, `baseRev` the live
revision that content had; `project` lets a project's versions go without its records.
Versions are numbered from 1: the first versioned write archives the content it replaces
as version 1. The live record's `version` counts the versions that exist; a version
document numbered above it is an orphan of an interrupted write and is treated as absent.

Protocol (3 round trips when uncontended, none of which grows with the history):
  1. read the live record: content C, version n, rev r;
  2. claim slot n+1: upsert {record, version: n+1, data: C, baseRev: r} where the slot is
     absent or has baseRev <= r; a duplicate-key error means a writer that saw a newer
     revision owns the slot: start again;
  3. compare-and-swap the live record on rev r: new content, version n+1, rev r+1.
     A miss means someone wrote in between: start again.
Writers of one record in one replica take turns under its lock (service/store/locks.py),
so "start again" happens only against other replicas, with jittered backoff, until the
write lands; the deletions below run under the same lock and loop.

Why nothing is lost or duplicated: `rev` only grows and every write bumps it, so a
revision names exactly one content. The CAS in step 3 succeeds only if the record is still
at r, so the content archived as n+1 is the content the new one replaced, and only one
writer can move the counter from n to n+1. After that CAS, the only writers that may still
touch slot n+1 read the record before it, at some r' <= r: with r' = r they write the same
C again; with r' < r the filter (baseRev <= r') no longer matches, and the upsert fails on
the unique index instead of overwriting. Slots above the counter (a crash between steps 2
and 3) are invisible and get replaced by the writer that reaches that number, whose rev is
higher. Deleting the versions bumps rev too, so a writer that read before cannot commit.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from motor.motor_asyncio import AsyncIOMotorCollection, AsyncIOMotorDatabase
from pymongo.errors import DuplicateKeyError

from service.core.compiler import compile_plan, revision_mismatch
from service.core.documents import content_of
from service.core.operations import Plan
from service.errors import RecordNotFound, VersionNotFound
from service.store.errors import database_errors
from service.store.locks import RecordLocks, contended, settle
from service.store.records import Scope, now, records_of, selector, stored_id

VERSIONS = "versions"
_LIVE_FIELDS = {"data": 1, "rev": 1, "version": 1, "keysEscaped": 1}


@dataclass(frozen=True)
class VersionedReceipt:
    id: Any
    version: int  # the number the replaced content was archived under
    rev: int
    updated_at: datetime


@dataclass(frozen=True)
class StoredVersion:
    version: int
    data: Any
    created_at: datetime


def versions_of(database: AsyncIOMotorDatabase) -> AsyncIOMotorCollection:
    return database[VERSIONS]


def slots_of(scope: Scope, record_id: Any) -> dict[str, Any]:
    """The filter of one record's versions (`record` alone: see service.store.indexes)."""
    return {"record": stored_id(scope, record_id)}


async def apply_versioned(
    database: AsyncIOMotorDatabase,
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
    database: AsyncIOMotorDatabase,
    scope: Scope,
    record_id: Any,
    plan: Plan,
    *,
    live: dict[str, Any] | None = None,
) -> VersionedReceipt:
    """One attempt of the protocol; `contended()` when another writer got in first.

    `live` is the stored document (data, rev, version, keysEscaped) when the caller has
    just read it (under the record's lock): the attempt then starts from it.
    """
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
    if not await _claim(versions_of(database), scope, record_id, number, live, moment):
        raise contended()
    with database_errors():
        result = await records_of(database, scope).update_one(
            {**selector(scope, record_id), **compiled.filter}, compiled.update
        )
    if result.matched_count and compiled.limits and not result.modified_count:
        raise compiled.limit_failure()
    if not result.matched_count:
        raise contended()
    return VersionedReceipt(record_id, number, rev + 1, moment)


async def _claim(
    versions: AsyncIOMotorCollection,
    scope: Scope,
    record_id: Any,
    number: int,
    live: dict[str, Any],
    at: datetime,
) -> bool:
    """Write slot `number` unless a writer with a newer view of the record owns it."""
    slots = slots_of(scope, record_id)
    slot = {"project": scope.project, **slots, "version": number, "data": live.get("data")}
    slot |= {"baseRev": live["rev"], "createdAt": at}
    if live.get("keysEscaped"):
        slot["keysEscaped"] = True
    query = {**slots, "version": number, "baseRev": {"$lte": live["rev"]}}
    with database_errors():
        try:
            await versions.replace_one(query, slot, upsert=True)
        except DuplicateKeyError:
            return False
    return True


async def _read_live(
    database: AsyncIOMotorDatabase, scope: Scope, record_id: Any, fields: Any = None
) -> dict[str, Any]:
    with database_errors():
        live = await records_of(database, scope).find_one(
            selector(scope, record_id), fields or _LIVE_FIELDS
        )
    if live is None:
        raise RecordNotFound("record not found", details={"id": record_id})
    return dict(live)


async def read_version(
    database: AsyncIOMotorDatabase, scope: Scope, record_id: Any, number: int
) -> StoredVersion:
    """Version `number` (1-based) of a record; NotFound unless 1 <= number <= its count."""
    with database_errors():
        live, slot = await asyncio.gather(
            records_of(database, scope).find_one(selector(scope, record_id), {"version": 1}),
            versions_of(database).find_one({**slots_of(scope, record_id), "version": number}),
        )
    if live is None:
        raise RecordNotFound("record not found", details={"id": record_id})
    if slot is None or not 1 <= number <= live.get("version", 0):
        raise VersionNotFound("version not found", details={"version": number})
    return StoredVersion(version=number, data=content_of(slot), created_at=slot["createdAt"])


async def count_versions(database: AsyncIOMotorDatabase, scope: Scope, record_id: Any) -> int:
    live = await _read_live(database, scope, record_id, {"version": 1})
    return int(live.get("version", 0))


async def delete_versions(
    database: AsyncIOMotorDatabase,
    scope: Scope,
    record_id: Any,
    *,
    locks: RecordLocks | None = None,
) -> int:
    """Delete every version; the live content (the latest) stays. Returns how many."""
    return await _reset(database, scope, record_id, locks, to_first=False)


async def delete_versions_to_first(
    database: AsyncIOMotorDatabase,
    scope: Scope,
    record_id: Any,
    *,
    locks: RecordLocks | None = None,
) -> int:
    """Delete every version and make version 1 (the original content) live again."""
    return await _reset(database, scope, record_id, locks, to_first=True)


async def _reset(
    database: AsyncIOMotorDatabase,
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
    database: AsyncIOMotorDatabase, scope: Scope, record_id: Any, *, to_first: bool
) -> int:
    live = await _read_live(database, scope, record_id, {"rev": 1, "version": 1})
    count, rev = live.get("version", 0), live["rev"]
    if count == 0:
        return 0
    fields: dict[str, Any] = {"version": 0, "updatedAt": now()}
    if to_first:
        fields |= await _first_content(database, slots_of(scope, record_id))
    with database_errors():
        result = await records_of(database, scope).update_one(
            {**selector(scope, record_id), "rev": rev}, {"$set": fields, "$inc": {"rev": 1}}
        )
        if not result.matched_count:
            raise contended()
        # Only slots archived up to `rev`: a writer that starts after the reset archives
        # revisions above it, and its slots must survive.
        slots = {**slots_of(scope, record_id), "baseRev": {"$lte": rev}}
        await versions_of(database).delete_many(slots)
    return int(count)


async def _first_content(database: AsyncIOMotorDatabase, slots: dict[str, Any]) -> dict[str, Any]:
    """Version 1's content as stored, ready to become the live content again."""
    with database_errors():
        slot = await versions_of(database).find_one({**slots, "version": 1})
    if slot is None:
        raise VersionNotFound("version not found", details={"version": 1})
    return {"data": slot["data"], "keysEscaped": bool(slot.get("keysEscaped"))}
