"""The default HTTP status of each domain error; dialects may override per error."""

from __future__ import annotations

from service import errors

STATUS_BY_ERROR: dict[type[errors.RecordHubError], int] = {
    errors.Invalid: 400,
    errors.Unauthorized: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.PreconditionFailed: 412,
    errors.PayloadTooLarge: 413,
    errors.QuotaExceeded: 429,
    errors.Unavailable: 503,
}


def status_for(error: errors.RecordHubError) -> int:
    """The status of the nearest class in the error's MRO that has one (500 if none)."""
    for cls in type(error).__mro__:
        status = STATUS_BY_ERROR.get(cls)
        if status is not None:
            return status
    return 500
