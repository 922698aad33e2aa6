"""The edge: one middleware around every handler.

In order: the request id (taken from `X-Request-ID` or made), the dialect's own admission
check (the admin token), a prompt 503 while the database is known to be unreachable, the
origin policy (service.web.origins), a CORS preflight's answer (service.web.cors) or the
handler, errors rendered in the dialect's envelope, the CORS headers, then one access-log
line and the metrics. One middleware rather than a chain of four: every layer of the chain
costs a coroutine and a dialect lookup per request, and these steps always run together in
this order.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import time

from aiohttp import web
from aiohttp.typedefs import Handler

from service import logs
from service.errors import (
    BodyTooLarge,
    HttpRefused,
    Internal,
    MethodNotAllowed,
    RecordHubError,
    RequestTimeout,
    RouteNotFound,
)
from service.store.errors import translate
from service.web.appkeys import DIALECT, DIALECTS, METRICS, STORE
from service.web.cors import add_cors_headers, answer_preflight
from service.web.dialect import Dialect
from service.web.metrics import route_template
from service.web.origins import check_origin

log = logging.getLogger(__name__)

REQUEST_ID = web.RequestKey("request_id", str)
_REQUEST_ID_SHAPE = re.compile(r"[A-Za-z0-9._:-]{1,128}")


_ID_PREFIX = os.urandom(8).hex()  # per process, so replicas never share an id
_ID_COUNTER = itertools.count()


def new_request_id() -> str:
    """32 hex digits: the process's random prefix and a counter (no system call per request)."""
    return f"{_ID_PREFIX}{next(_ID_COUNTER):016x}"


def _request_id(request: web.Request) -> str:
    given = request.headers.get("X-Request-ID")
    return given if given and _REQUEST_ID_SHAPE.fullmatch(given) else new_request_id()


@web.middleware
async def edge(request: web.Request, handler: Handler) -> web.StreamResponse:
    request_id = _request_id(request)
    request[REQUEST_ID] = request_id
    started = time.perf_counter()
    dialects = request.app[DIALECTS]
    dialect = request[DIALECT] = dialects.for_request(request)
    status = 500
    try:
        try:
            dialect.admit(request)
            if dialect is not dialects.default:  # health and docs need no database
                request.app[STORE].check_reachable()
            await check_origin(request, dialect)
            preflight = answer_preflight(request, dialect)
            response = preflight if preflight is not None else await handler(request)
        except RecordHubError as error:
            response = dialect.render_error(request, error, dialect.status(error))
        except web.HTTPException as exc:
            if exc.status < 400:  # a redirect passes through as it is
                status = exc.status
                raise
            response = _render_http_exception(request, dialect, exc)
        except Exception as exc:
            response = _render_unexpected(request, dialect, request_id, exc)
        add_cors_headers(request, dialect, response)
        status = response.status
        response.headers["X-Request-ID"] = request_id
        return response
    finally:
        elapsed = time.perf_counter() - started
        route = route_template(request)
        request.app[METRICS].observe(route, request.method, status, elapsed)
        logs.access(
            request_id=request_id,
            method=request.method,
            path=request.path,
            route=route,
            status=status,
            duration_ms=round(elapsed * 1000, 2),
        )


# aiohttp's refusals (the router's, the body limit's) as the classes dialects key tables by.
_HTTP_ERRORS: dict[int, type[RecordHubError]] = {
    404: RouteNotFound,
    405: MethodNotAllowed,
    408: RequestTimeout,
    413: BodyTooLarge,
}


def _render_http_exception(
    request: web.Request, dialect: Dialect, exc: web.HTTPException
) -> web.Response:
    known = _HTTP_ERRORS.get(exc.status)
    error = (
        known(exc.reason)
        if known is not None
        else HttpRefused(exc.reason, code=exc.reason.lower().replace(" ", "_"))
    )
    response = dialect.render_error(request, error, exc.status)
    if "Allow" in exc.headers:
        response.headers["Allow"] = exc.headers["Allow"]
    return response


def _render_unexpected(
    request: web.Request, dialect: Dialect, request_id: str, exc: Exception
) -> web.Response:
    """Anything unexpected: logged once with the request id, answered with a generic 500,
    unless it is a driver error that a store call left untranslated (a safety net)."""
    where = {"request_id": request_id, "method": request.method, "path": request.path}
    error = translate(exc)
    if error is not None:
        log.warning("untranslated database error: %s", type(exc).__name__, extra=where)
        return dialect.render_error(request, error, dialect.status(error))
    log.exception("unexpected error", extra=where)
    internal = Internal("Internal server error")
    return dialect.render_error(request, internal, 500)
