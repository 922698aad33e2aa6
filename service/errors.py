"""Domain errors raised by the store, core and dialects; rendered to HTTP by web/errors.py.

The tree (no HTTP status codes here; web/ and each dialect map classes to statuses):

    RecordHubError            message, reason (stable machine token), details
    ├── Invalid               the request is malformed or breaks a rule (bad path, wrong kind)
    ├── Unauthorized          no credential, or one that is not known
    ├── Forbidden             a known credential that may not do this (origin, grant, plan)
    ├── NotFound              the target does not exist (or is not visible to the caller)
    ├── Conflict              the write lost a race too often, or a unique key already exists
    ├── PreconditionFailed    an expected revision / stored kind / limit did not hold
    │   └── RevisionMismatch  a compare-and-swap on a definition's `rev` lost to another write
    ├── PayloadTooLarge       the body or the resulting record is over a limit
    ├── QuotaExceeded         a request quota or rate limit is spent
    └── Unavailable           the database cannot be reached or cannot do what is needed
"""

from __future__ import annotations

from typing import Any


class RecordHubError(Exception):
    """Base of every domain error: a message for people, a reason token for dialects."""

    default_reason = "error"

    def __init__(
        self,
        message: str,
        *,
        reason: str | None = None,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason or self.default_reason
        self.details = details
        self.headers = headers or {}


class Invalid(RecordHubError):
    default_reason = "invalid"


class Unauthorized(RecordHubError):
    default_reason = "unauthorized"


class Forbidden(RecordHubError):
    default_reason = "forbidden"


class NotFound(RecordHubError):
    default_reason = "not_found"


class Conflict(RecordHubError):
    default_reason = "conflict"


class PreconditionFailed(RecordHubError):
    default_reason = "precondition_failed"


class RevisionMismatch(PreconditionFailed):
    default_reason = "revision_mismatch"


class PayloadTooLarge(RecordHubError):
    default_reason = "payload_too_large"


class QuotaExceeded(RecordHubError):
    default_reason = "quota_exceeded"


class Unavailable(RecordHubError):
    default_reason = "unavailable"
