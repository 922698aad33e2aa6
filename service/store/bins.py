"""JSONBin's bins on the engine: lookups by id across projects (public bins are read and
updated without a key), the one-round-trip private update, versions, listing, schema tags.

A bin is a record in namespace `jsonbin` with top-level metadata `private`, `name`,
`collectionId` and `schemaDocId` (the schema of its collection, copied onto the bin so an
update can require "no schema" in its own filter instead of reading first).

Collection listings read a small side collection (`binindex`: id, project, collection,
privacy, name, creation time) instead of an index on the records: SecantusDB maintains
every index of a collection on every update (about +300 us of server CPU per index here),
and the records take the hot writes while the listing changes only on create, rename,
privacy change and delete.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from service.core.compiler import compile_plan
from service.core.documents import StoredRecord, record_from
from service.core.operations import Plan, Preconditions, Replace
from service.errors import Conflict, NotFound, PreconditionFailed
from service.store import versions
from service.store.client import Database
from service.store.records import (
    Scope,
    create_record,
    database_errors,
    now,
    records_of,
    selector,
    write_compiled,
)

NS = "jsonbin"
_STORED_FIELDS = ("_id", "data", "rev", "version", "keysEscaped")
BIN_INDEX = "binindex"


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
    meta = {
        "private": private,
        "name": name,
        "collectionId": collection_id,
        "schemaDocId": schema_id,
    }
    stored = await create_record(db, Scope(project, NS), bin_id, record, meta=meta)
    listing = {
        "_id": bin_id,
        "project": project,
        "collectionId": collection_id,
        "private": private,
        "name": name,
        "createdAt": stored.created_at,
    }
    with database_errors():
        await db[BIN_INDEX].insert_one(listing)
    return _view(stored)


async def find_bin(db: Database, bin_id: str) -> dict[str, Any] | None:
    """A bin by id whoever owns it (ids are unique across projects)."""
    with database_errors():
        document = await records_of(db).find_one({"_id": bin_id, "ns": NS})
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
        **selector(Scope(project, NS), bin_id),
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
    await write_compiled(records_of(db), Scope(doc["project"], NS), doc["_id"], guarded)


async def replace_versioned(db: Database, *, doc: dict[str, Any], record: Any) -> int:
    """Archive the content the bin had when `doc` was read as the next version and replace
    it; the number it was archived under. One attempt only: if the bin moved (a write, a
    privacy or schema change) this raises Conflict and the caller re-reads and re-checks."""
    plan = Plan((Replace(record),), preconditions=Preconditions(rev=doc["rev"]))
    try:
        receipt = await versions.apply_versioned(
            db, Scope(doc["project"], NS), doc["_id"], plan, attempts=1, live=doc.get("stored")
        )
    except PreconditionFailed:
        raise Conflict("the bin changed meanwhile", reason="contended") from None
    return receipt.version


async def read_version(db: Database, doc: dict[str, Any], number: int) -> tuple[bool, Any]:
    """Archived content number `number` of the bin, if it exists."""
    try:
        found = await versions.read_version(db, Scope(doc["project"], NS), doc["_id"], number)
    except NotFound:
        return False, None
    return True, found.data


async def delete_versions(db: Database, doc: dict[str, Any], *, preserve_latest: bool) -> int:
    """Delete every version. With `preserve_latest` the live content stays as it is;
    without, the bin goes back to its base record (the content before version 1 archived)."""
    scope = Scope(doc["project"], NS)
    if preserve_latest:
        return await versions.delete_versions(db, scope, doc["_id"])
    return await versions.delete_versions_to_first(db, scope, doc["_id"])


async def delete_bin(db: Database, doc: dict[str, Any]) -> int:
    """Delete the bin and its versions; how many versions went with it."""
    deleted = await versions.delete_with_versions(db, Scope(doc["project"], NS), doc["_id"])
    with database_errors():
        await db[BIN_INDEX].delete_one({"_id": doc["_id"]})
    return deleted


async def set_meta(db: Database, doc: dict[str, Any], changes: dict[str, Any]) -> None:
    """Change name or privacy (metadata only: the content and versions stay)."""
    query = selector(Scope(doc["project"], NS), doc["_id"])
    with database_errors():
        result = await records_of(db).update_one(
            query, {"$set": {**changes, "updatedAt": now()}, "$inc": {"rev": 1}}
        )
    if not result.matched_count:
        raise Conflict("the bin was deleted meanwhile", reason="gone")
    with database_errors():
        await db[BIN_INDEX].update_one({"_id": doc["_id"]}, {"$set": changes})


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
    """Copy a collection's schema doc id onto its bins (one update_many)."""
    query = {"project": project, "ns": NS, "collectionId": collection_id}
    # rev moves too, so a versioned write racing with this sees the bin changed.
    update = {"$set": {"schemaDocId": schema_id}, "$inc": {"rev": 1}}
    with database_errors():
        await records_of(db).update_many(query, update)
