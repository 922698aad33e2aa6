"""The Store's records part: one scope's records, their versions, batches, catalog and
queries, bound to the database and the replica's record locks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from cachetools import LRUCache

from service.core.documents import StoredRecord
from service.core.operations import Plan
from service.core.queries import Order, Query
from service.store import batches, bulk, catalog, holding, records, selections, versions
from service.store.catalog import Binding
from service.store.client import Database
from service.store.errors import mapped
from service.store.lastwrites import LastWrites
from service.store.locks import RecordLocks, settle
from service.store.records import Hidden, Receipt, Scope

T = TypeVar("T")
HOLDER_HINTS = 20_000  # records whose form `locate` remembers (about 5 MB)


@mapped
class Records:
    """Records of a scope: single writes, versions, batches, catalog, queries."""

    def __init__(self, db: Database, locks: RecordLocks) -> None:
        self._db, self._locks = db, locks
        # Where `locate` last found each record (its holder, None: the global form), so the
        # next read asks for that `_id` alone. A guess only: a wrong one costs a read.
        self._holders: LRUCache[str, str | None] = LRUCache(HOLDER_HINTS)
        self._last = LastWrites()  # what this replica's writes left (service.store.lastwrites)

    async def create(
        self,
        scope: Scope,
        key: Any,
        data: Any,
        meta: dict[str, Any] | None = None,
        *,
        binding: Binding | None = None,
    ) -> StoredRecord:
        """Insert at rev 0 (`key=None`: a new ObjectId hex); catalogued or bound
        namespaces insert in one transaction with their entry (service.store.catalog)."""
        if scope.catalogued or binding is not None:
            return await catalog.create(self._db, scope, key, data, meta or {}, binding=binding)
        return await records.create_record(self._db, scope, key, data, meta=meta)

    async def get(self, scope: Scope, key: Any) -> StoredRecord:
        return await records.get_record(self._db, scope, key)

    async def find(self, scope: Scope, key: Any) -> StoredRecord | None:
        return await records.find_record(self._db, scope, key)

    async def locate(
        self, scope: Scope, key: Any, *, viewer: str | None
    ) -> StoredRecord | Hidden | None:
        """A record of a scope with global keys by key alone, whatever its form
        (service.store.records.locate)."""
        where = records.identity_id(scope, key)
        hint = self._holders.get(where, records.UNKNOWN)
        found = await records.locate(self._db, scope, key, viewer=viewer, hint=hint)
        if found is None:
            self._holders.pop(where, None)
        else:
            held = isinstance(found, Hidden) or found.held
            self._holders[where] = found.project if held else None
        return found

    async def hold(self, scope: Scope, key: Any, conditions: dict[str, Any]) -> bool:
        """Move the record into its project's hold while it meets `conditions`
        (service.store.holding)."""
        moved = await holding.hold(self._db, scope, key, conditions)
        if moved:  # where the next read finds it
            self._holders[records.identity_id(scope, key)] = scope.project
        return moved

    async def release(self, scope: Scope, key: Any, changes: dict[str, Any]) -> None:
        """Move a held record back to its global form, with metadata `changes`."""
        await catalog.release(self._db, scope, key, changes, locks=self._locks)
        self._holders[records.identity_id(scope, key)] = None

    async def get_many(self, scope: Scope, keys: Sequence[Any]) -> list[StoredRecord]:
        return await records.get_records(self._db, scope, keys)

    async def delete(self, scope: Scope, key: Any, *, expected_rev: int | None = None) -> None:
        """Delete one record (with its catalog entry and versions in a catalogued scope)."""
        if scope.catalogued:
            await catalog.delete(self._db, scope, key, locks=self._locks, expected_rev=expected_rev)
            return
        await records.delete_record(self._db, scope, key, expected_rev=expected_rev)

    async def apply(self, scope: Scope, key: Any, plan: Plan) -> Receipt:
        return await records.apply_plan(self._db, scope, key, plan)

    async def apply_and_read(self, scope: Scope, key: Any, plan: Plan) -> StoredRecord:
        return await records.apply_plan_and_read(self._db, scope, key, plan, self._last)

    async def try_apply(self, scope: Scope, key: Any, plan: Plan) -> bool:
        """One write, no read: False when the filter misses, for whatever reason."""
        return await records.try_plan(self._db, scope, key, plan)

    async def settle(self, scope: Scope, key: Any, attempt: Callable[[], Awaitable[T]]) -> T:
        """Run `attempt` (read, decide, write once) under the record's lock, again after
        each contended miss (service.store.locks). An attempt may start from the record
        this replica remembers (`remembered`) instead of a read; once one fails, for any
        reason, the next attempt reads. An attempt that would refuse the write for what
        the remembered record says must raise `contended()` instead, to decide again from
        a read."""
        written = records.written_key(scope, key)

        async def watched() -> T:
            try:
                return await attempt()
            except BaseException:
                self._last.distrust(written)
                raise

        return await settle(self._locks, scope.collection, key, watched)

    def remembered(self, scope: Scope, key: Any, viewer: str) -> StoredRecord | None:
        """Record `key` as this replica's last write left it, while trusted to be unchanged
        (service.store.lastwrites) and `viewer`'s own: a writer under `settle` may start
        from it instead of a read, as its write is guarded by the revision."""
        document = self._last.known(records.written_key(scope, key))
        if document is None or document.get("project") != viewer:
            return None
        held = document["_id"] != records.identity_id(scope, key)
        return records.record_from(document, key, held=held)

    async def apply_versioned(
        self, scope: Scope, key: Any, plan: Plan
    ) -> versions.VersionedReceipt:
        return await versions.apply_versioned(self._db, scope, key, plan, locks=self._locks)

    async def apply_versioned_once(
        self, scope: Scope, live: StoredRecord, plan: Plan, *, remembered: bool = False
    ) -> versions.VersionedReceipt:
        """One attempt from `live`, read just before under `settle`, or `remembered`; the
        document it leaves is remembered."""
        receipt = await versions.apply_versioned_once(
            self._db, scope, live.id, plan, live=live.source, remembered=remembered
        )
        if receipt.document is not None:
            read = None if remembered else live.source
            self._last.wrote(records.written_key(scope, live.id), receipt.document, read)
        return receipt

    async def read_version(self, scope: Scope, key: Any, number: int) -> versions.StoredVersion:
        return await versions.read_version(self._db, scope, key, number)

    async def delete_versions(self, scope: Scope, key: Any, *, keep_latest: bool) -> int:
        """Delete every version; the live content stays (`keep_latest`) or goes back to
        the content before version 1."""
        reset = versions.delete_versions if keep_latest else versions.delete_versions_to_first
        return await reset(self._db, scope, key, locks=self._locks)

    async def delete_with_versions(self, scope: Scope, key: Any) -> int:
        """Delete the record and its versions (and its catalog entry); how many versions."""
        return await catalog.delete(self._db, scope, key, locks=self._locks)

    async def set_meta(self, scope: Scope, key: Any, changes: dict[str, Any]) -> None:
        await catalog.set_meta(self._db, scope, key, changes, locks=self._locks)

    async def listing(self, scope: Scope, query: Query) -> list[dict[str, Any]]:
        return await catalog.listing(self._db, scope, query)

    async def listed(self, scope: Scope, query: Query) -> list[StoredRecord]:
        """The records a query over the catalog (key, creation time, listed metadata)
        selects, in its order."""
        return await catalog.listed_records(self._db, scope, query)

    async def rebind(self, scope: Scope, binding: Binding, *, unset: tuple[str, ...] = ()) -> None:
        await catalog.rebind(self._db, scope, binding, unset=unset)

    async def select(self, scope: Scope, query: Query) -> list[StoredRecord]:
        return await selections.find(self._db, scope, query)

    async def page(self, scope: Scope, query: Query) -> tuple[list[StoredRecord], int]:
        return await selections.page(self._db, scope, query)

    async def count(self, scope: Scope, query: Query) -> int:
        return await selections.count(self._db, scope, query)

    async def update_where(self, scope: Scope, query: Query, plan: Plan) -> int:
        return await selections.update_where(self._db, scope, query, plan)

    async def delete_where(self, scope: Scope, query: Query) -> int:
        return await selections.delete_where(self._db, scope, query)

    async def apply_all(
        self, scope: Scope, items: Sequence[bulk.BatchItem]
    ) -> list[batches.ItemResult]:
        """Every item or none, in one transaction (one ordered bulk write)."""
        return await bulk.apply_all(self._db, scope, items)

    async def update_ids(
        self, scope: Scope, keys: Sequence[Any], plan: Plan
    ) -> list[batches.ItemResult]:
        return await batches.update_ids(self._db, scope, keys, plan)

    async def update_each(
        self, scope: Scope, items: Sequence[tuple[Any, Plan]]
    ) -> list[batches.ItemResult]:
        return await batches.update_each(self._db, scope, items)

    async def delete_ids(self, scope: Scope, keys: Sequence[Any]) -> list[batches.ItemResult]:
        return await batches.delete_ids(self._db, scope, keys)

    async def adopt_catalog(self, collection: str, order: Sequence[Order], ns_prefix: str) -> None:
        """These namespaces' listings come from their catalog from now on, and their
        records get the index that suits the server (service.store.selections)."""
        await selections.adopt_catalog(self._db, collection, order, ns_prefix)

    async def ensure_catalog_index(self, *fields: str) -> None:
        await catalog.ensure_index(self._db, *fields)
