"""All-or-nothing batches: every item compiled first, then ONE ordered bulk write in one
transaction.

An invalid item is refused before anything is sent. pymongo cuts the bulk write into
commands at the server's limits (100,000 operations, 48 MB per message) and wherever the
items change between inserts, updates and deletes, so a batch of one kind of item takes
one command per 48 MB, then the commit. Any failing item aborts the transaction and raises
that item's error, its details carrying the item's index and id:
- a write the database refused (a duplicate id), at the index it reports;
- else, when the totals fall short, the first update whose record lacks its write id
  (one read after the write, as in best-effort batches);
- a delete bound to fail, found by one read before the write (only for deletes that can
  fail: of a record that must exist, or at an expected revision).
A deployment that cannot run transactions is refused before anything is written.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import DeleteOne, InsertOne, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from service.core.compiled import CompiledUpdate, revision_mismatch
from service.core.compiler import compile_plan, compile_upsert
from service.errors import (
    AlreadyExists,
    Contended,
    NotFound,
    PreconditionFailed,
    RecordHubError,
    RecordNotFound,
)
from service.store import transactions
from service.store.batches import (
    ID_FIELD,
    BatchItem,
    Create,
    Delete,
    ItemResult,
    Outcome,
    Update,
    Upsert,
    judge,
    read_states,
    scoped,
)
from service.store.errors import DUPLICATE_KEY, database_errors, refused_write
from service.store.records import (
    Scope,
    explain_miss,
    new_document,
    now,
    records_of,
    selector,
    stored_id,
    stored_ids,
)

TRANSACTION_ATTEMPTS = 3


async def apply_all(
    database: AsyncDatabase, scope: Scope, items: Sequence[BatchItem]
) -> list[ItemResult]:
    """All items in one transaction, or none of them (the failing item's error is raised)."""
    batch, moment = uuid.uuid4().hex, now()
    steps = [_step(scope, n, item, moment, f"{batch}.{n}") for n, item in enumerate(items)]
    collection = records_of(database, scope)

    async def work(session: Any) -> None:
        doomed = await _doomed_delete(collection, scope, items, session)
        end = len(items) if doomed is None else doomed[0]
        failure = await _write(collection, scope, items[:end], steps[:end], session) or doomed
        if failure is not None:
            n, error = failure
            raise _located(error, n, items[n].id)

    await transactions.run(database, work, attempts=TRANSACTION_ATTEMPTS)
    return [ItemResult(item.id, Outcome.OK) for item in items]


@dataclass(frozen=True, slots=True)
class _Step:
    """One item ready to send, with what judges it afterwards (updates and upserts)."""

    request: InsertOne[Any] | UpdateOne | DeleteOne
    compiled: CompiledUpdate | None = None
    write_id: str | None = None


def _step(scope: Scope, n: int, item: BatchItem, moment: datetime, write_id: str) -> _Step:
    """Compile or build one item before the transaction, so an invalid one writes nothing."""
    try:
        if isinstance(item, Upsert):
            compiled = compile_upsert(item.plan, now=moment, write_id=write_id)
            # An upsert's new record takes its filter's equality fields: the layout's too.
            layout = {"project": scope.project, "ns": scope.ns}
            query = {**selector(scope, item.id), **layout, **compiled.filter}
            return _Step(UpdateOne(query, compiled.update, upsert=True), compiled, write_id)
        if isinstance(item, Update):
            compiled = compile_plan(item.plan, now=moment, write_id=write_id)
            query = selector(scope, item.id, compiled.filter)
            return _Step(UpdateOne(query, compiled.update), compiled, write_id)
        if isinstance(item, Create):
            return _Step(
                InsertOne(new_document(scope, item.id, item.data, dict(item.meta), moment))
            )
        conditions = None if item.expected_rev is None else {"rev": item.expected_rev}
        return _Step(DeleteOne(selector(scope, item.id, conditions)))
    except RecordHubError as exc:
        raise _located(exc, n, item.id) from None


async def _write(
    collection: AsyncCollection,
    scope: Scope,
    items: Sequence[BatchItem],
    steps: Sequence[_Step],
    session: Any,
) -> tuple[int, RecordHubError] | None:
    """Send the steps as one ordered bulk write; the first item that failed, if any."""
    if not steps:
        return None
    try:
        with database_errors():
            result = await collection.bulk_write(
                [step.request for step in steps], ordered=True, session=session
            )
    except BulkWriteError as exc:
        if exc.has_error_label("TransientTransactionError"):
            raise  # transactions.run tries the whole batch again
        refused = exc.details["writeErrors"][0]  # ordered: the write stopped there
        n = refused["index"]
        return n, await _refusal(collection, scope, items[n], steps[n], refused.get("code"))
    keyed = sum(step.write_id is not None for step in steps)
    # A write that applies always bumps `rev`: matched but not modified is a declined limit.
    applied = result.matched_count + result.upserted_count == keyed
    if applied and result.modified_count == result.matched_count:
        return None
    return await _first_miss(collection, scope, items, steps, session)


async def _refusal(
    collection: AsyncCollection, scope: Scope, item: BatchItem, step: _Step, code: Any
) -> RecordHubError:
    """Why the database refused an item. The refusal ended the transaction on the server,
    so the record is read outside it."""
    if code != DUPLICATE_KEY:
        return refused_write(code)
    if not isinstance(item, Upsert) or step.compiled is None:
        return AlreadyExists("a record with this id already exists")
    # An upsert whose record exists but misses the filter tries to insert it again.
    error = await explain_miss(collection, scope, item.id, step.compiled)
    if error is None or isinstance(error, NotFound):  # not as it was when written
        return PreconditionFailed("the record changed during the write")
    return error


async def _first_miss(
    collection: AsyncCollection,
    scope: Scope,
    items: Sequence[BatchItem],
    steps: Sequence[_Step],
    session: Any,
) -> tuple[int, RecordHubError]:
    """The first update whose filter missed: one read, inside the transaction, of which
    records hold their item's write id. A record keeps only its last RECENT_WRITES ids: in
    a failing batch with more items on one record, an applied one may be blamed instead."""
    keyed = [(n, step) for n, step in enumerate(steps) if step.write_id is not None]
    found = await read_states(collection, scope, [items[n].id for n, _ in keyed], session=session)
    for n, step in keyed:
        assert step.compiled is not None and step.write_id is not None
        document = found.get(stored_id(scope, items[n].id))
        judged = judge(items[n].id, document, step.write_id, step.compiled)
        if judged.error is not None:
            return n, judged.error
    raise Contended("the records kept changing during the batch; try again")


def _checked(item: BatchItem) -> bool:
    """A delete that can fail: of a record that must exist, or at an expected revision."""
    return isinstance(item, Delete) and not (item.missing_ok and item.expected_rev is None)


async def _doomed_delete(
    collection: AsyncCollection, scope: Scope, items: Sequence[BatchItem], session: Any
) -> tuple[int, RecordHubError] | None:
    """The first delete bound to fail. A delete that removes nothing leaves no trace, so the
    revisions it depends on are read before the write, in the transaction (a writer that
    changes them later makes the bulk write conflict), and the items before it replayed."""
    checked = [item.id for item in items if _checked(item)]
    if not checked:
        return None
    targets = set(stored_ids(scope, checked))
    with database_errors():
        revs = {
            d[ID_FIELD]: d["rev"]
            async for d in collection.find(scoped(scope, checked), {"rev": 1}, session=session)
        }
    for n, item in enumerate(items):
        target = stored_id(scope, item.id)
        if target not in targets:
            continue
        rev = revs.get(target)
        if isinstance(item, Delete):
            error = _delete_failure(item, rev)
            if error is not None:
                return n, error
            revs.pop(target, None)
        elif isinstance(item, Create) or (rev is None and isinstance(item, Upsert)):
            revs[target] = 0
        elif rev is not None:  # an update or upsert that applies bumps `rev` once
            revs[target] = rev + 1
    return None


def _delete_failure(item: Delete, rev: int | None) -> RecordHubError | None:
    if rev is None:
        return (
            None if item.missing_ok else RecordNotFound("record not found", details={"id": item.id})
        )
    if item.expected_rev is not None and rev != item.expected_rev:
        return revision_mismatch(rev, item.expected_rev)
    return None


def _located(error: RecordHubError, n: int, record_id: Any) -> RecordHubError:
    """The same error, its details saying which item failed."""
    details = error.details if isinstance(error.details, dict) else {}
    error.details = {**details, "index": n, "id": record_id}
    return error
