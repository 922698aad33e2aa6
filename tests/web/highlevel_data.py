"""The HighLevel object the fuzz runs provision, and the JSON Schema of its record properties.

The served spec cannot know a location's custom fields, so its record bodies take any
`properties`; the fuzz runs' copy of the spec says which keys and values this object takes.
"""

from __future__ import annotations

from typing import Any

OBJECT = "custom_objects.fuzz_ticket"
PRIMARY = "ticket_name"

# One field per data type (and RADIO with custom values), as POST /custom-fields/ takes them.
FIELDS: list[dict[str, Any]] = [
    {"fieldKey": "notes", "dataType": "LARGE_TEXT"},
    {"fieldKey": "count", "dataType": "NUMERICAL"},
    {"fieldKey": "phone", "dataType": "PHONE"},
    {"fieldKey": "money", "dataType": "MONETORY"},
    {"fieldKey": "kind", "dataType": "SINGLE_OPTIONS", "options": ["a", "b"]},
    {"fieldKey": "areas", "dataType": "MULTIPLE_OPTIONS", "options": ["x", "y", "z"]},
    {"fieldKey": "tags", "dataType": "CHECKBOX", "options": ["vip", "urgent"]},
    {"fieldKey": "level", "dataType": "RADIO", "options": ["low", "high"]},
    {"fieldKey": "channel", "dataType": "RADIO", "options": ["email"], "allowCustomOption": True},
    {"fieldKey": "due", "dataType": "DATE"},
    {"fieldKey": "lines", "dataType": "TEXTBOX_LIST", "options": ["one", "two"]},
    {"fieldKey": "files", "dataType": "FILE_UPLOAD", "maxFileLimit": 3, "acceptedFormats": "all"},
    {
        "fieldKey": "images",
        "dataType": "FILE_UPLOAD",
        "maxFileLimit": 2,
        "acceptedFormats": ".png,.jpg",
    },
]
SEARCHABLE = ["notes", "count", "kind", "due"]

_TEXT = {"type": "string"}
_USER = {"type": "string", "pattern": r"\S"}
_FILE = {
    "type": "object",
    "required": ["url"],
    "additionalProperties": False,
    "properties": {"url": {"type": "string", "pattern": r"^https://files\.test/[a-z]{1,8}\.png$"}},
}
_SCALARS: dict[str, dict[str, Any]] = {
    "LARGE_TEXT": _TEXT,
    "TEXT": _TEXT,
    "NUMERICAL": {"type": "number", "minimum": -(10**15), "maximum": 10**15},
    "PHONE": {"type": "string", "pattern": r"^\+[1-9][0-9]{6,14}$"},
    "MONETORY": {
        "type": "object",
        "required": ["value"],
        "additionalProperties": False,
        "properties": {
            "currency": {"type": "string", "minLength": 1},
            "value": {"type": "number", "minimum": -(10**9), "maximum": 10**9},
        },
    },
    "DATE": {"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
}


def _multi(items: dict[str, Any], limit: int | None) -> dict[str, Any]:
    bounded = {"type": "array", "items": items, **({"maxItems": limit} if limit else {})}
    edit = {
        "type": "object",
        "minProperties": 1,
        "additionalProperties": False,
        "properties": {"add": bounded, "remove": {"type": "array", "items": items}},
    }
    return {"anyOf": [bounded, edit]}


def _values(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Property key -> JSON Schema of its value, for one field."""
    key, data_type, options = spec["fieldKey"], spec["dataType"], spec.get("options", [])
    if data_type == "TEXTBOX_LIST":
        return {f"{key}.{option}": _TEXT for option in options}
    if data_type == "FILE_UPLOAD":
        return {key: _multi(_FILE, spec.get("maxFileLimit"))}
    if data_type in ("MULTIPLE_OPTIONS", "CHECKBOX"):
        return {key: _multi({"enum": options}, None)}
    if data_type == "RADIO" and spec.get("allowCustomOption"):
        return {key: _USER}
    if data_type in ("SINGLE_OPTIONS", "RADIO"):
        return {key: {"enum": options}}
    return {key: _SCALARS[data_type]}


def properties_schema(*, nullable: bool) -> dict[str, Any]:
    """The `properties` of a record body for this object; an update may send `null`."""
    values: dict[str, dict[str, Any]] = {PRIMARY: _TEXT}
    for spec in FIELDS:
        values.update(_values(spec))
    if nullable:
        values = {key: {"anyOf": [schema, {"type": "null"}]} for key, schema in values.items()}
    return {"type": "object", "additionalProperties": False, "properties": values}


def _body(spec: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    content = spec["paths"][path][method]["requestBody"]["content"]
    body: dict[str, Any] = content["application/json"]["schema"]
    return body


def patch(spec: dict[str, Any]) -> None:
    """The spec copy's bodies fit this object: its properties, searchable fields, and the
    settings of the LARGE_TEXT field that PUT /custom-fields/{id} is given."""
    searchable = _body(spec, "/objects/{key}", "put")["properties"]["searchableProperties"]
    searchable["items"] = {"enum": SEARCHABLE + [f"{OBJECT}.{key}" for key in SEARCHABLE]}
    # Fresh keys for each create route: generated ones repeat, and a repeat answers 409.
    for n, path in enumerate(("/custom-fields", "/custom-fields/")):
        for variant in _body(spec, path, "post")["oneOf"]:
            variant["properties"]["fieldKey"] = {"enum": [f"f{n}_{i}" for i in range(40)]}
    settings = _body(spec, "/custom-fields/{id}", "put")["properties"]
    for name in ("options", "allowCustomOption", "maxFileLimit", "acceptedFormats"):
        del settings[name]
    for path, method, nullable in (
        ("/objects/{key}/records", "post", False),
        ("/objects/{key}/records/{id}", "put", True),
    ):
        _body(spec, path, method)["properties"]["properties"] = properties_schema(nullable=nullable)
    search = _body(spec, "/objects/{key}/records/search", "post")["properties"]
    search["query"] = {
        "anyOf": [{"type": "string", "maxLength": 500}, {"enum": [f"{k}:" for k in SEARCHABLE]}]
    }
