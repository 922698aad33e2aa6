"""JSONBin's bins on the engine: lookups by id across projects (public bins are read and
updated without a key), the one-round-trip private update, versions, listing, schema tags.

A bin is a record in namespace `jsonbin` with top-level metadata `private`, `name`,
`collectionId` and `schemaDocId` (the schema of its collection, copied onto the bin so an
update can require "no schema" in its own filter instead of reading first). Bin ids are
unique across projects (the listing's `_id` holds that), so a bin's identity leaves the
project out (Scope.global_keys) and a public bin is found by its id alone, in one read.

Collection listings read a small side collection (`binindex`: id, project, collection,
privacy, name, creation time) instead of an index on the records: SecantusDB maintains
every index of a collection on every update (server CPU on every write, per index),
and the records take the hot writes while the listing changes only on create, rename,
privacy change and delete. Those four write the record and its listing entry in one
transaction, so the two never disagree.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from service.core.compiler import compile_plan
from service.core.documents import StoredRecord, encode_key, record_from
from service.core.operations import Plan, Preconditions, Replace
from service.errors import (
    Conflict,
    DefinitionChanged,
    NotFound,
    PreconditionFailed,
    RecordNotFound,
)
from service.store import definitions, transactions, versions
from service.store.client import Database
from service.store.locks import RecordLocks, contended, settle
from service.store.records import (
    RECORDS,
    Scope,
    database_errors,
    new_document,
    now,
    records_of,
    selector,
    write_compiled,
)

NS = "jsonbin"
_STORED_FIELDS = ("_id", "data", "rev", "version", "keysEscaped")
BIN_INDEX = "binindex"
COLLECTION_KIND = "jsonbin.collection"  # the definition category of JSONBin's collections
# A bin create writes one of its collection's schema guards, a schema change writes them
# all: creates into one collection collide with each other once in STRIPES, not always.
STRIPES = 16
T = TypeVar("T")


def _scope(project: str) -> Scope:
    return Scope(project, NS, global_keys=True)


def _view(record: StoredRecord) -> dict[str, Any]:
    """The bin as the dialect uses it: content under `record`, metadata beside it."""
    return {
        "_id": record.id,
        "project": record.project,
        "record": record.data,
        "rev": record.rev,
        "version": record.version,
        "createdAt": record.created_at,
        "private": bool(record.meta.get("private", True)),
        "name": record.meta.get("name"),
        "collectionId": record.meta.get("collectionId"),
        "schemaDocId": record.meta.get("schemaDocId"),
    }


async def ensure_indexes(db: Database) -> None:
    # Listing a collection's bins newest first, with the last bin id as the cursor.
    await db[BIN_INDEX].create_index([("project", 1), ("collectionId", 1), ("_id", 1)])


async def create_bin(
    db: Database,
    *,
    project: str,
    bin_id: str,
    record: Any,
    private: bool,
    name: str | None,
    collection_id: str | None,
    schema_id: str | None,
) -> dict[str, Any]:
    """Insert the bin and its listing entry in one transaction.

    In a collection, the transaction writes one of the collection's schema guards and
    checks that its schema is still `schema_id` (what the record was validated against);
    attaching or detaching a schema writes every guard (`tag_schema`), so the two never
    interleave. DefinitionChanged when it moved: validate again and retry."""
    meta = {
        "private": private,
        "name": name,
        "collectionId": collection_id,
        "schemaDocId": schema_id,
    }
    moment = now()
    document = new_document(_scope(project), bin_id, record, meta, moment)
    listing = {
        "_id": bin_id,
        "project": project,
        "collectionId": collection_id,
        "private": private,
        "name": name,
        "createdAt": moment,
    }

    async def work(session: Any) -> None:
        if collection_id is not None:
            await _schema_guard(db, session, project, collection_id, random.randrange(STRIPES))
            current = await definitions.get(
                db,
                project=project,
                category=COLLECTION_KIND,
                definition_id=collection_id,
                session=session,
            )
            if current.get("schemaDocId") != schema_id:
                raise DefinitionChanged("the collection's schema changed meanwhile")
        await records_of(db).insert_one(document, session=session)
        await db[BIN_INDEX].insert_one(listing, session=session)

    await transactions.run(db, work)
    return _view(StoredRecord(bin_id, project, NS, record, 0, 0, moment, moment, meta))


async def find_bin(db: Database, bin_id: str) -> dict[str, Any] | None:
    """A bin by id whoever owns it (ids are unique across projects)."""
    with database_errors():
        document = await records_of(db).find_one({"_id": encode_key(None, NS, bin_id)})
    if document is None:
        return None
    view = _view(record_from(document))
    # The stored form, so a versioned write can start from this read (one round trip less).
    view["stored"] = {k: document[k] for k in _STORED_FIELDS if k in document}
    return view


async def replace_private(db: Database, *, bin_id: str, project: str, record: Any) -> bool:
    """The hot path, one round trip: replace a private, schema-less bin of `project`.

    False when the filter misses (not found, not the project's, public, or validated by a
    schema); the caller then reads the bin to find out which and takes the general path.
    """
    compiled = compile_plan(Plan((Replace(record),)), now=now())
    query = {
        **selector(_scope(project), bin_id),
        **compiled.filter,
        "private": True,
        "schemaDocId": None,
    }
    with database_errors():
        result = await records_of(db).update_one(query, compiled.update)
    return bool(result.matched_count)


async def replace_unversioned(db: Database, *, doc: dict[str, Any], record: Any) -> None:
    """Replace a bin read just before, as long as its privacy and schema have not moved."""
    compiled = compile_plan(Plan((Replace(record),)), now=now())
    guarded = dataclasses.replace(
        compiled,
        filter={**compiled.filter, "private": doc["private"], "schemaDocId": doc["schemaDocId"]},
    )
    await write_compiled(records_of(db), _scope(doc["project"]), doc["_id"], guarded)


async def replace_versioned(db: Database, *, doc: dict[str, Any], record: Any) -> int:
    """Archive the content the bin had when `doc` was read as the next version and replace
    it; the number it was archived under. One attempt, from that read: if the bin moved (a
    write, a privacy or schema change) this raises `contended()`, and `settle_update`
    (whose lock the read was made under) reads, decides and tries again."""
    plan = Plan((Replace(record),), preconditions=Preconditions(rev=doc["rev"]))
    try:
        receipt = await versions.apply_versioned_once(
            db, _scope(doc["project"]), doc["_id"], plan, live=doc.get("stored")
        )
    except PreconditionFailed:
        raise contended() from None
    return receipt.version


async def settle_update(locks: RecordLocks, bin_id: str, attempt: Callable[[], Awaitable[T]]) -> T:
    """Run one update of a bin (`attempt`: read it, decide, write once) holding the bin's
    lock, and again until it lands: the one retry loop of a bin update (store.locks)."""
    return await settle(locks, RECORDS, bin_id, attempt)


async def read_version(db: Database, doc: dict[str, Any], number: int) -> tuple[bool, Any]:
    """Archived content number `number` of the bin, if it exists."""
    try:
        found = await versions.read_version(db, _scope(doc["project"]), doc["_id"], number)
    except NotFound:
        return False, None
    return True, found.data


async def delete_versions(
    db: Database, doc: dict[str, Any], *, preserve_latest: bool, locks: RecordLocks
) -> int:
    """Delete every version. With `preserve_latest` the live content stays as it is;
    without, the bin goes back to its base record (the content before version 1 archived)."""
    scope = _scope(doc["project"])
    if preserve_latest:
        return await versions.delete_versions(db, scope, doc["_id"], locks=locks)
    return await versions.delete_versions_to_first(db, scope, doc["_id"], locks=locks)


async def delete_bin(db: Database, doc: dict[str, Any], *, locks: RecordLocks) -> int:
    """Delete the bin, its versions and its listing entry in one transaction (so no
    listing shows a deleted bin); how many versions went with it."""
    found = selector(_scope(doc["project"]), doc["_id"])

    async def work(session: Any) -> int:
        # Read and delete in one snapshot: a write in between makes the delete conflict.
        live = await records_of(db).find_one(found, {"version": 1}, session=session)
        if live is None:
            raise RecordNotFound("record not found", details={"id": doc["_id"]})
        await records_of(db).delete_one(found, session=session)
        slots = versions.slots_of(_scope(doc["project"]), doc["_id"])
        await versions.versions_of(db).delete_many(slots, session=session)
        await db[BIN_INDEX].delete_one({"_id": doc["_id"]}, session=session)
        return int(live.get("version", 0))

    async with locks.hold(RECORDS, doc["_id"]):  # the bin's writers in this replica queue
        return await transactions.run(db, work)


async def set_meta(
    db: Database, doc: dict[str, Any], changes: dict[str, Any], *, locks: RecordLocks
) -> None:
    """Change name or privacy (metadata only: the content and versions stay) on the bin
    and its listing entry, in one transaction: concurrent renames cannot cross."""
    query = selector(_scope(doc["project"]), doc["_id"])
    update = {"$set": {**changes, "updatedAt": now()}, "$inc": {"rev": 1}}

    async def work(session: Any) -> None:
        result = await records_of(db).update_one(query, update, session=session)
        if not result.matched_count:
            raise Conflict("the bin was deleted meanwhile")
        await db[BIN_INDEX].update_one(
            {"_id": doc["_id"], "project": doc["project"]}, {"$set": changes}, session=session
        )

    async with locks.hold(RECORDS, doc["_id"]):  # queue here rather than conflict
        await transactions.run(db, work)


async def list_page(
    db: Database,
    *,
    project: str,
    collection_id: str | None,
    after: str | None,
    descending: bool,
    limit: int,
) -> list[dict[str, Any]]:
    """One page of a collection's bins (metadata only); `None` = bins in no collection."""
    query: dict[str, Any] = {"project": project, "collectionId": collection_id}
    if after is not None:
        query["_id"] = {"$lt" if descending else "$gt": after}
    cursor = (
        db[BIN_INDEX]
        .find(query, {"_id": 1, "private": 1, "name": 1, "createdAt": 1})
        .sort("_id", -1 if descending else 1)
        .limit(limit)
    )
    with database_errors():
        return [dict(doc) async for doc in cursor]


async def tag_schema(
    db: Database, *, project: str, collection_id: str, schema_id: str | None
) -> None:
    """Set (None: remove) a collection's schema doc and copy it onto the collection's
    bins, in one transaction that writes every schema guard of the collection."""
    query = {"project": project, "ns": NS, "collectionId": collection_id}
    # rev moves too, so a versioned write racing with this sees the bin changed.
    update = {"$set": {"schemaDocId": schema_id}, "$inc": {"rev": 1}}
    attached = {} if schema_id is None else {"schemaDocId": schema_id}
    detached = ("schemaDocId",) if schema_id is None else ()

    async def work(session: Any) -> None:
        await definitions.update(
            db,
            project=project,
            category=COLLECTION_KIND,
            definition_id=collection_id,
            changes=attached,
            unset=detached,
            session=session,
        )
        for stripe in range(STRIPES):
            await _schema_guard(db, session, project, collection_id, stripe)
        await records_of(db).update_many(query, update, session=session)

    await transactions.run(db, work)


async def _schema_guard(
    db: Database, session: Any, project: str, collection_id: str, stripe: int
) -> None:
    name = f"{COLLECTION_KIND}/{collection_id}/{stripe}"
    await transactions.guard(db, session, project=project, name=name)
