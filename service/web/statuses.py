"""The default HTTP status of each domain error; dialects may override per error."""

from __future__ import annotations

from service import errors

STATUS_BY_ERROR: dict[type[errors.RecordHubError], int] = {
    errors.Invalid: 400,
    errors.Unauthorized: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.MethodNotAllowed: 405,
    errors.RequestTimeout: 408,
    errors.Conflict: 409,
    errors.PreconditionFailed: 412,
    errors.PayloadTooLarge: 413,
    errors.QuotaExceeded: 429,
    errors.Internal: 500,
    errors.Unavailable: 503,
}


def status_for(error: errors.RecordHubError) -> int:
    """The status of the nearest class in the error's MRO that has one (500 if none)."""
    status = errors.nearest(STATUS_BY_ERROR, error)
    return 500 if status is None else status
