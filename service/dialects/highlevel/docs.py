"""OpenAPI documentation of the HighLevel routes (routes.py): auth, bodies, answers."""

from __future__ import annotations

from typing import Any

from service.dialects.highlevel import bodydocs as b
from service.dialects.highlevel import definitions as d
from service.web.routedoc import Param, Reply, RouteDoc, Security

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
LOCATION = Param("locationId", "The project id (must be the token's project)", b.LOCATION, True)
OPTIONAL_LOCATION = Param("locationId", "The project id, checked when given", b.LOCATION)
OBJECT_KEY = Param(
    "key", "Object key, `custom_objects.<name>` (the prefix may be left out)", b.OBJECT_KEY
)
OBJECT_KEY_OR_ID = Param("key", f"{OBJECT_KEY.description}, or the object's id", b.OBJECT_KEY)
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
        "dataType": {"type": "string", "enum": list(d.DATA_TYPES)},
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


def _wrapped(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": [name], "properties": {name: schema}}


def _list(name: str, items: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"type": "object", "properties": {name: {"type": "array", "items": items}, **more}}


OBJECT_WITH_FIELDS = _wrapped("object", OBJECT)
OBJECT_WITH_FIELDS["properties"] |= {
    "cache": {"type": "boolean"},
    "fields": {"type": "array", "items": FIELD},
}
FOUND = _list("records", SEARCH_ITEM, total={"type": "integer"})
FIELDS = _list("fields", FIELD, folders={"type": "array"})
FIELD_DELETED: dict[str, Any] = {
    "type": "object",
    "properties": {"succeded": {"type": "boolean"}, "id": _TEXT, "key": _TEXT},
}
RECORD_DELETED = {"type": "object", "properties": {"id": _TEXT, "success": {"type": "boolean"}}}
FETCH = Param("fetchProperties", "`true`: include the object's fields")

# (method, path): summary, success status, answer schema, path, query and body documentation.
_TABLE: dict[tuple[str, str], tuple[Any, ...]] = {
    ("GET", "/objects/"): (
        "List custom objects",
        200,
        _list("objects", OBJECT),
        (),
        (LOCATION,),
        None,
    ),
    ("POST", "/objects/"): (
        "Create a custom object and its primary field",
        201,
        _wrapped("object", OBJECT),
        (),
        (),
        b.OBJECT_CREATE,
    ),
    ("GET", "/objects/{key}"): (
        "Get a custom object by key or id",
        200,
        OBJECT_WITH_FIELDS,
        (OBJECT_KEY_OR_ID,),
        (LOCATION, FETCH),
        None,
    ),
    ("PUT", "/objects/{key}"): (
        "Update labels, description, searchable properties",
        200,
        _wrapped("object", OBJECT),
        (OBJECT_KEY,),
        (),
        b.OBJECT_UPDATE,
    ),
    ("POST", "/objects/{key}/records"): (
        "Create a record",
        201,
        _wrapped("record", RECORD),
        (OBJECT_KEY,),
        (),
        b.RECORD_CREATE,
    ),
    ("POST", "/objects/{key}/records/search"): (
        "Search records",
        200,
        FOUND,
        (OBJECT_KEY,),
        (),
        b.SEARCH,
    ),
    ("GET", "/objects/{key}/records/{id}"): (
        "Get a record",
        200,
        _wrapped("record", RECORD),
        (OBJECT_KEY, RECORD_ID),
        (OPTIONAL_LOCATION,),
        None,
    ),
    ("PUT", "/objects/{key}/records/{id}"): (
        "Update a record in one atomic write",
        200,
        _wrapped("record", RECORD),
        (OBJECT_KEY, RECORD_ID),
        (LOCATION,),
        b.RECORD,
    ),
    ("DELETE", "/objects/{key}/records/{id}"): (
        "Delete a record",
        200,
        RECORD_DELETED,
        (OBJECT_KEY, RECORD_ID),
        (OPTIONAL_LOCATION,),
        None,
    ),
    ("POST", "/custom-fields/"): (
        "Create a custom field",
        201,
        _wrapped("field", FIELD),
        (),
        (),
        b.FIELD_CREATE,
    ),
    ("GET", "/custom-fields/object-key/{objectKey}"): (
        "List an object's custom fields",
        200,
        FIELDS,
        (Param("objectKey", OBJECT_KEY.description, b.OBJECT_KEY),),
        (LOCATION,),
        None,
    ),
    ("GET", "/custom-fields/{id}"): (
        "Get a custom field",
        200,
        _wrapped("field", FIELD),
        (FIELD_ID,),
        (),
        None,
    ),
    ("PUT", "/custom-fields/{id}"): (
        "Update a custom field",
        200,
        _wrapped("field", FIELD),
        (FIELD_ID,),
        (),
        b.FIELD_UPDATE,
    ),
    ("DELETE", "/custom-fields/{id}"): (
        "Delete a custom field and its values",
        200,
        FIELD_DELETED,
        (FIELD_ID,),
        (),
        None,
    ),
}


def route_docs() -> dict[tuple[str, str], RouteDoc]:
    docs = {}
    for route, (summary, status, answer, path, query, body) in _TABLE.items():
        docs[route] = RouteDoc(
            summary=summary,
            headers=(VERSION,),
            path=path,
            query=query,
            request=body,
            responses={status: Reply("Success", answer)},
            error=ERROR,
            security=((BEARER,),),
        )
    # The forms without the trailing slash answer the same.
    for method, path in (("GET", "/objects"), ("POST", "/objects"), ("POST", "/custom-fields")):
        docs[(method, path)] = docs[(method, f"{path}/")]
    return docs
