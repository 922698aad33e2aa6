"""Bins as records of the engine, and the writes JSONBin makes of them.

A bin is a record in namespace `jsonbin` with top-level metadata `private`, `name`,
`collectionId` and `schemaDocId` (its collection's schema, copied onto the bin so an
update can require "no schema" in its own filter instead of reading first). Bin ids are
unique across projects, so a bin's identity leaves the project out (global keys) and a
public bin is found by its id alone, in one read. The namespace is catalogued: listing a
collection's bins reads the catalog, not an index on the hot records.
"""

from __future__ import annotations

from typing import Any

from service.core.documents import StoredRecord
from service.core.operations import Plan, Preconditions, Replace
from service.core.queries import KEY, Eq, Meta, Order, Query
from service.errors import NotFound, PreconditionFailed
from service.store.api import Store
from service.store.catalog import Binding
from service.store.locks import contended
from service.store.records import Scope

NS = "jsonbin"
COLLECTION_CATEGORY = "jsonbin.collection"
LISTED = ("collectionId", "private", "name")
_PRIVATE_WITHOUT_SCHEMA = Preconditions(meta={"private": True, "schemaDocId": None})
# Found by id whoever owns it: with global keys the scope's project plays no part.
ANY_OWNER = ""


def scope_of(project: str) -> Scope:
    return Scope(project, NS, global_keys=True, catalogued=True, listed=LISTED)


_ANY_OWNERS = scope_of(ANY_OWNER)  # built once: every read finds its bin through it


def view(record: StoredRecord) -> dict[str, Any]:
    """The bin as the handlers use it: content under `record`, metadata beside it."""
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
        "stored": record,
    }


async def create_bin(
    store: Store,
    *,
    project: str,
    bin_id: str,
    record: Any,
    private: bool,
    name: str | None,
    collection_id: str | None,
    schema_id: str | None,
) -> dict[str, Any]:
    """Insert the bin (with its catalog entry). In a collection, on condition that the
    collection's schema is still `schema_id`, what the record was validated against:
    DefinitionChanged when it moved (validate again and retry)."""
    binding = None
    if collection_id is not None:
        binding = Binding(
            COLLECTION_CATEGORY, collection_id, "collectionId", {"schemaDocId": schema_id}
        )
    meta = {"private": private, "name": name, "collectionId": None, "schemaDocId": None}
    stored = await store.records.create(scope_of(project), bin_id, record, meta, binding=binding)
    return view(stored)


async def find_bin(store: Store, bin_id: str) -> dict[str, Any] | None:
    """A bin by id whoever owns it."""
    found = await store.records.find(_ANY_OWNERS, bin_id)
    return None if found is None else view(found)


async def replace_private(store: Store, *, bin_id: str, project: str, record: Any) -> bool:
    """The hot path, one round trip: replace a private, schema-less bin of `project`.

    False when the filter misses (not found, not the project's, public, or validated by a
    schema); the caller then reads the bin to find out which and takes the general path."""
    plan = Plan((Replace(record),), preconditions=_PRIVATE_WITHOUT_SCHEMA)
    return await store.records.try_apply(scope_of(project), bin_id, plan)


async def replace_unversioned(store: Store, *, doc: dict[str, Any], record: Any) -> None:
    """Replace a bin read just before, as long as its privacy and schema have not moved
    (if they have, `contended()`: the caller's `settle` reads and decides again)."""
    guarded = Preconditions(meta={"private": doc["private"], "schemaDocId": doc["schemaDocId"]})
    plan = Plan((Replace(record),), preconditions=guarded)
    try:
        await store.records.apply(scope_of(doc["project"]), doc["_id"], plan)
    except PreconditionFailed:
        raise contended() from None


async def replace_versioned(store: Store, *, doc: dict[str, Any], record: Any) -> int:
    """Archive the content the bin had when `doc` was read as the next version and
    replace it; the number it was archived under. One attempt from that read: if the bin
    moved (a write, a privacy or schema change) `contended()`, and `settle` tries again."""
    plan = Plan((Replace(record),), preconditions=Preconditions(rev=doc["rev"]))
    try:
        receipt = await store.records.apply_versioned_once(
            scope_of(doc["project"]), doc["stored"], plan
        )
    except PreconditionFailed:
        raise contended() from None
    return receipt.version


async def read_version(store: Store, doc: dict[str, Any], number: int) -> tuple[bool, Any]:
    """Archived content number `number` of the bin, if it exists."""
    try:
        found = await store.records.read_version(scope_of(doc["project"]), doc["_id"], number)
    except NotFound:
        return False, None
    return True, found.data


async def list_page(
    store: Store,
    *,
    project: str,
    collection_id: str | None,
    after: str | None,
    descending: bool,
    limit: int,
) -> list[dict[str, Any]]:
    """One page of a collection's bins (metadata only); `None` = bins in no collection."""
    query = Query(
        where=Eq(Meta("collectionId"), collection_id),
        order=(Order(KEY, descending),),
        after=None if after is None else (after,),
        limit=limit,
    )
    entries = await store.records.listing(scope_of(project), query)
    return [{**entry, "_id": entry["key"]} for entry in entries]


async def tag_schema(
    store: Store, *, project: str, collection_id: str, schema_id: str | None
) -> None:
    """Set (None: remove) a collection's schema doc and copy it onto its bins, at once."""
    copies = {} if schema_id is None else {"schemaDocId": schema_id}
    binding = Binding(COLLECTION_CATEGORY, collection_id, "collectionId", copies)
    unset = ("schemaDocId",) if schema_id is None else ()
    await store.records.rebind(scope_of(project), binding, unset=unset)
