"""The Store's definitions part (service.store.definitions), bound to the database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from service.core.queries import Query
from service.store import definitions
from service.store.client import Database
from service.store.errors import mapped
from service.store.transactions import Transaction, session_of


@mapped
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
            session=session_of(tx),
        )

    async def find(
        self,
        project: str,
        categories: Sequence[str],
        query: Query | None = None,
        *,
        tx: Transaction | None = None,
    ) -> list[dict[str, Any]]:
        return await definitions.find(self._db, project, categories, query, session_of(tx))

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
            session=session_of(tx),
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
        return await definitions.pull(self._db, project, category, where, pull, session_of(tx))

    async def delete(
        self, project: str, category: str, definition_id: str, *, tx: Transaction | None = None
    ) -> None:
        await definitions.delete(self._db, project, category, definition_id, session_of(tx))

    async def ensure_index(self, *fields: str) -> None:
        await definitions.ensure_index(self._db, fields)
