"""Records: create, read, delete, and apply a plan to one record as ONE atomic write.

Preconditions live in the update filter (or the pipeline), never in a read-then-write.
The write is judged by whether its filter matched (Eve's bug #920 came from reading
`modified_count`); only on a miss does one read tell NotFound from PreconditionFailed.
The one use of `modified_count` is a pipeline with size limits: it leaves the record as
it was when a limit would be exceeded, and a write that applies always bumps `rev`, so
"matched but not modified" can only mean "declined".

No findAndModify: on SecantusDB it scans the whole collection, so a caller that needs
the stored record gets it from a read by id after the write.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from service.core.compiled import CompiledUpdate, revision_mismatch
from service.core.compiler import compile_plan
from service.core.documents import (
    StoredRecord,
    check_meta,
    content_of,
    decode_key,
    encode_key,
    record_from,
)
from service.core.fieldnames import prepare
from service.core.operations import Plan
from service.core.queries import Query
from service.errors import RecordHubError, RecordNotFound
from service.store.errors import database_errors
from service.store.lastwrites import LastWrites
from service.store.locks import overloaded
from service.store.queries import Rendered, render

# Records live in one collection per dialect family (Scope.collection), so each carries
# only the indexes its own dialect needs: SecantusDB maintains every index of a collection
# on every write.
RECORDS = "records"  # the default
# A miss that no precondition explains means the record changed between the write and
# the read; the write is tried again, a few times.
MISS_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose record: the project (tenant) and the dialect's namespace inside it.

    `global_keys`: the namespace's keys are unique across projects, and its records are
    found by key alone (a public record read by its id by someone who does not know the
    owner).
    `held` (with global keys): the record is held by its project, under the `_id` a scope
    without global keys gives it, so a write's filter is that `_id` alone (the embedded
    database takes its point lookup only for a filter of `_id` alone); its global `_id`
    holds a stub naming the holder (`HOLDER`), which anyone else finds (`locate`). Its
    versions and catalog entry keep the global `_id` (`identity_id`), so a move between
    the two forms (service.store.holding) moves the live record alone.
    `catalogued`: the namespace has a catalog (service.store.catalog), an entry per record
    of its key, creation time and the `listed` metadata fields, which pages in creation
    order read instead of an index on the records.
    """

    project: str
    ns: str
    collection: str = RECORDS
    global_keys: bool = False
    held: bool = False
    catalogued: bool = False
    listed: tuple[str, ...] = ()  # metadata its catalog entries carry


@dataclass(frozen=True, slots=True)
class Hidden:
    """A held record as anyone but its holder finds it: whose it is, nothing more."""

    id: Any
    project: str


# The field of a held record's stub naming its project; not `project`, so no filter of a
# scope's records (which all name `project`) ever matches a stub.
HOLDER = "heldBy"


@dataclass(frozen=True, slots=True)
class Receipt:
    """What a write knows without reading: `rev` only when the plan expected a revision."""

    id: Any
    updated_at: datetime
    rev: int | None = None


