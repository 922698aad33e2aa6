"""The Store: the one object the rest of the service reaches the database through.

Built once per app (service.app) around one database handle; dialects and the web edge
get typed methods from its parts and never a motor object. Every method maps driver
errors to domain errors (service.store.errors) on the way out, whatever module does the
work underneath.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from service.core.documents import StoredRecord
from service.core.operations import Plan
from service.core.queries import Order, Query
from service.store import (
    batches,
    bulk,
    catalog,
    definitions,
    indexes,
    records,
    selections,
    transactions,
    versions,
)
from service.store.catalog import Binding
from service.store.client import Database, check_reachable, ping
from service.store.directory import Directory
from service.store.errors import translated
from service.store.locks import RecordLocks, settle
from service.store.records import Receipt, Scope
from service.store.tenancy import Projects, Sessions, Users
from service.store.windows import ExactLimiter, MeteredLimiter

T = TypeVar("T")
C = TypeVar("C", bound=type)


def _mapped(cls: C) -> C:
    """Wrap every public coroutine method of `cls` in the driver-error mapping."""
    for name, member in list(vars(cls).items()):
        if not name.startswith("_") and inspect.iscoroutinefunction(member):
            setattr(cls, name, functools.wraps(member)(translated(member)))
    return cls


class Transaction:
    """An open transaction, handed to the work of `Store.transaction`; pass it as `tx` to
    the methods that accept one."""

    def __init__(self, session: Any) -> None:
        self.session = session


def _session(tx: Transaction | None) -> Any:
    return None if tx is None else tx.session


@_mapped
class Records:
    """Records of a scope: single writes, versions, batches, catalog, queries."""

    def __init__(self, db: Database, locks: RecordLocks) -> None:
        self._db, self._locks = db, locks

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
        if scope.listed or binding is not None:
            return await catalog.create(self._db, scope, key, data, meta or {}, binding=binding)
        return await records.create_record(self._db, scope, key, data, meta=meta)

    async def get(self, scope: Scope, key: Any) -> StoredRecord:
        return await records.get_record(self._db, scope, key)

    async def find(self, scope: Scope, key: Any) -> StoredRecord | None:
        return await records.find_record(self._db, scope, key)

    async def get_many(self, scope: Scope, keys: Sequence[Any]) -> list[StoredRecord]:
        return await records.get_records(self._db, scope, keys)

    async def delete(self, scope: Scope, key: Any, *, expected_rev: int | None = None) -> None:
        await records.delete_record(self._db, scope, key, expected_rev=expected_rev)

    async def apply(self, scope: Scope, key: Any, plan: Plan) -> Receipt:
        return await records.apply_plan(self._db, scope, key, plan)

    async def apply_and_read(self, scope: Scope, key: Any, plan: Plan) -> StoredRecord:
        return await records.apply_plan_and_read(self._db, scope, key, plan)

    async def try_apply(self, scope: Scope, key: Any, plan: Plan) -> bool:
        """One write, no read: False when the filter misses, for whatever reason."""
        return await records.try_plan(self._db, scope, key, plan)

    async def settle(self, scope: Scope, key: Any, attempt: Callable[[], Awaitable[T]]) -> T:
        """Run `attempt` (read, decide, write once) under the record's lock, again after
        each contended miss (service.store.locks)."""
        return await settle(self._locks, scope.collection, key, attempt)

    async def apply_versioned(
        self, scope: Scope, key: Any, plan: Plan
    ) -> versions.VersionedReceipt:
        return await versions.apply_versioned(self._db, scope, key, plan, locks=self._locks)

    async def apply_versioned_once(
        self, scope: Scope, live: StoredRecord, plan: Plan
    ) -> versions.VersionedReceipt:
        """One attempt from `live`, read just before under `settle`."""
        return await versions.apply_versioned_once(self._db, scope, live.id, plan, live=live.source)

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

    async def ensure_index(self, collection: str, order: Sequence[Order]) -> None:
        await selections.ensure_index(self._db, collection, order)

    async def ensure_catalog_index(self, *fields: str) -> None:
        await catalog.ensure_index(self._db, *fields)


@_mapped
class Definitions:
    """A project's definitions (service.store.definitions), by category."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        project: str,
        category: str,
        attrs: dict[str, Any],
        *,
        definition_id: str | None = None,
    ) -> dict[str, Any]:
        return await definitions.create(
            self._db, project=project, category=category, attrs=attrs, definition_id=definition_id
        )

    async def create_limited(
        self, project: str, category: str, attrs: dict[str, Any], *, limit: int
    ) -> dict[str, Any] | None:
        return await definitions.create_limited(
            self._db, project=project, category=category, attrs=attrs, limit=limit
        )

    async def get(
        self, project: str, category: str, definition_id: str, *, tx: Transaction | None = None
    ) -> dict[str, Any]:
        return await definitions.get(
            self._db,
            project=project,
            category=category,
            definition_id=definition_id,
            session=_session(tx),
        )

    async def find(
        self,
        project: str,
        categories: Sequence[str],
        query: Query | None = None,
        *,
        tx: Transaction | None = None,
    ) -> list[dict[str, Any]]:
        return await definitions.find(self._db, project, categories, query, _session(tx))

    async def update(
        self,
        project: str,
        category: str,
        definition_id: str,
        changes: dict[str, Any],
        *,
        unset: tuple[str, ...] = (),
        expected_rev: int | None = None,
        merge_lists: dict[str, str] | None = None,
        tx: Transaction | None = None,
    ) -> dict[str, Any]:
        return await definitions.update(
            self._db,
            project=project,
            category=category,
            definition_id=definition_id,
            changes=changes,
            unset=unset,
            expected_rev=expected_rev,
            merge_lists=merge_lists,
            session=_session(tx),
        )

    async def detach(
        self,
        project: str,
        category: str,
        where: Query,
        pull: dict[str, Any],
        *,
        tx: Transaction | None = None,
    ) -> bool:
        """Remove values from list fields of the one definition `where` selects; False
        when none matches."""
        return await definitions.pull(self._db, project, category, where, pull, _session(tx))

    async def delete(
        self, project: str, category: str, definition_id: str, *, tx: Transaction | None = None
    ) -> None:
        await definitions.delete(self._db, project, category, definition_id, _session(tx))

    async def ensure_index(self, *fields: str) -> None:
        await definitions.ensure_index(self._db, fields)


class Store:
    """Everything the service keeps in the database, under one handle."""

    def __init__(self, db: Database, *, key_cache_seconds: float) -> None:
        self._db = db
        self.locks = RecordLocks()
        self.records = Records(db, self.locks)
        self.definitions = Definitions(db)
        self.directory = Directory(db, ttl=key_cache_seconds)
        self.exact_limits = ExactLimiter(db)
        self.metered_limits = MeteredLimiter(db)
        self.projects = Projects(db)
        self.users = Users(db)
        self.sessions = Sessions(db)

    async def ping(self, *, where: str = "database") -> None:
        await ping(self._db, where=where)

    def check_reachable(self) -> None:
        """Unavailable at once while the driver knows the database to be down."""
        check_reachable(self._db)

    async def transaction(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        """`await work(tx)` in one transaction, retried on conflicts (store.transactions)."""
        return await translated(transactions.run)(self._db, lambda s: work(Transaction(s)))

    async def ensure_indexes(self) -> None:
        """The indexes of every part but the dialects' own (Dialect.ensure_indexes)."""
        await translated(indexes.ensure_all)(self._db)
