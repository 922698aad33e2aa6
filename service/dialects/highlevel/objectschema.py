"""Custom objects and fields as the dialect reasons about them: keys, data types, options."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from service.store.records import Scope

PREFIX = "custom_objects."
NS_PREFIX = "highlevel:"  # records of an object live in namespace "highlevel:<object key>"
# Apart from other dialects' records, so their writes do not maintain the search index.
OBJECT_RECORDS = "objectrecords"
# Definitions: an object and each of its fields, which share the object's `objectKey`.
OBJECT_CATEGORY = "highlevel.object"
FIELD_CATEGORY = "highlevel.field"
_SHORT_KEY = re.compile(r"[a-z0-9_]{1,64}")

TEXT = "TEXT"
LARGE_TEXT = "LARGE_TEXT"
TEXTBOX_LIST = "TEXTBOX_LIST"
NUMERICAL = "NUMERICAL"
PHONE = "PHONE"
MONETORY = "MONETORY"  # sic: HighLevel's spelling
SINGLE_OPTIONS = "SINGLE_OPTIONS"
RADIO = "RADIO"
MULTIPLE_OPTIONS = "MULTIPLE_OPTIONS"
CHECKBOX = "CHECKBOX"
DATE = "DATE"
FILE_UPLOAD = "FILE_UPLOAD"

DATA_TYPES = (
    TEXT,
    LARGE_TEXT,
    TEXTBOX_LIST,
    NUMERICAL,
    PHONE,
    MONETORY,
    SINGLE_OPTIONS,
    RADIO,
    MULTIPLE_OPTIONS,
    CHECKBOX,
    DATE,
    FILE_UPLOAD,
)
WITH_OPTIONS = frozenset({SINGLE_OPTIONS, MULTIPLE_OPTIONS, RADIO, CHECKBOX, TEXTBOX_LIST})
MULTI_VALUE = frozenset({MULTIPLE_OPTIONS, CHECKBOX, FILE_UPLOAD})
# Types whose stored value a `field:value` query can match (strings, numbers, option keys).
SEARCHABLE = frozenset(
    {TEXT, LARGE_TEXT, NUMERICAL, PHONE, SINGLE_OPTIONS, RADIO, MULTIPLE_OPTIONS, CHECKBOX, DATE}
)
PRIMARY_TYPES = (TEXT, NUMERICAL)
FILE_FORMATS = (".pdf", ".docx", ".doc", ".jpg", ".jpeg", ".png", ".gif", ".csv", ".xlsx", ".xls")
ALL_FORMATS = "all"

# Record content: {"owner": [...], "followers": [...], "properties": {...}}.
OWNER = "owner"
FOLLOWERS = "followers"
PROPERTIES = "properties"
MAX_OWNERS = 1
MAX_FOLLOWERS = 10


def object_key(raw: str) -> str | None:
    """`pet` or `custom_objects.pet` -> `custom_objects.pet`; None when malformed."""
    short = raw[len(PREFIX) :] if raw.startswith(PREFIX) else raw
    return PREFIX + short if _SHORT_KEY.fullmatch(short) else None


def field_key(of_object: str, raw: str) -> tuple[str | None, bool]:
    """`name` or `custom_objects.pet.name` -> (the full key or None, whether it is this
    object's: a full key of another object is refused)."""
    own = of_object + "."
    if raw.startswith(PREFIX):
        if not raw.startswith(own):
            return None, False
        raw = raw[len(own) :]
    return (own + raw, True) if _SHORT_KEY.fullmatch(raw) else (None, True)


def scope_of(project_id: str, object_key: str) -> Scope:
    """An object's records; searches without a query page its catalog (creation time),
    not an index on the records, which every update would maintain."""
    return Scope(project_id, NS_PREFIX + object_key, OBJECT_RECORDS, catalogued=True)


def short_key(full_key: str) -> str:
    return full_key.rsplit(".", 1)[-1]


def formats_of(raw: Any) -> list[str] | None:
    """acceptedFormats as a list (the API types it as a string; lists and ".pdf,.png" too)."""
    if raw is None:
        return None
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        return None
    return [item.strip().lower() for item in items if item.strip()]


@dataclass(frozen=True)
class FieldDef:
    """A custom field as record validation needs it."""

    key: str  # the short key used in record properties
    field_key: str
    data_type: str
    option_keys: frozenset[str] = frozenset()
    allow_custom: bool = False
    max_files: int | None = None
    formats: frozenset[str] = frozenset()  # empty: every format

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> FieldDef:
        formats = formats_of(doc.get("acceptedFormats")) or []
        return cls(
            key=short_key(doc["key"]),
            field_key=doc["key"],
            data_type=doc["dataType"],
            option_keys=frozenset(option["key"] for option in doc.get("options") or ()),
            allow_custom=bool(doc.get("allowCustomOption")),
            max_files=doc.get("maxFileLimit"),
            formats=frozenset() if ALL_FORMATS in formats else frozenset(formats),
        )


@dataclass(frozen=True)
class ObjectSchema:
    """A custom object and its fields, as loaded together (and cached) for record calls."""

    object: dict[str, Any]
    fields: tuple[dict[str, Any], ...]
    by_key: dict[str, FieldDef] = field(default_factory=dict)

    @classmethod
    def build(cls, obj: dict[str, Any], docs: Iterable[dict[str, Any]]) -> ObjectSchema:
        fields = tuple(docs)
        by_key = {definition.key: definition for definition in map(FieldDef.from_doc, fields)}
        return cls(object=obj, fields=fields, by_key=by_key)

    @property
    def key(self) -> str:
        return str(self.object["key"])

    @property
    def id(self) -> str:
        return str(self.object["_id"])

    @property
    def searchable(self) -> list[FieldDef]:
        keys = self.object.get("searchableProperties") or []
        return [self.by_key[short_key(k)] for k in keys if short_key(k) in self.by_key]
