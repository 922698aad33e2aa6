"""Domain errors raised by the edge, the store, core and dialects; rendered to HTTP by web/.

One class per condition that anything compares or renders specially; `code` is the class's
machine token in the default envelope `{"error": {"code", ...}}` (the admin API). No HTTP
status codes here: web/statuses.py maps the nearest class in the MRO to one, and each
dialect keys its own statuses and messages by class (`nearest` finds the entry).

    RecordHubError                  message, details, headers; code "error"
    ├── Invalid                     the request is malformed or breaks a rule
    │   ├── MalformedBody           the body is not JSON under the policy (web.body)
    │   ├── EmptyBody               the body is empty or blank
    │   ├── InvalidValue            a value cannot be stored (not JSON, too deep, too big)
    │   ├── InvalidPlan             a plan no dialect should build (bad path, stray limit)
    │   └── OverlappingPaths        two operations on one path, or one inside the other
    ├── Unauthorized                no credential, or one that is not known
    ├── Forbidden                   a known credential that may not do this (grant, plan)
    │   ├── OriginRefused           the project's origin policy refuses the request
    │   └── PreflightRefused        a CORS preflight asks for what the policy refuses
    ├── NotFound                    the target does not exist (or is not visible)
    │   ├── RouteNotFound           no route serves the path
    │   ├── RecordNotFound          no record with that key
    │   ├── VersionNotFound         no such version of a record
    │   ├── ProjectNotFound         no project with that id
    │   └── OwnerNotFound           what the target belongs to is gone (a field's object)
    ├── MethodNotAllowed            a route serves the path, not the method
    ├── RequestTimeout              the client stalled while sending the body
    ├── Conflict                    the write cannot land as it is
    │   ├── AlreadyExists           a unique key (id, name, email) is taken
    │   ├── Contended               another writer got in first; try the write again
    │   └── DefinitionChanged       a definition the write relied on changed meanwhile
    ├── PreconditionFailed          an expected revision / stored kind / limit did not hold
    │   ├── RevisionMismatch        a compare-and-swap on a revision lost to another write
    │   ├── LimitExceeded           an array would outgrow its size limit
    │   └── KindMismatch            the stored content is not of the expected JSON kind
    │       ├── NotAnObject         ... at a path that must hold an object
    │       ├── NotAnArray          ... at a path that must hold an array
    │       └── NotANumber          ... at a path that must hold a number
    ├── PayloadTooLarge             the resulting record is over a limit
    │   └── BodyTooLarge            the request body is over the edge's limit
    ├── QuotaExceeded               a request quota or rate limit is spent
    ├── Unavailable                 the database cannot do what is needed now
    │   ├── DatabaseUnavailable     it cannot be reached (503 with Retry-After)
    │   ├── Overloaded              too many writers waited on one record too long
    │   └── TransactionsUnavailable transactions need a replica set
    ├── Internal                    an unexpected failure (the edge's generic 500)
    └── HttpRefused                 another refusal of aiohttp's, code from its phrase
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

T = TypeVar("T")


class RecordHubError(Exception):
    """Base of every domain error: a message for people; the class says what happened."""

    code = "error"

    def __init__(
        self, message: str, *, details: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers or {}


def nearest(table: Mapping[type[RecordHubError], T], error: RecordHubError) -> T | None:
    """The entry of the nearest class in the error's MRO that `table` has, if any."""
    for cls in type(error).__mro__:
        if cls in table:
            return table[cls]
    return None


class Invalid(RecordHubError):
    code = "invalid"


class MalformedBody(Invalid):
    code = "json"


class EmptyBody(Invalid):
    code = "empty"


class InvalidValue(Invalid):
    code = "invalid_value"


class InvalidPlan(Invalid):
    code = "invalid_plan"


class OverlappingPaths(Invalid):
    code = "overlap"


class Unauthorized(RecordHubError):
    code = "unauthorized"


class Forbidden(RecordHubError):
    code = "forbidden"


class OriginRefused(Forbidden):
    code = "origin"


class PreflightRefused(Forbidden):
    code = "cors"


class NotFound(RecordHubError):
    code = "not_found"


class RouteNotFound(NotFound):
    code = "route_not_found"


class RecordNotFound(NotFound):
    code = "not_found"


class VersionNotFound(NotFound):
    code = "version_not_found"


class ProjectNotFound(NotFound):
    code = "project"


class OwnerNotFound(NotFound):
    code = "owner_not_found"


class MethodNotAllowed(RecordHubError):
    code = "method_not_allowed"


class RequestTimeout(RecordHubError):
    code = "request_timeout"


class Conflict(RecordHubError):
    code = "conflict"


class AlreadyExists(Conflict):
    code = "duplicate"


class Contended(Conflict):
    code = "contended"


class DefinitionChanged(Conflict):
    code = "definition_changed"


class PreconditionFailed(RecordHubError):
    code = "precondition_failed"


class RevisionMismatch(PreconditionFailed):
    code = "revision_mismatch"


class MetadataChanged(PreconditionFailed):
    code = "metadata_changed"  # a metadata precondition (privacy, schema...) no longer holds


class LimitExceeded(PreconditionFailed):
    code = "limit_exceeded"


class KindMismatch(PreconditionFailed):
    code = "kind_mismatch"


class NotAnObject(KindMismatch):
    code = "not_an_object"


class NotAnArray(KindMismatch):
    code = "not_an_array"


class NotANumber(KindMismatch):
    code = "not_a_number"


class PayloadTooLarge(RecordHubError):
    code = "payload_too_large"


class BodyTooLarge(PayloadTooLarge):
    code = "body_size"


class QuotaExceeded(RecordHubError):
    code = "quota_exceeded"


class Unavailable(RecordHubError):
    code = "unavailable"


class DatabaseUnavailable(Unavailable):
    code = "unavailable"


class Overloaded(Unavailable):
    code = "unavailable"


class TransactionsUnavailable(Unavailable):
    code = "transactions_unavailable"


class Internal(RecordHubError):
    code = "internal"


class HttpRefused(RecordHubError):
    """Built by the edge from an aiohttp HTTPException it has no class for."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code
