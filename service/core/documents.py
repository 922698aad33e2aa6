"""The record document layout in the records collection, and its decoded form.

    {_id, project, ns, data, rev, version, createdAt, updatedAt,
     keysEscaped?   true when some key under `data` was escaped (service.core.keys)
     recentWrites?  ids of the last multi-record writes that changed this record
     ...            top-level metadata a dialect adds through Plan.meta / create}

`data` holds the content, of any JSON kind. `rev` starts at 0 and every write adds 1 in
the same update; `version` counts the archived versions (versioned writes only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from service.core.keys import needs_escape, restore
from service.core.pipeline import SCRATCH
from service.errors import Invalid

RECENT_WRITES = 16  # how many multi-record write ids a record remembers

LAYOUT_FIELDS = frozenset(
    {"_id", "project", "ns", "data", "rev", "version", "createdAt", "updatedAt"}
)
RESERVED_FIELDS = LAYOUT_FIELDS | {"keysEscaped", "recentWrites", SCRATCH}


@dataclass(frozen=True)
class StoredRecord:
    """A record as read: content with its keys restored, and the dialect's metadata."""

    id: Any
    project: str
    ns: str
    data: Any
    rev: int
    version: int
    created_at: datetime
    updated_at: datetime
    meta: dict[str, Any] = field(default_factory=dict)


def check_meta(meta: Any) -> None:
    """Refuse metadata names that are reserved or that MongoDB would read as paths."""
    for name in meta:
        if not isinstance(name, str) or name in RESERVED_FIELDS or needs_escape(name):
            raise Invalid(f"{name!r} cannot be a metadata field", reason="invalid_plan")


def content_of(document: dict[str, Any]) -> Any:
    """The content of a stored document (or version) with escaped keys restored."""
    data = document.get("data")
    return restore(data) if document.get("keysEscaped") else data


def record_from(document: dict[str, Any]) -> StoredRecord:
    return StoredRecord(
        id=document["_id"],
        project=document["project"],
        ns=document["ns"],
        data=content_of(document),
        rev=document["rev"],
        version=document.get("version", 0),
        created_at=document["createdAt"],
        updated_at=document["updatedAt"],
        meta={k: v for k, v in document.items() if k not in RESERVED_FIELDS},
    )
