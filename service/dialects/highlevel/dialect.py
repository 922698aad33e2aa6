"""The HighLevel dialect as the shared edge sees it: prefixes, CORS, envelope, identity."""

from __future__ import annotations

from typing import Any, Self

from aiohttp import web

from service.config import Settings
from service.core.queries import CREATED, KEY, Order
from service.dialects.highlevel import auth, messages, ratelimit, routes
from service.dialects.highlevel.auth import LocationForbidden, VersionMissing
from service.dialects.highlevel.cache import SchemaCache
from service.dialects.highlevel.context import Context
from service.dialects.highlevel.objectschema import NS_PREFIX, OBJECT_RECORDS
from service.dialects.highlevel.ratelimit import RateLimiter
from service.dialects.highlevel.settings import HighLevelSettings
from service.errors import (
    BodyTooLarge,
    Contended,
    DatabaseUnavailable,
    EmptyBody,
    Internal,
    Invalid,
    MalformedBody,
    MethodNotAllowed,
    Overloaded,
    PreconditionFailed,
    RecordHubError,
    RecordNotFound,
    RouteNotFound,
    nearest,
)
from service.store.api import Store
from service.web.dialect import CorsPolicy, Dialect
from service.web.middleware import REQUEST_ID, new_request_id
from service.web.routedoc import definitions, documented
from service.web.statuses import status_for

# NestJS's names of the statuses HighLevel answers with (fixed here: Python renames some).
_PHRASES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
# Our wording of errors raised outside this dialect, by class.
_EDGE_MESSAGES: dict[type[RecordHubError], str] = {
    RecordNotFound: messages.RECORD_NOT_FOUND,  # the engine's "record not found"
    Internal: messages.INTERNAL,
    DatabaseUnavailable: messages.UNAVAILABLE,
    Overloaded: messages.UNAVAILABLE,
    Contended: messages.CONTENDED,
    BodyTooLarge: "request entity too large",
}
# HighLevel sends these two without an `error` member.
_BARE = (VersionMissing, LocationForbidden)
# Invalid requests that are not validation failures: 400 rather than 422.
_BAD_REQUEST = (VersionMissing, MalformedBody, EmptyBody)


class HighLevelDialect(Dialect):
    name = "highlevel"
    prefixes = ("/objects", "/custom-fields")
    # Called from servers mostly; tokens travel in a header, never in cookies.
    cors = CorsPolicy(allow_credentials=False, expose_headers=ratelimit.HEADERS)
    credential_sources = auth.CREDENTIAL_SOURCES
    settings_class = HighLevelSettings

    def __init__(self, settings: HighLevelSettings | None = None) -> None:
        settings = settings or HighLevelSettings()
        self.context = Context(
            limiter=RateLimiter(
                burst=settings.burst,
                window_seconds=settings.burst_window_seconds,
                daily=settings.daily_limit,
            ),
            schemas=SchemaCache(ttl=settings.schema_cache_seconds),
        )
        self.table = routes.table(self.context)

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls(settings.section(HighLevelSettings))

    def routes(self) -> list[web.RouteDef]:
        return definitions(self.table)

    def docs(self) -> dict[tuple[str, str], Any]:
        return documented(self.table)

    def status(self, error: RecordHubError) -> int:
        if isinstance(error, Invalid):
            return 400 if isinstance(error, _BAD_REQUEST) else 422
        if isinstance(error, PreconditionFailed):
            return 422  # a stored value of the wrong shape for the edit, or a limit
        return status_for(error)

    def render_error(
        self, request: web.Request, error: RecordHubError, status: int
    ) -> web.Response:
        message: str | list[str] = nearest(_EDGE_MESSAGES, error) or error.message
        if isinstance(error, RouteNotFound | MethodNotAllowed):
            message = messages.CANNOT_ROUTE.format(method=request.method, path=request.path)
        if status == 422:
            details = error.details if isinstance(error.details, dict) else {}
            message = list(details.get("messages") or [error.message])
        body: dict[str, Any] = {"statusCode": status, "message": message}
        if not isinstance(error, _BARE):
            body["error"] = _PHRASES.get(status, "Error")
        body["traceId"] = request.get(REQUEST_ID) or new_request_id()
        headers = {**error.headers, **request.get(ratelimit.RATE_HEADERS, {})}
        return web.json_response(body, status=status, headers=headers)

    async def ensure_indexes(self, store: Store) -> None:
        # An object and its fields share `objectKey`, so a schema load is one index scan.
        await store.definitions.ensure_index("objectKey", "category")
        # Search pages without a condition walk one object's catalog entries newest
        # first (objectschema.scope_of). Until 2026-12 they walked an index on the
        # records, which on MongoDB still serves searches with a condition.
        await store.records.ensure_catalog_index("createdAt")
        newest_first = (Order(CREATED, descending=True), Order(KEY, descending=True))
        await store.records.adopt_catalog(OBJECT_RECORDS, newest_first, NS_PREFIX)
