"""Schema docs: JSON Schema draft-07 through the `jsonschema` library, JSONBin's wording."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft7Validator, SchemaError
from jsonschema.exceptions import ValidationError, best_match

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
    error = best_match(Draft7Validator(schema).iter_errors(record))
    if error is not None:
        raise Invalid(messages.SCHEMA_MISMATCH.format(detail=_describe(error)), reason="schema")