def now() -> datetime:
    """The current UTC time at BSON's millisecond precision (so it reads back equal)."""
    return datetime.fromtimestamp(time.time_ns() // 1_000_000 / 1000, UTC)


def records_of(database: AsyncDatabase, scope: Scope | None = None) -> AsyncCollection:
    """The collection holding the scope's records (the default one without a scope)."""
    return database[RECORDS if scope is None else scope.collection]


def stored_id(scope: Scope, key: Any) -> str:
    """The `_id` of the scope's record `key` (service.core.documents.encode_key)."""
    owner = scope.project if scope.held or not scope.global_keys else None
    return encode_key(owner, scope.ns, key)


def identity_id(scope: Scope, key: Any) -> str:
    """The `_id` naming record `key` whichever form it has (Scope.held): its versions' and
    catalog entry's, and its stub's when held."""
    return encode_key(None if scope.global_keys else scope.project, scope.ns, key)


def written_key(scope: Scope, key: Any) -> tuple[str, str]:
    """What service.store.lastwrites remembers record `key` of `scope` by."""
    return scope.collection, identity_id(scope, key)


def stub(scope: Scope, key: Any) -> dict[str, Any]:
    """What a held record leaves under its global `_id`."""
    return {"_id": identity_id(scope, key), HOLDER: scope.project}


def stored_ids(scope: Scope, keys: Sequence[Any]) -> dict[str, Any]:
    """Each key by its `_id`, in order (keys need not be hashable; duplicates go)."""
    return {stored_id(scope, key): key for key in keys}


def selector(
    scope: Scope, record_id: Any, conditions: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The filter of one record: its `_id`, which holds project and namespace; with
    global keys (whose `_id` leaves the project out) the project too; then `conditions`
    (a write's preconditions). Nothing more: the embedded database pays for every further
    field of a filter.

    `_id` comes first and every further equality is written `{"$not": {"$ne": value}}`,
    which matches what the bare value matches (the field equal to it, an array holding it;
    for null, a missing field too). SecantusDB hands a filter with a bare or `$eq` field
    to its index pickers before it looks `_id` up; this form skips them: 3.73M -> 3.21M
    instructions of the database per JSONBin PUT (floor 2.36M, callgrind). MongoDB picks
    the `_id` index either way."""
    query: dict[str, Any] = {"_id": stored_id(scope, record_id)}
    if scope.global_keys and not scope.held:
        query["project"] = _equal_to(scope.project)
    return narrowed(query, conditions) if conditions else query


def narrowed(query: dict[str, Any], conditions: dict[str, Any]) -> dict[str, Any]:
    """`query` (a record's `_id`) and `conditions`, each equality written as `selector`
    says."""
    return query | {name: _as_condition(name, value) for name, value in conditions.items()}


def _as_condition(name: str, value: Any) -> Any:
    if name.startswith("$") or (
        isinstance(value, dict) and value and next(iter(value)).startswith("$")
    ):
        return value  # a top-level operator, or already an operator expression
    return _equal_to(value)


def _equal_to(value: Any) -> dict[str, Any]:
    return {"$not": {"$ne": value}}


def rendered(scope: Scope, query: Query) -> Rendered:
    """A query over the scope's records as a filter (keys as their `_id`s), sort and page."""
    base = {"project": scope.project, "ns": scope.ns}
    return render(query, base, lambda key: stored_id(scope, key))


def among(scope: Scope, stored: list[str]) -> dict[str, Any]:
    """The filter of the scope's records with these `_id`s (as `selector` for one)."""
    query: dict[str, Any] = {"_id": {"$in": stored}}
    if scope.global_keys and not scope.held:
        query["project"] = scope.project
    return query


def new_document(
    scope: Scope, record_id: Any, data: Any, meta: dict[str, Any], moment: datetime
) -> dict[str, Any]:
    """The document of a new record at rev 0 (key `record_id`). A field that would hold
    its default (`version` 0, metadata None) is left out: every reader and filter takes
    the missing field as that default, and each field the embedded database decodes and
    encodes again on every write of the record costs it about 1.5% of the floor's update
    (bench.dbwork)."""
    check_meta(meta)
    stored, escaped = prepare(data)
    document: dict[str, Any] = {"_id": stored_id(scope, record_id)}
    document |= {"project": scope.project, "ns": scope.ns, "data": stored}
    document |= {"rev": 0, "createdAt": moment, "updatedAt": moment}
    if escaped:
        document["keysEscaped"] = True
    return document | {name: value for name, value in meta.items() if value is not None}


async def create_record(
    database: AsyncDatabase,
    scope: Scope,
    record_id: Any,
    data: Any,
    *,
    meta: dict[str, Any] | None = None,
) -> StoredRecord:
    """Insert a record at rev 0 (Conflict if the key exists); `record_id=None` picks a new
    ObjectId's hex as the key."""
    meta = dict(meta or {})
    moment = now()
    record_id = str(ObjectId()) if record_id is None else record_id
    document = new_document(scope, record_id, data, meta, moment)
    with database_errors():
        await records_of(database, scope).insert_one(document)
    return StoredRecord(
        id=decode_key(document["_id"]),
        project=scope.project,
        ns=scope.ns,
        data=data,
        rev=0,
        version=0,
        created_at=moment,
        updated_at=moment,
        meta=meta,
    )


async def get_record(database: AsyncDatabase, scope: Scope, record_id: Any) -> StoredRecord:
    found = await find_record(database, scope, record_id)
    if found is None:
        raise RecordNotFound("record not found", details={"id": record_id})
    return found


async def find_record(database: AsyncDatabase, scope: Scope, record_id: Any) -> StoredRecord | None:
    """The scope's record, or None (a record of global keys by key alone, whoever owns it
    and in whichever form: `locate`)."""
    with database_errors():
        document = await records_of(database, scope).find_one(selector(scope, record_id))
    return None if document is None else record_from(document, record_id)


UNKNOWN: Any = object()  # `locate`'s hint when the record's form is not known


async def locate(
    database: AsyncDatabase,
    scope: Scope,
    record_id: Any,
    *,
    viewer: str | None,
    hint: str | None = UNKNOWN,
) -> StoredRecord | Hidden | None:
    """A record of a scope with global keys by key alone, whatever its form: a held record
    is found as itself by its holder (`viewer`) and as `Hidden` by anyone else (None as
    `viewer`: no project). `hint` is the holder when the record was last found (None: the
    global form): the first read asks for that `_id` alone, and a wrong hint costs one more
    read. Without one, a viewer's read asks for both `_id`s, which costs the embedded
    database a third more than one (1.10M instructions against 0.81M, callgrind)."""
    collection = records_of(database, scope)
    identity = identity_id(scope, record_id)
    if viewer is None:
        return _located(record_id, await _by_ids(collection, [identity]), None)
    own = encode_key(viewer, scope.ns, record_id)
    guessed = [own] if hint == viewer else [identity]
    first = [identity, own] if hint is UNKNOWN else guessed
    found = await _by_ids(collection, first)
    if not found and first == [own]:  # moved or gone since
        found = await _by_ids(collection, [identity, own])
    located = _located(record_id, found, own)
    if isinstance(located, Hidden) and located.project == viewer and own not in first:
        # The stub of the viewer's own record, which this read did not ask for.
        return _located(record_id, await _by_ids(collection, [own]), own) or located
    return located


def _located(
    record_id: Any, found: list[dict[str, Any]], own: str | None
) -> StoredRecord | Hidden | None:
    for document in found:
        if HOLDER not in document:
            return record_from(document, record_id, held=document["_id"] == own)
    return Hidden(record_id, found[0][HOLDER]) if found else None


async def _by_ids(collection: AsyncCollection, ids: list[str]) -> list[dict[str, Any]]:
    # One batch of at most the two: 1.10M instructions of the database, not 1.14M.
    query = ids[0] if len(ids) == 1 else {"$in": ids}
    with database_errors():
        return [doc async for doc in collection.find({"_id": query}, limit=-len(ids))]


async def get_records(
    database: AsyncDatabase, scope: Scope, ids: Sequence[Any]
) -> list[StoredRecord]:
    """The records among `ids` that exist, in the order of `ids` (one round trip)."""
    return await records_by_id(records_of(database, scope), scope, list(stored_ids(scope, ids)))


async def records_by_id(
    collection: AsyncCollection, scope: Scope, stored: list[str]
) -> list[StoredRecord]:
    """The scope's records with these `_id`s that exist, in that order (one round trip)."""
    with database_errors():
        found = {doc["_id"]: doc async for doc in collection.find(among(scope, stored))}
    return [record_from(found[i]) for i in stored if i in found]


async def delete_record(
    database: AsyncDatabase, scope: Scope, record_id: Any, *, expected_rev: int | None = None
) -> None:
    """Delete one record; with `expected_rev`, only at that revision (PreconditionFailed)."""
    conditions = None if expected_rev is None else {"rev": expected_rev}
    query = selector(scope, record_id, conditions)
    with database_errors():
        result = await records_of(database, scope).delete_one(query)
    if result.deleted_count:
        return
    current = None
    if expected_rev is not None:
        with database_errors():
            current = await records_of(database, scope).find_one(
                selector(scope, record_id), {"rev": 1}
            )
    if current is None or expected_rev is None:
        raise RecordNotFound("record not found", details={"id": record_id})
    raise revision_mismatch(current["rev"], expected_rev)


async def apply_plan(database: AsyncDatabase, scope: Scope, record_id: Any, plan: Plan) -> Receipt:
    """Apply `plan` to one record in one atomic write (one round trip when it applies)."""
    moment = now()
    compiled = compile_plan(plan, now=moment)
    await write_compiled(records_of(database, scope), scope, record_id, compiled)
    rev = None if plan.preconditions.rev is None else plan.preconditions.rev + 1
    return Receipt(id=record_id, updated_at=moment, rev=rev)


async def try_plan(database: AsyncDatabase, scope: Scope, record_id: Any, plan: Plan) -> bool:
    """Apply `plan` in one write and no read: False when its filter misses, whatever the
    reason (the caller then reads and decides; a hot path that is usually right)."""
    compiled = compile_plan(plan, now=now())
    query = selector(scope, record_id, compiled.filter)
    with database_errors():
        result = await records_of(database, scope).update_one(query, compiled.update)
    if result.matched_count and compiled.limits and not result.modified_count:
        raise compiled.limit_failure()
    return bool(result.matched_count)


async def apply_plan_and_read(
    database: AsyncDatabase,
    scope: Scope,
    record_id: Any,
    plan: Plan,
    last: LastWrites | None = None,
) -> StoredRecord:
    """Apply `plan` and return the record as it then stands: two round trips (the write,
    then a read; or for a pipeline that can be swapped, the read, then the write), or one
    from the record as this replica's last write left it (`last`, while trusted)."""
    compiled = compile_plan(plan, now=now())
    collection = records_of(database, scope)
    key = written_key(scope, record_id)
    if last is not None and (known := last.known(key)) is not None:
        after = await _write_from(collection, scope, record_id, compiled, known)
        if after is not None:
            last.wrote(key, after, None)
            return record_from(after, record_id)
        last.distrust(key)
    if compiled.swaps:
        swapped = await _read_and_swap(collection, scope, record_id, compiled)
        if swapped is not None:
            read, after = swapped
            if last is not None:
                last.wrote(key, after, read)
            return record_from(after, record_id)
    await write_compiled(collection, scope, record_id, compiled)
    stored = await get_record(database, scope, record_id)
    if last is not None and stored.source is not None:
        last.read_back(key, stored.source)
    return stored


async def _read_and_swap(
    collection: AsyncCollection, scope: Scope, record_id: Any, compiled: CompiledUpdate
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The pipeline's update computed here from the record as read, and written as
    operators guarded by its revision: SecantusDB evaluates a pipeline in Python, at
    about twice the database's CPU of the read and the operators together. The record as
    read and as written, or None when another writer got in first; the caller then writes
    the pipeline, atomic on its own."""
    query = selector(scope, record_id)
    with database_errors():
        document = await collection.find_one(query)
    refused = _refusal(compiled, record_id, document)
    if refused is not None:
        raise refused
    assert document is not None  # a missing record is refused
    update, after = compiled.swapped(document)
    with database_errors():
        guarded = selector(scope, record_id, {"rev": document["rev"]})
        result = await collection.update_one(guarded, update)
    return (document, after) if result.matched_count else None


async def _write_from(
    collection: AsyncCollection,
    scope: Scope,
    record_id: Any,
    compiled: CompiledUpdate,
    known: dict[str, Any],
) -> dict[str, Any] | None:
    """`compiled` computed on `known` and written as operators guarded by its revision and
    creation time; the document it left. None when it missed, when `known` would refuse
    the plan (which a read must confirm) and when the update is not one computed here."""
    if _refusal(compiled, record_id, known) is not None:
        return None
    computed = compiled.computed_on(known)
    if computed is None:
        return None
    update, after = computed
    same = {"rev": known["rev"], "createdAt": known["createdAt"]}
    with database_errors():
        result = await collection.update_one(selector(scope, record_id, same), update)
    return after if result.matched_count else None


async def write_compiled(
    collection: AsyncCollection,
    scope: Scope,
    record_id: Any,
    compiled: CompiledUpdate,
    *,
    session: Any = None,
) -> None:
    """Run a compiled update on one record; raise the domain error if it does not apply."""
    if compiled.by_paths is not None:
        guarded, update = compiled.by_paths
        with database_errors():
            result = await collection.update_one(
                selector(scope, record_id, guarded), update, session=session
            )
        if result.matched_count:
            return
    query = selector(scope, record_id, compiled.filter)
    for _ in range(MISS_ATTEMPTS):
        with database_errors():
            result = await collection.update_one(query, compiled.update, session=session)
        if result.matched_count and compiled.limits and not result.modified_count:
            raise compiled.limit_failure()
        if result.matched_count:
            return
        error = await explain_miss(collection, scope, record_id, compiled, session=session)
        if error is not None:
            raise error
    raise overloaded("the record kept changing; try again")


async def explain_miss(
    collection: AsyncCollection,
    scope: Scope,
    record_id: Any,
    compiled: CompiledUpdate,
    *,
    session: Any = None,
) -> RecordHubError | None:
    """One read after a filter miss: NotFound, the precondition that fails, or None."""
    projection = {"data": 1, "rev": 1, "keysEscaped": 1}
    projection |= {name: 1 for name, _ in compiled.expected_meta}
    with database_errors():
        document = await collection.find_one(
            selector(scope, record_id), projection, session=session
        )
    return _refusal(compiled, record_id, document)


def _refusal(
    compiled: CompiledUpdate, record_id: Any, document: dict[str, Any] | None
) -> RecordHubError | None:
    """Why `compiled` does not apply to the record as read (None when it does)."""
    if document is None:
        return RecordNotFound("record not found", details={"id": record_id})
    return compiled.explain(document["rev"], content_of(document), document)
