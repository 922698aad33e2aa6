"""Marshmallow schemas of HighLevel's fixed-shape bodies, errors worded as class-validator's."""

from __future__ import annotations

import functools
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from service.dialects.highlevel import messages, objectschema
from service.dialects.highlevel.validation import unprocessable
from service.web.fields import StrictBoolean

_NON_EMPTY = validate.Length(min=1)
_WORDING = {
    "Missing data for required field.": messages.SHOULD_NOT_BE_EMPTY,
    "Unknown field.": messages.SHOULD_NOT_EXIST,
    "Not a valid string.": messages.MUST_BE_STRING,
    "Not a valid boolean.": messages.MUST_BE_BOOLEAN,
    "Not a valid integer.": messages.MUST_BE_INTEGER,
    "Not a valid mapping type.": messages.MUST_BE_OBJECT,
    "Invalid input type.": messages.MUST_BE_OBJECT,
    "Not a valid list.": messages.MUST_BE_ARRAY,
    "Field may not be null.": messages.MUST_NOT_BE_NULL,
    "Shorter than minimum length 1.": messages.SHOULD_NOT_BE_EMPTY,
}


def _flatten(errors: Any, path: str) -> list[tuple[str, str]]:
    if isinstance(errors, dict):
        found = []
        for key, value in errors.items():
            inner = path if key == "_schema" else f"{path}.{key}" if path else str(key)
            found += _flatten(value, inner)
        return found
    return [(path, str(text)) for text in errors]


def problems_of(errors: Any) -> list[str]:
    """marshmallow's field-keyed messages as a flat list of class-validator style strings."""
    problems = []
    for path, text in _flatten(errors, ""):
        if not path:
            problems.append(messages.BODY_NOT_OBJECT)
        elif text in _WORDING:
            problems.append(_WORDING[text].format(name=path))
        elif text.startswith("Must be one of: "):
            choices = text.removeprefix("Must be one of: ").rstrip(".")
            problems.append(messages.MUST_BE_ONE_OF.format(name=path, choices=choices))
        else:
            problems.append(messages.INVALID_VALUE.format(name=path, detail=text.rstrip(".")))
    return problems


@functools.cache
def _instance(schema: type[Schema]) -> Schema:
    """One instance per schema class, reused: building one deep-copies its declared fields,
    which cost more than a record update's whole load; a load keeps no state on it."""
    return schema()


def load(schema: type[Schema], body: Any) -> dict[str, Any]:
    """Validate a body with `schema`; 422 with every problem otherwise."""
    try:
        loaded: dict[str, Any] = _instance(schema).load(body)
    except ValidationError as exc:
        raise unprocessable(problems_of(exc.messages)) from None
    return loaded


class LabelsSchema(Schema):
    singular = fields.String(required=True, validate=_NON_EMPTY)
    plural = fields.String(required=True, validate=_NON_EMPTY)


class LabelsUpdateSchema(Schema):
    singular = fields.String(validate=_NON_EMPTY)
    plural = fields.String(validate=_NON_EMPTY)


class DisplayPropertySchema(Schema):
    key = fields.String(required=True)
    name = fields.String(required=True, validate=_NON_EMPTY)
    dataType = fields.String(required=True, validate=validate.OneOf(objectschema.PRIMARY_TYPES))


class ObjectCreateSchema(Schema):
    labels = fields.Nested(LabelsSchema, required=True)
    key = fields.String(required=True)
    description = fields.String(allow_none=True)
    locationId = fields.String(required=True)
    primaryDisplayPropertyDetails = fields.Nested(DisplayPropertySchema, required=True)


class ObjectUpdateSchema(Schema):
    labels = fields.Nested(LabelsUpdateSchema)
    description = fields.String(allow_none=True)
    locationId = fields.String()
    searchableProperties = fields.List(fields.String())


class OptionSchema(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    url = fields.String()


class _FieldSettings(Schema):
    """What a create and an update of a custom field may both set."""

    locationId = fields.String()
    name = fields.String(validate=_NON_EMPTY)
    description = fields.String(allow_none=True)
    placeholder = fields.String(allow_none=True)
    showInForms = StrictBoolean(required=True)
    options = fields.List(fields.Nested(OptionSchema))
    acceptedFormats = fields.Raw()
    maxFileLimit = fields.Integer(strict=True, validate=validate.Range(min=1, max=100))
    allowCustomOption = StrictBoolean()
    parentId = fields.String(allow_none=True)


class FieldCreateSchema(_FieldSettings):
    name = fields.String(required=True, validate=_NON_EMPTY)
    dataType = fields.String(required=True, validate=validate.OneOf(objectschema.DATA_TYPES))
    fieldKey = fields.String(required=True)
    objectKey = fields.String(required=True)


class FieldUpdateSchema(_FieldSettings):
    # Sent back unchanged by clients that PUT a whole field; a change is refused.
    dataType = fields.String()
    fieldKey = fields.String()
    objectKey = fields.String()


class RecordCreateSchema(Schema):
    locationId = fields.String(required=True)
    properties = fields.Dict(keys=fields.String(), load_default=dict)
    owner = fields.Raw(allow_none=True)
    owners = fields.Raw(allow_none=True)
    followers = fields.Raw(allow_none=True)


class RecordUpdateSchema(Schema):
    locationId = fields.String()
    properties = fields.Dict(keys=fields.String(), load_default=dict)
    owner = fields.Raw(allow_none=True)
    owners = fields.Raw(allow_none=True)
    followers = fields.Raw(allow_none=True)


class SearchSchema(Schema):
    locationId = fields.String(required=True)
    page = fields.Integer(strict=True, load_default=1, validate=validate.Range(min=1, max=10_000))
    pageLimit = fields.Integer(
        strict=True, load_default=10, validate=validate.Range(min=1, max=100)
    )
    # Searched as an escaped regex (up to 2 characters each); the database caps one at 1000.
    query = fields.String(load_default="", validate=validate.Length(max=500))
    searchAfter = fields.List(fields.Raw(), allow_none=True)
