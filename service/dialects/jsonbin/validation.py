"""Schema docs: JSON Schema draft-07 through the `jsonschema` library, JSONBin's wording."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from jsonschema import Draft7Validator, SchemaError
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry
from referencing.exceptions import NoSuchResource, Unresolvable

from service.dialects.jsonbin import messages
from service.errors import Invalid


def check_schema(schema: Any) -> None:
    """Refuse a schema doc that is not a valid draft-07 schema."""
    if not isinstance(schema, dict | bool):
        raise Invalid(messages.SCHEMA_INVALID.format(detail="a schema must be an object"))
    try:
        Draft7Validator.check_schema(schema)
    except SchemaError as exc:
        raise Invalid(messages.SCHEMA_INVALID.format(detail=exc.message)) from None
    for ref in _refs(schema):
        if not _resolves(schema, ref):
            detail = f"$ref {ref!r} must point inside the schema doc"
            raise Invalid(messages.SCHEMA_INVALID.format(detail=detail))


def _refuse_retrieval(uri: str) -> Any:
    # Never fetch a remote schema: a schema doc must not make the server call out.
    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]


_OFFLINE: Registry[Any] = Registry(retrieve=_refuse_retrieval)  # type: ignore[call-arg]


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def _resolves(schema: Any, ref: str) -> bool:
    """Only local JSON pointers (`#`, `#/definitions/x`) that lead somewhere are allowed."""
    if not ref.startswith("#"):
        return False
    node = schema
    for part in ref[1:].split("/")[1:] if ref != "#" else []:
        part = unquote(part).replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and 0 <= _index(part) < len(node):
            node = node[_index(part)]
        else:
            return False
    return True


def _index(part: str) -> int:
    """A JSON pointer's array index; -1 for anything else (checked by length before int(),
    which refuses over 4300 digits with an error of its own)."""
    if part.isascii() and part.isdigit() and len(part) <= 19:
        return int(part)
    return -1


def _describe(error: ValidationError) -> str:
    """Word the first error as JSONBin does (its validator's style) where we know it."""
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    prefix = f"{where} " if where else ""
    if error.validator == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else error.message
        return f"{prefix}should have required property '{missing}'"
    if error.validator == "type":
        return f"{prefix}should be {error.validator_value}"
    return f"{prefix}{error.message}"


def validate_record(schema: Any, record: Any) -> None:
    """Raise the 400 "Schema Doc Validation Mismatch: ..." when `record` breaks `schema`."""
    try:
        error = best_match(Draft7Validator(schema, registry=_OFFLINE).iter_errors(record))
    except Unresolvable as exc:  # a schema stored before refs were checked
        raise Invalid(messages.SCHEMA_INVALID.format(detail=str(exc))) from None
    except RecursionError:  # a $ref cycle that consumes nothing: {"$ref": "#"} and the like
        detail = "its $ref chain never ends"
        raise Invalid(messages.SCHEMA_INVALID.format(detail=detail)) from None
    if error is not None:
        raise Invalid(messages.SCHEMA_MISMATCH.format(detail=_describe(error)))
