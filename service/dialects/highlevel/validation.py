"""Record values checked per field type (the seed's table), returning problems, not raising."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date
from typing import Any, TypeGuard
from urllib.parse import urlsplit

from service.dialects.highlevel import messages, objectschema
from service.dialects.highlevel.objectschema import FieldDef
from service.errors import Invalid

# E.164: "+", a country code (never starting with 0), at most 15 digits in all.
_PHONE = re.compile(r"\+[1-9][0-9]{6,14}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INT64 = 2**63
_MAX_URL = 2048

# (stored value, problem): the problem is None when the value is accepted.
Checked = tuple[Any, str | None]


def unprocessable(problems: list[str]) -> Invalid:
    """The 422 of HighLevel's validation: `message` is the list of problems."""
    return Invalid(problems[0], details={"messages": problems})


def is_number(value: Any) -> bool:
    """JSON numbers only: bool is not a number, nor NaN/Infinity, nor an int beyond 64 bits."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if isinstance(value, int):
        return -_INT64 <= value < _INT64
    return math.isfinite(value)


def _text(definition: FieldDef, name: str, value: Any) -> Checked:
    return value, None if isinstance(value, str) else messages.MUST_BE_STRING.format(name=name)


def _number(definition: FieldDef, name: str, value: Any) -> Checked:
    return value, None if is_number(value) else messages.MUST_BE_NUMBER.format(name=name)


def _phone(definition: FieldDef, name: str, value: Any) -> Checked:
    valid = isinstance(value, str) and _PHONE.fullmatch(value) is not None
    return value, None if valid else messages.MUST_BE_PHONE.format(name=name)


def _money(definition: FieldDef, name: str, value: Any) -> Checked:
    problem = messages.MUST_BE_MONEY.format(name=name)
    if not isinstance(value, dict) or not set(value) <= {"currency", "value"}:
        return value, problem
    currency = value.get("currency", "default")
    if not is_number(value.get("value")) or not isinstance(currency, str) or not currency:
        return value, problem
    return {"currency": currency, "value": value["value"]}, None


def _single_option(definition: FieldDef, name: str, value: Any) -> Checked:
    valid = isinstance(value, str) and value in definition.option_keys
    return value, None if valid else messages.MUST_BE_OPTION.format(name=name)


def _radio(definition: FieldDef, name: str, value: Any) -> Checked:
    # A custom value is allowed only where the field says so (and never an empty one).
    custom = definition.allow_custom and isinstance(value, str) and value.strip() != ""
    if custom:
        return value, None
    return _single_option(definition, name, value)


def _date(definition: FieldDef, name: str, value: Any) -> Checked:
    problem = messages.MUST_BE_DATE.format(name=name)
    if not isinstance(value, str) or _DATE.fullmatch(value) is None:
        return value, problem
    try:
        date.fromisoformat(value)
    except ValueError:  # 2024-02-30 has the shape but is no date
        return value, problem
    return value, None


SCALARS: dict[str, Callable[[FieldDef, str, Any], Checked]] = {
    objectschema.TEXT: _text,
    objectschema.LARGE_TEXT: _text,
    objectschema.TEXTBOX_LIST: _text,  # the value of one `field.option` key
    objectschema.NUMERICAL: _number,
    objectschema.PHONE: _phone,
    objectschema.MONETORY: _money,
    objectschema.SINGLE_OPTIONS: _single_option,
    objectschema.RADIO: _radio,
    objectschema.DATE: _date,
}


def check_scalar(definition: FieldDef, name: str, value: Any) -> Checked:
    return SCALARS[definition.data_type](definition, name, value)


def _valid_url(url: Any) -> TypeGuard[str]:
    if not isinstance(url, str) or len(url) > _MAX_URL or any(ch.isspace() for ch in url):
        return False
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(host)


def check_item(definition: FieldDef, name: str, item: Any) -> Checked:
    """One element of a multi-value field: an option key, or a file `{"url"}`."""
    if definition.data_type != objectschema.FILE_UPLOAD:
        valid = isinstance(item, str) and item in definition.option_keys
        return item, None if valid else messages.MUST_BE_OPTION.format(name=name)
    if not isinstance(item, dict) or set(item) != {"url"} or not _valid_url(item["url"]):
        return item, messages.MUST_BE_FILE.format(name=name)
    # Stored as exactly {"url"}, so a later remove by {"url"} matches it.
    return {"url": item["url"]}, None


def check_format(definition: FieldDef, name: str, item: dict[str, Any]) -> str | None:
    """A file being added must have one of the field's accepted formats (if it limits them)."""
    url = item.get("url")
    if not definition.formats or not _valid_url(url):  # a bad url is reported by check_item
        return None
    path = urlsplit(url).path.lower()
    if any(path.endswith(extension) for extension in definition.formats):
        return None
    return messages.FILE_FORMAT.format(name=name, formats=", ".join(sorted(definition.formats)))


def check_user_id(name: str, value: Any) -> Checked:
    """Owner and follower values: user ids, which are non-empty strings."""
    valid = isinstance(value, str) and value.strip() != ""
    return value, None if valid else messages.USER_IDS.format(name=name)
