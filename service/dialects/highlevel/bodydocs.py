"""JSON Schemas of the HighLevel request bodies, saying what the handlers validate (for routes.py).

What no schema can say is left to the descriptions: a `locationId` must be the token's, a
key must not exist yet, an update must fit the stored field's data type.
"""

from __future__ import annotations

from typing import Any

from service.dialects.highlevel import objectschema

_TEXT: dict[str, Any] = {"type": "string"}
_NON_EMPTY: dict[str, Any] = {"type": "string", "minLength": 1}
_NULLABLE_TEXT: dict[str, Any] = {"type": ["string", "null"]}
_SHORT = "[a-z0-9_]{1,64}"
OBJECT_KEY: dict[str, Any] = {"type": "string", "pattern": rf"^(custom_objects\.)?{_SHORT}$"}
FIELD_KEY: dict[str, Any] = {
    "type": "string",
    "pattern": rf"^(custom_objects\.{_SHORT}\.)?{_SHORT}$",
    "description": "Short, or the full key of this object's field",
}
LOCATION: dict[str, Any] = {**_NON_EMPTY, "description": "The token's location (project id)"}


def _object(properties: dict[str, Any], *required: str, **more: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "required": list(required),
        "properties": properties,
        "additionalProperties": False,
        **more,
    }


def _labels(*required: str) -> dict[str, Any]:
    return _object({"singular": _NON_EMPTY, "plural": _NON_EMPTY}, *required)


OBJECT_CREATE = _object(
    {
        "labels": _labels("singular", "plural"),
        "key": {**OBJECT_KEY, "description": "New: an existing key answers 409"},
        "description": _NULLABLE_TEXT,
        "locationId": LOCATION,
        "primaryDisplayPropertyDetails": _object(
            {
                "key": FIELD_KEY,
                "name": _NON_EMPTY,
                "dataType": {"enum": list(objectschema.PRIMARY_TYPES)},
            },
            "key",
            "name",
            "dataType",
        ),
    },
    "labels",
    "key",
    "locationId",
    "primaryDisplayPropertyDetails",
)
OBJECT_UPDATE = _object(
    {
        "labels": _labels(),
        "description": _NULLABLE_TEXT,
        "locationId": LOCATION,
        "searchableProperties": {
            "type": "array",
            "items": FIELD_KEY,
            "description": "Keys of this object's fields of a searchable type: "
            + ", ".join(sorted(objectschema.SEARCHABLE)),
        },
    },
    "locationId",
)

_FORMAT = "|".join(extension.removeprefix(".") for extension in objectschema.FILE_FORMATS)
_FORMATS = {
    "anyOf": [
        {"enum": [objectschema.ALL_FORMATS]},
        {"type": "string", "pattern": rf"^\.({_FORMAT})(,\.({_FORMAT}))*$"},
        {
            "type": "array",
            "minItems": 1,
            "items": {"enum": [*objectschema.FILE_FORMATS, objectschema.ALL_FORMATS]},
        },
    ],
    "description": "`all`, or extensions as a list or one comma-separated string",
}
_OPTION_KEY = {"type": "string", "pattern": r"^[^.]+$", "description": "Unique among the options"}


def _options(*, with_url: bool) -> dict[str, Any]:
    option = {"key": _OPTION_KEY, "label": _TEXT, **({"url": _TEXT} if with_url else {})}
    return {"type": "array", "minItems": 1, "items": _object(option, "key", "label")}


