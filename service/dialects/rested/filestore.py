"""Where rested keeps file bytes: the store's files part, in a bucket of its own, owned by
the endpoint (its namespace), and linked from the record's `file` metadata."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from service.store.records import Scope

if TYPE_CHECKING:
    from service.store.api import Store

BUCKET = "restedfiles"
FILE = "file"  # the record metadata holding its file's id


def file_id(meta: dict[str, Any]) -> str | None:
    value = meta.get(FILE)
    return value if isinstance(value, str) else None


async def delete_endpoint_files(
    store: Store, scope: Scope, *, uploaded_before: datetime | None = None
) -> None:
    """Every file of the endpoint (of its namespace): when it is deleted, or what a deleted
    endpoint of the same name left before a new one is made."""
    await store.files.delete_owned(
        scope.project, [scope.ns], bucket=BUCKET, uploaded_before=uploaded_before
    )


async def delete_record_file(store: Store, scope: Scope, meta: dict[str, Any]) -> None:
    """The file of a deleted record, if it had one."""
    found = file_id(meta)
    if found is not None:
        await store.files.delete(scope.project, found, bucket=BUCKET)
