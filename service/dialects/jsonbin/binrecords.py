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
from service.errors import Conflict, NotFound, PreconditionFailed
from service.store.api import Store
from service.store.catalog import Binding
from service.store.locks import contended, overloaded
from service.store.records import Hidden, Scope

NS = "jsonbin"
COLLECTION_CATEGORY = "jsonbin.collection"
LISTED = ("collectionId", "private", "name")
_HOLDABLE = {"private": True, "schemaDocId": None}  # the bins their project holds
# Found by id whoever owns it: with global keys the scope's project plays no part.
ANY_OWNER = ""
_MOVE_READS = 3  # reads of a bin its owner finds moving between its two forms


def scope_of(project: str, *, held: bool = False) -> Scope:
    return Scope(project, NS, global_keys=True, held=held, catalogued=True, listed=LISTED)


def scope_holding(doc: dict[str, Any]) -> Scope:
    """The scope of the bin `doc` as read, in the form it had then."""
    return scope_of(doc["project"], held=doc["held"])


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
        "held": record.held,
        "stored": record,
    }


def _hidden_view(found: Hidden) -> dict[str, Any]:
    """A held bin as anyone but its owner finds it: a private bin of that project, all
    that their refusals need."""
    return {"_id": found.id, "project": found.project, "private": True}


def holdable(doc: dict[str, Any]) -> bool:
    return all(doc[name] == value for name, value in _HOLDABLE.items())


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
    hold: bool,
) -> dict[str, Any]:
    """Insert the bin (with its catalog entry), held by its project when `hold` and it is
    private and schema-less. In a collection, on condition that the
    collection's schema is still `schema_id`, what the record was validated against:
    DefinitionChanged when it moved (validate again and retry)."""
    binding = None
    if collection_id is not None:
        binding = Binding(
            COLLECTION_CATEGORY, collection_id, "collectionId", {"schemaDocId": schema_id}
        )
    meta = {"private": private, "name": name, "collectionId": None, "schemaDocId": None}
    scope = scope_of(project, held=hold and holdable(meta | {"schemaDocId": schema_id}))
    stored = await store.records.create(scope, bin_id, record, meta, binding=binding)
    return view(stored)


async def find_bin(
    store: Store, bin_id: str, viewer: str | None = None, *, to_write: bool = False
) -> dict[str, Any] | None:
    """A bin by id whoever owns it; a held bin's content only for its owner (`viewer`,
    the caller's project). `to_write` (under `settle`): the owner's bin as this replica's
    last write left it, when trusted unchanged, instead of a read (Records.remembered),
    marked `remembered`: a refusal for what it says must be decided from a read."""
    if to_write and viewer is not None:
        known = store.records.remembered(_ANY_OWNERS, bin_id, viewer)
        if known is not None:
            return view(known) | {"remembered": True}
    for _ in range(_MOVE_READS):
        found = await store.records.locate(_ANY_OWNERS, bin_id, viewer=viewer)
        if found is None:
            return None
        if not isinstance(found, Hidden):
            return view(found)
        if found.project != viewer:
            return _hidden_view(found)
        # The owner met the stub alone: the bin was moving between its forms as read.
    raise overloaded("the bin kept moving; try again")


async def replace_private(
    store: Store, *, bin_id: str, project: str, record: Any, held: bool
) -> bool:
    """The hot path, one round trip: replace a private, schema-less bin of `project`: a
    bin that project holds, filtered on its `_id` alone (`held`), or one in the global form,
    on condition that it is the project's, private and schema-less.

    False when the filter misses (not found, not the project's, public, or validated by a
    schema); the caller then reads the bin to find out which and takes the general path."""
    preconditions = Preconditions() if held else Preconditions(meta=_HOLDABLE)
    plan = Plan((Replace(record),), preconditions=preconditions)
    return await store.records.try_apply(scope_of(project, held=held), bin_id, plan)


async def hold_bin(store: Store, doc: dict[str, Any]) -> bool:
    """Move a private, schema-less bin read in its global form into its owner's hold (a bin
    written before bins were held, or made private since); False when it moved meanwhile."""
    return await store.records.hold(scope_holding(doc), doc["_id"], _HOLDABLE)


async def replace_unversioned(store: Store, *, doc: dict[str, Any], record: Any) -> None:
    """Replace a bin read just before, as long as its form, privacy and schema have not
    moved (if they have, `contended()`: the caller's `settle` reads and decides again).
    A held bin's form says all that."""
    guarded = Preconditions(meta={"private": doc["private"], "schemaDocId": doc["schemaDocId"]})
    plan = Plan((Replace(record),), preconditions=Preconditions() if doc["held"] else guarded)
    try:
        await store.records.apply(scope_holding(doc), doc["_id"], plan)
    except (PreconditionFailed, NotFound):
        raise contended() from None


async def replace_versioned(store: Store, *, doc: dict[str, Any], record: Any) -> int:
    """Archive the content the bin had when `doc` was read as the next version and
    replace it; the number it was archived under. One attempt from that read: if the bin
    moved (a write, a privacy or schema change) `contended()`, and `settle` tries again."""
    plan = Plan((Replace(record),), preconditions=Preconditions(rev=doc["rev"]))
    try:
        receipt = await store.records.apply_versioned_once(
            scope_holding(doc), doc["stored"], plan, remembered=doc.get("remembered", False)
        )
    except (PreconditionFailed, NotFound):
        raise contended() from None
    return receipt.version


async def read_version(store: Store, doc: dict[str, Any], number: int) -> tuple[bool, Any]:
    """Archived content number `number` of the bin, if it exists."""
    try:
        found = await store.records.read_version(scope_holding(doc), doc["_id"], number)
    except NotFound:
        return False, None
    return True, found.data


async def set_meta(
    store: Store, doc: dict[str, Any], changes: dict[str, Any], *, hold: bool
) -> None:
    """Change a bin's metadata, moving it between its forms when its privacy does (into
    the hold only when `hold`); Conflict when it was deleted or moved meanwhile (read it
    again)."""
    scope = scope_holding(doc)
    try:
        if doc["held"] and changes.get("private") is False:
            await store.records.release(scope, doc["_id"], changes)
            return
        await store.records.set_meta(scope, doc["_id"], changes)
    except NotFound:
        raise Conflict("the bin moved meanwhile") from None
    if hold and not doc["held"] and holdable({**doc, **changes}):
        await hold_bin(store, doc)


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