_NO_OPTIONS = {"type": "array", "maxItems": 0}
_NO_CUSTOM = {"const": False}
# Data type -> the settings that type takes (any other is refused with a 422).
_PLAIN = (
    objectschema.TEXT,
    objectschema.LARGE_TEXT,
    objectschema.NUMERICAL,
    objectschema.PHONE,
    objectschema.MONETORY,
    objectschema.DATE,
)
_LISTED = (
    objectschema.SINGLE_OPTIONS,
    objectschema.MULTIPLE_OPTIONS,
    objectschema.CHECKBOX,
    objectschema.TEXTBOX_LIST,
)
_VARIANTS: tuple[tuple[tuple[str, ...], dict[str, Any], tuple[str, ...]], ...] = (
    (_PLAIN, {"options": _NO_OPTIONS, "allowCustomOption": _NO_CUSTOM}, ()),
    (_LISTED, {"options": _options(with_url=False), "allowCustomOption": _NO_CUSTOM}, ("options",)),
    (
        (objectschema.RADIO,),
        {"options": _options(with_url=True), "allowCustomOption": {"type": "boolean"}},
        ("options",),
    ),
    (
        (objectschema.FILE_UPLOAD,),
        {
            "options": _NO_OPTIONS,
            "allowCustomOption": _NO_CUSTOM,
            "maxFileLimit": {"type": "integer", "minimum": 1, "maximum": 100},
            "acceptedFormats": _FORMATS,
        },
        (),
    ),
)
_SETTINGS = {
    "locationId": LOCATION,
    "name": _NON_EMPTY,
    "description": _NULLABLE_TEXT,
    "placeholder": _NULLABLE_TEXT,
    "showInForms": {"type": "boolean"},
    "parentId": _NULLABLE_TEXT,
}
FIELD_CREATE = {
    "oneOf": [
        _object(
            {
                **_SETTINGS,
                "dataType": {"enum": list(types)},
                "fieldKey": {**FIELD_KEY, "description": "New: an existing key answers 409"},
                "objectKey": {**OBJECT_KEY, "description": "An existing object"},
                **settings,
            },
            "locationId",
            "name",
            "dataType",
            "fieldKey",
            "objectKey",
            "showInForms",
            *required,
        )
        for types, settings, required in _VARIANTS
    ]
}
FIELD_UPDATE = _object(
    {
        **_SETTINGS,
        "options": {
            **_options(with_url=True),
            "description": "Option fields: every existing option kept; `url` only for RADIO",
        },
        "allowCustomOption": {"type": "boolean", "description": "RADIO fields only"},
        "maxFileLimit": {
            "type": "integer",
            "minimum": 1,
            "maximum": 100,
            "description": "FILE_UPLOAD fields only",
        },
        "acceptedFormats": {**_FORMATS, "description": "FILE_UPLOAD fields only"},
    },
    "locationId",
    "showInForms",
    description="Settings that fit the field's data type; dataType, fieldKey and objectKey"
    " may be sent back unchanged, never changed",
)

_USER = {"type": "string", "pattern": r"\S", "description": "A user id"}


def _users(limit: int) -> dict[str, Any]:
    bounded = {"type": "array", "items": _USER, "maxItems": limit}
    edit = _object({"add": bounded, "remove": {"type": "array", "items": _USER}}, minProperties=1)
    return {"anyOf": [bounded, edit, {"type": "null"}], "description": "`null` empties it"}


RECORD = {
    "type": "object",
    "additionalProperties": False,
    "not": {"required": ["owner", "owners"]},
    "properties": {
        "locationId": LOCATION,
        "owner": _users(objectschema.MAX_OWNERS),
        "owners": {
            **_users(objectschema.MAX_OWNERS),
            "description": "Alias of owner (send one of them)",
        },
        "followers": _users(objectschema.MAX_FOLLOWERS),
        "properties": {
            "type": "object",
            "description": "The object's field keys (`field.option` for textbox lists) and"
            " values of their types; `null` removes a value; multi-value fields take an array"
            ' or `{"add": [...], "remove": [...]}`',
        },
    },
}
RECORD_CREATE = {**RECORD, "required": ["locationId"]}

_MOMENT = {
    "anyOf": [
        {"type": "integer", "minimum": 0, "maximum": 10**14 - 1},
        {"type": "string", "pattern": "^[0-9]{1,14}$"},
    ]
}
SEARCH = _object(
    {
        "locationId": LOCATION,
        "page": {"type": "integer", "minimum": 1, "maximum": 10_000},
        "pageLimit": {"type": "integer", "minimum": 1, "maximum": 100},
        "query": {"type": "string", "maxLength": 500, "description": "`field:value` or text"},
        "searchAfter": {
            "anyOf": [
                {
                    "type": "array",
                    "prefixItems": [_MOMENT, {"type": "string", "pattern": "^[0-9a-f]{24}$"}],
                    "minItems": 2,
                    "maxItems": 2,
                },
                {"type": "array", "maxItems": 0},
                {"type": "null"},
            ],
            "description": "The last item's `searchAfter`: [epoch milliseconds, record id]",
        },
    },
    "locationId",
)
