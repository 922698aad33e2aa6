"""The outer middlewares: request ids, one JSON log line and metrics per request, errors."""

from __future__ import annotations

import logging
import re
import time
import uuid

from aiohttp import web
from aiohttp.typedefs import Handler

from service.errors import PayloadTooLarge, RecordHubError
from service.web.keys import DIALECTS, METRICS
from service.web.metrics import route_template

log = logging.getLogger(__name__)
access_log = logging.getLogger("service.access")

REQUEST_ID = web.RequestKey("request_id", str)
_REQUEST_ID_SHAPE = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def _request_id(request: web.Request) -> str:
    given = request.headers.get("X-Request-ID", "")
    return given if _REQUEST_ID_SHAPE.fullmatch(given) else uuid.uuid4().hex


@web.middleware
async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Outermost: request id in and out, the access log line, the metrics."""
    request_id = _request_id(request)
    request[REQUEST_ID] = request_id
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        response.headers["X-Request-ID"] = request_id
        return response
    finally:
        elapsed = time.perf_counter() - started
        route = route_template(request)
        request.app[METRICS].observe(route, request.method, status, elapsed)
        access_log.info(
            "request",
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": request.path,
                "route": route,
                "status": status,
                "duration_ms": round(elapsed * 1000, 2),
            },
        )


def _from_http_exception(exc: web.HTTPException) -> RecordHubError:
    if exc.status == 413:
        return PayloadTooLarge(exc.reason, reason="body_size")
    if exc.status == 404:
        return RecordHubError(exc.reason, reason="route_not_found")
    return RecordHubError(exc.reason, reason=exc.reason.lower().replace(" ", "_"))


@web.middleware
async def render_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Domain errors -> the dialect's envelope; anything unexpected -> a generic 500."""
    dialect = request.app[DIALECTS].for_path(request.path)
    try:
        return await handler(request)
    except RecordHubError as error:
        return dialect.render_error(request, error, dialect.status(error))
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = dialect.render_error(request, _from_http_exception(exc), exc.status)
        if "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    except Exception:
        log.exception(
            "unexpected error",
            extra={
                "request_id": request.get(REQUEST_ID),
                "method": request.method,
                "path": request.path,
            },
        )
        internal = RecordHubError("Internal server error", reason="internal")
        return dialect.render_error(request, internal, 500)
