"""Who may do what with a record: pure rules over the endpoint, the caller and the record's
owner (the id of the user who created it, kept in the record's `owner` metadata).

- An open endpoint: anyone holding the key does everything.
- A secure endpoint: a live token is required; the owner does everything; other users
  read, update or delete only where the endpoint's toggles allow it.
- An authentication endpoint: each user sees and changes only its own record (the record's
  id is the user's id); the toggles do not apply.
- The master key bypasses all of it.
"""

from __future__ import annotations

from typing import Any, Literal

from service.core.queries import Eq, Meta, Term
from service.dialects.rested.auth import Caller, require_user
from service.dialects.rested.endpoints import OWNER, Endpoint

Action = Literal["read", "update", "delete"]


def _toggle(endpoint: Endpoint, action: Action) -> bool:
    if endpoint.authentication:
        return False
    if action == "read":
        return endpoint.others_can_read
    if action == "update":
        return endpoint.others_can_update
    return endpoint.others_can_delete


def _guarded(endpoint: Endpoint, who: Caller) -> bool:
    return endpoint.secure and not who.master


def owner_meta(endpoint: Endpoint, who: Caller) -> dict[str, Any]:
    """The metadata a new record carries: its creator on a secure endpoint."""
    if not endpoint.secure or who.user is None:
        return {}
    return {OWNER: who.user}


def read_filter(endpoint: Endpoint, who: Caller) -> Term | None:
    """The condition on records the caller may read (None: every record)."""
    if not _guarded(endpoint, who):
        return None
    user = require_user(who)
    return None if _toggle(endpoint, "read") else Eq(Meta(OWNER), user)


def required_owner(endpoint: Endpoint, who: Caller, action: Action) -> str | None:
    """The owner a record must have for the caller to `action` it (None: any record)."""
    if not _guarded(endpoint, who):
        return None
    user = require_user(who)
    return None if _toggle(endpoint, action) else user


def may(endpoint: Endpoint, who: Caller, action: Action, owner: str | None) -> bool:
    required = required_owner(endpoint, who, action)
    return required is None or required == owner


def hides(endpoint: Endpoint, who: Caller, owner: str | None) -> bool:
    """Whether the record is invisible to the caller (then it answers "No record was
    found." rather than saying that someone else's record exists)."""
    return not may(endpoint, who, "read", owner)


def owner_of(meta: dict[str, Any]) -> str | None:
    value = meta.get(OWNER)
    return value if isinstance(value, str) else None
