"""Multi-record writes: one plan on many ids, per-item plans best-effort, or all-or-nothing.

Best-effort calls write in ONE round trip (`update_many`, or one unordered `bulk_write`)
and read at most once to report per-item outcomes. MongoDB reports only totals for a
multi-record write, so each write also pushes an id into the record's `recentWrites`:
afterwards a record holding the id was changed by this call, one without it was refused
by its preconditions, and an absent one was not found. When every record was changed the
read is skipped: a write that applies always bumps `rev`, so "modified == number of
records" means exactly that.

The item types below also make up all-or-nothing batches (service.store.bulk).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from service.core.compiled import CompiledUpdate
from service.core.compiler import compile_plan
from service.core.documents import content_of
from service.core.operations import Plan
from service.errors import Invalid, PreconditionFailed, RecordHubError, RecordNotFound
from service.store.errors import refused_write
from service.store.records import (
    Scope,
    among,
    database_errors,
    now,
    records_of,
    stored_id,
    stored_ids,
)

ID_FIELD = "_id"  # the field an item's id is matched on (as in records.selector)
JUDGED_FIELDS = {"rev": 1, "data": 1, "keysEscaped": 1, "recentWrites": 1}


class Outcome(StrEnum):
    OK = "ok"
    NOT_FOUND = "not_found"
    PRECONDITION_FAILED = "precondition_failed"
    INVALID = "invalid"


@dataclass(frozen=True)
class ItemResult:
    id: Any
    outcome: Outcome
    error: RecordHubError | None = None  # why it was not applied, for per-item messages


@dataclass(frozen=True)
class Update:
    id: Any
    plan: Plan


@dataclass(frozen=True)
class Upsert:
    """A keyed row: `plan` applied to the record, created holding {} (rev 0) if absent."""

    id: Any
    plan: Plan


@dataclass(frozen=True)
class Create:
    id: Any
    data: Any
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Delete:
    id: Any
    expected_rev: int | None = None
    missing_ok: bool = False  # a delete of an absent row: a no-op, or (False) a failure


BatchItem = Update | Upsert | Create | Delete


def scoped(scope: Scope, ids: list[Any]) -> dict[str, Any]:
    """The filter of the scope's records with these keys."""
    return among(scope, list(stored_ids(scope, ids)))


async def update_ids(
    database: AsyncDatabase, scope: Scope, ids: Sequence[Any], plan: Plan
) -> list[ItemResult]:
    """Apply one plan to many records: one `update_many`, plus one read unless all apply."""
    unique = list(stored_ids(scope, ids).values())
    write_id = uuid.uuid4().hex
    compiled = compile_plan(plan, now=now(), write_id=write_id)
    if not unique:
        return []
    with database_errors():
        result = await records_of(database, scope).update_many(
            {**scoped(scope, unique), **compiled.filter}, compiled.update
        )
    if result.modified_count == len(unique):
        return [ItemResult(i, Outcome.OK) for i in unique]
    found = await read_states(records_of(database, scope), scope, unique)
    return [judge(i, found.get(stored_id(scope, i)), write_id, compiled) for i in unique]


async def update_each(
    database: AsyncDatabase, scope: Scope, items: Sequence[tuple[Any, Plan]]
) -> list[ItemResult]:
    """Best-effort per-item plans: one unordered `bulk_write`, plus one read unless all apply.

    Returns one result per item, in order."""
    batch = uuid.uuid4().hex
    moment = now()
    results: list[ItemResult | None] = [None] * len(items)
    compiled: dict[int, CompiledUpdate] = {}
    for n, (record_id, plan) in enumerate(items):
        try:
            compiled[n] = compile_plan(plan, now=moment, write_id=f"{batch}.{n}")
        except Invalid as exc:
            results[n] = ItemResult(record_id, Outcome.INVALID, exc)
    sent = list(compiled)
    requests = [
        UpdateOne({**scoped(scope, [items[n][0]]), **compiled[n].filter}, compiled[n].update)
        for n in sent
    ]
    modified, refused = await _bulk(records_of(database, scope), requests)
    for index, error in refused.items():
        results[sent[index]] = ItemResult(items[sent[index]][0], Outcome.INVALID, error)
    if modified < len(requests) or refused:
        found = await read_states(records_of(database, scope), scope, [items[n][0] for n in sent])
        for n in sent:
            record_id = items[n][0]
            if results[n] is None:
                document = found.get(stored_id(scope, record_id))
                results[n] = judge(record_id, document, f"{batch}.{n}", compiled[n])
    return [r or ItemResult(items[n][0], Outcome.OK) for n, r in enumerate(results)]


async def _bulk(
    collection: AsyncCollection, requests: list[UpdateOne]
) -> tuple[int, dict[int, RecordHubError]]:
    """(records modified, errors by request index) of one unordered bulk write."""
    if not requests:
        return 0, {}
    try:
        with database_errors():
            result = await collection.bulk_write(requests, ordered=False)
        return result.modified_count, {}
    except BulkWriteError as exc:
        refused: dict[int, RecordHubError] = {
            error["index"]: refused_write(error.get("code"))
            for error in exc.details.get("writeErrors", [])
        }
        return exc.details.get("nModified", 0), refused


async def read_states(
    collection: AsyncCollection, scope: Scope, ids: list[Any], *, session: Any = None
) -> dict[str, dict[str, Any]]:
    """The judged fields of the records with these keys, by `_id` (records.stored_id)."""
    query = scoped(scope, ids)
    with database_errors():
        return {
            d[ID_FIELD]: d async for d in collection.find(query, JUDGED_FIELDS, session=session)
        }


def _not_found(record_id: Any) -> ItemResult:
    error = RecordNotFound("record not found", details={"id": record_id})
    return ItemResult(record_id, Outcome.NOT_FOUND, error)


def judge(
    record_id: Any, document: dict[str, Any] | None, write_id: str, compiled: CompiledUpdate
) -> ItemResult:
    if document is None:
        return _not_found(record_id)
    if write_id in document.get("recentWrites", ()):
        return ItemResult(record_id, Outcome.OK)
    failure: PreconditionFailed | None = compiled.explain(document["rev"], content_of(document))
    if failure is None and compiled.limits:
        failure = compiled.limit_failure()
    if failure is None:  # its state changed again after the write
        failure = PreconditionFailed("the record changed during the write")
    return ItemResult(record_id, Outcome.PRECONDITION_FAILED, failure)


async def delete_ids(database: AsyncDatabase, scope: Scope, ids: Sequence[Any]) -> list[ItemResult]:
    """Best-effort delete: one read of which ids exist, one `delete_many`."""
    wanted = stored_ids(scope, ids)
    collection = records_of(database, scope)
    query = scoped(scope, list(wanted.values()))
    with database_errors():
        gone = {d[ID_FIELD] async for d in collection.find(query, {ID_FIELD: 1})}
        if gone:
            await collection.delete_many({**query, ID_FIELD: {"$in": list(gone)}})
    return [ItemResult(k, Outcome.OK) if i in gone else _not_found(k) for i, k in wanted.items()]
