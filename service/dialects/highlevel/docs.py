"""Pieces of the HighLevel route docs (routes.py): the token, shared parameters, answers."""

from __future__ import annotations

from typing import Any

from service.dialects.highlevel import bodydocs
from service.dialects.highlevel.objectschema import DATA_TYPES
from service.web.routedoc import Param, Reply, RouteDoc, SchemaLike, Security

BEARER = Security(
    "highlevelBearer",
    {"type": "http", "scheme": "bearer", "description": "The project's master key"},
)
VERSION = Param(
    "Version",
    "API version: any value that is not blank (2021-07-28, v3, ...)",
    {"type": "string", "pattern": r"\S", "example": "2021-07-28"},
    required=True,
)
LOCATION = Param(
    "locationId", "The project id (must be the token's project)", bodydocs.LOCATION, True
)
OPTIONAL_LOCATION = Param("locationId", "The project id, checked when given", bodydocs.LOCATION)
OBJECT_KEY = Param(
    "key", "Object key, `custom_objects.<name>` (the prefix may be left out)", bodydocs.OBJECT_KEY
)
OBJECT_KEY_OR_ID = Param(
    "key", f"{OBJECT_KEY.description}, or the object's id", bodydocs.OBJECT_KEY
)
_HEX_ID = {"type": "string", "pattern": "^[0-9a-f]{24}$"}
RECORD_ID = Param("id", "Record id (24 hex digits)", _HEX_ID)
FIELD_ID = Param("id", "Custom field id (24 hex digits)", _HEX_ID)

_TEXT: dict[str, Any] = {"type": "string"}
_TEXTS: dict[str, Any] = {"type": "array", "items": _TEXT}
_ANY_OBJECT: dict[str, Any] = {"type": "object"}
ERROR: dict[str, Any] = {
    "type": "object",
    "required": ["statusCode", "message", "traceId"],
    "properties": {
        "statusCode": {"type": "integer"},
        "message": {"anyOf": [_TEXT, _TEXTS], "description": "A list for validation (422)"},
        "error": _TEXT,
        "traceId": _TEXT,
    },
}
LABELS = {"type": "object", "properties": {"singular": _TEXT, "plural": _TEXT}}
OBJECT = {
    "type": "object",
    "required": ["id", "standard", "key", "labels", "locationId", "primaryDisplayProperty"],
    "properties": {
        "id": _TEXT,
        "standard": {"type": "boolean"},
        "key": _TEXT,
        "labels": LABELS,
        "description": {"type": ["string", "null"]},
        "locationId": _TEXT,
        "primaryDisplayProperty": _TEXT,
        "searchableProperties": _TEXTS,
        "dateAdded": _TEXT,
        "dateUpdated": _TEXT,
        "type": _TEXT,
    },
}
OPTION = {
    "type": "object",
    "required": ["key", "label"],
    "properties": {"key": _TEXT, "label": _TEXT, "url": _TEXT},
}
FIELD = {
    "type": "object",
    "required": ["id", "locationId", "name", "objectKey", "dataType", "fieldKey"],
    "properties": {
        "id": _TEXT,
        "locationId": _TEXT,
        "name": _TEXT,
        "description": {"type": ["string", "null"]},
        "placeholder": {"type": ["string", "null"]},
        "showInForms": {"type": "boolean"},
        "options": {"type": "array", "items": OPTION},
        "acceptedFormats": {"anyOf": [_TEXT, _TEXTS]},
        "objectKey": _TEXT,
        "dataType": {"type": "string", "enum": list(DATA_TYPES)},
        "parentId": {"type": ["string", "null"]},
        "fieldKey": _TEXT,
        "allowCustomOption": {"type": "boolean"},
        "maxFileLimit": {"type": "integer"},
        "dateAdded": _TEXT,
        "dateUpdated": _TEXT,
    },
}
RECORD: dict[str, Any] = {
    "type": "object",
    "required": ["id", "owner", "followers", "properties", "dateAdded", "dateUpdated"],
    "properties": {
        "id": _TEXT,
        "owner": _TEXTS,
        "followers": _TEXTS,
        "properties": _ANY_OBJECT,
        "dateAdded": _TEXT,
        "dateUpdated": _TEXT,
    },
}
SEARCH_ITEM = {
    "type": "object",
    "required": ["id", "properties", "createdAt", "updatedAt", "searchAfter"],
    "properties": {
        **{k: v for k, v in RECORD["properties"].items() if not k.startswith("date")},
        "createdAt": _TEXT,
        "updatedAt": _TEXT,
        "locationId": _TEXT,
        "objectId": _TEXT,
        "objectKey": _TEXT,
        "createdBy": _ANY_OBJECT,
        "lastUpdatedBy": _ANY_OBJECT,
        "searchAfter": {"type": "array"},
    },
}


def wrapped(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": [name], "properties": {name: schema}}


def listed(name: str, items: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"type": "object", "properties": {name: {"type": "array", "items": items}, **more}}


OBJECT_WITH_FIELDS = wrapped("object", OBJECT)
OBJECT_WITH_FIELDS["properties"] |= {
    "cache": {"type": "boolean"},
    "fields": {"type": "array", "items": FIELD},
}
FOUND = listed("records", SEARCH_ITEM, total={"type": "integer"})
FIELDS = listed("fields", FIELD, folders={"type": "array"})
FIELD_DELETED: dict[str, Any] = {
    "type": "object",
    "properties": {"succeded": {"type": "boolean"}, "id": _TEXT, "key": _TEXT},
}
RECORD_DELETED = {"type": "object", "properties": {"id": _TEXT, "success": {"type": "boolean"}}}
FETCH = Param("fetchProperties", "`true`: include the object's fields")


def doc(
    summary: str,
    status: int,
    answer: dict[str, Any],
    *,
    path: tuple[Param, ...] = (),
    query: tuple[Param, ...] = (),
    body: SchemaLike | None = None,
) -> RouteDoc:
    """Every HighLevel route: the Version header, the bearer token, NestJS's error body."""
    return RouteDoc(
        summary=summary,
        headers=(VERSION,),
        path=path,
        query=query,
        request=body,
        responses={status: Reply("Success", answer)},
        error=ERROR,
        security=((BEARER,),),
    )
