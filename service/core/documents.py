"""The record document layout in the records collection, its identity, and its decoded form.

    {_id, project, ns, data, rev, version?, createdAt, updatedAt,
     keysEscaped?   true when some key under `data` was escaped (service.core.fieldnames)
     recentWrites?  ids of the last multi-record writes that changed this record
     ...            top-level metadata a dialect adds through Plan.meta / create}

A record is identified by (project, ns, key): `_id` is the JSON text `[project, ns, key]`
(`encode_key`), so the `_id` index every collection has makes that triple unique with no
index of its own (SecantusDB maintains every index on every write). `_id` is opaque outside
the store; a dialect names records by key: a string, an integer or a tuple of scalars (a
composite key). A namespace whose keys are unique across projects (JSONBin's bins, read by
id alone) is encoded with project None, so it is found by key without knowing the project.

`data` holds the content, of any JSON kind. `rev` starts at 0 and every write adds 1 in
the same update; `version` counts the archived versions (versioned writes only), missing
until the first. Metadata a record is created with as None is left out too: MongoDB's
filters and sorts take a missing field as null, and every reader takes it as None.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from service.core.fieldnames import needs_escape, restore
from service.core.pipeline import SCRATCH
from service.errors import InvalidPlan, InvalidValue

# One encoder for every key: json.dumps with options builds a new encoder on each call.
_KEY_ENCODER = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), allow_nan=False)
_STRING = json.encoder.encode_basestring_ascii  # the encoder's own string literal (in C)
RECENT_WRITES = 16  # how many multi-record write ids a record remembers

LAYOUT_FIELDS = frozenset(
    {"_id", "project", "ns", "data", "rev", "version", "createdAt", "updatedAt"}
)
RESERVED_FIELDS = LAYOUT_FIELDS | {"keysEscaped", "recentWrites", SCRATCH}

Scalar = str | int | float | bool | None
RecordKey = str | int | tuple[Scalar, ...]


def encode_key(project: str | None, ns: str, key: Any) -> str:
    """The stored `_id` of record `key` (a list is taken as the tuple it equals)."""
    key = _checked(key)
    if type(key) is str and project is not None:
        # The commonest key written directly, as the encoder writes it: 7k instructions
        # instead of 17k (callgrind), and every write and read by key makes one.
        return f"[{_STRING(project)},{_STRING(ns)},{_STRING(key)}]"
    return _KEY_ENCODER.encode([project, ns, key])


def key_prefix(project: str | None, ns: str) -> str:
    """How the `_id` of every record of `project` in `ns` begins (encode_key)."""
    return f"[{_KEY_ENCODER.encode(project)},{_STRING(ns)},"


def encode_version_key(project: str | None, ns: str, key: Any, number: int) -> str:
    """The stored `_id` of version `number` of record `key`: one element longer than any
    record's `_id`, so the two never meet in the collection they share."""
    return _KEY_ENCODER.encode([project, ns, _checked(key), number])


def decode_identity(stored_id: str) -> tuple[str | None, str, RecordKey]:
    """The project, namespace and key a record's stored `_id` was encoded from."""
    project, ns, key = json.loads(stored_id)
    return project, ns, tuple(key) if isinstance(key, list) else key


def decode_key(stored_id: str) -> RecordKey:
    """The key a stored `_id` was encoded from; a composite key comes back as a tuple."""
    return decode_identity(stored_id)[2]


def _checked(key: Any) -> Any:
    if isinstance(key, str) or (isinstance(key, int) and not isinstance(key, bool)):
        return key
    if isinstance(key, tuple | list) and key and all(map(_is_scalar, key)):
        return list(key)
    raise InvalidValue(
        f"a record key is a string, an integer or a list of scalars, not {type(key).__name__}"
    )


def _is_scalar(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, str | int)


@dataclass(frozen=True)
class StoredRecord:
    """A record as read: content with its keys restored, and the dialect's metadata."""

    id: Any  # the record's key
    project: str
    ns: str
    data: Any
    rev: int
    version: int
    created_at: datetime
    updated_at: datetime
    meta: dict[str, Any] = field(default_factory=dict)
    # The document as stored, for a write that starts from this read (versions).
    source: dict[str, Any] | None = field(default=None, compare=False, repr=False)
    held: bool = False  # held by its project (service.store.records.Scope.held)


def check_meta(meta: Any) -> None:
    """Refuse metadata names that are reserved or that MongoDB would read as paths."""
    for name in meta:
        if not isinstance(name, str) or name in RESERVED_FIELDS or needs_escape(name):
            raise InvalidPlan(f"{name!r} cannot be a metadata field")


def content_of(document: dict[str, Any]) -> Any:
    """The content of a stored document (or version) with escaped keys restored."""
    data = document.get("data")
    return restore(data) if document.get("keysEscaped") else data


def record_from(document: dict[str, Any], key: Any = None, *, held: bool = False) -> StoredRecord:
    """The record a document holds; `key`, when the reader asked for that record, spares
    decoding it from `_id`."""
    return StoredRecord(
        id=decode_key(document["_id"]) if key is None else key,
        project=document["project"],
        ns=document["ns"],
        data=content_of(document),
        rev=document["rev"],
        version=document.get("version", 0),
        created_at=document["createdAt"],
        updated_at=document["updatedAt"],
        meta={k: v for k, v in document.items() if k not in RESERVED_FIELDS},
        source=document,
        held=held,
    )
