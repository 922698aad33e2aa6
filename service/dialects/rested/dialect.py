"""The rested dialect as the shared edge sees it: prefix, credentialed CORS, the origin
policy with "disallow no origin", the master key's bypass, and `{"message"}` errors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from aiohttp import web

from service.config import Settings
from service.dialects.rested import admin, auth, cli, messages, routes
from service.dialects.rested.access import OWNER
from service.dialects.rested.context import Context
from service.dialects.rested.downloads import RangeNotSatisfiable
from service.dialects.rested.filestore import BUCKET
from service.dialects.rested.settings import RestedSettings
from service.errors import (
    AlreadyExists,
    BodyTooLarge,
    Contended,
    EmptyBody,
    Internal,
    KindMismatch,
    MethodNotAllowed,
    NotAnObject,
    NotFound,
    OriginRefused,
    PreconditionFailed,
    PreflightRefused,
    QuotaExceeded,
    RecordHubError,
    RecordNotFound,
    RequestTimeout,
    RouteNotFound,
    Unavailable,
    nearest,
)
from service.web.dialect import CorsPolicy, Dialect
from service.web.routedoc import Route, definitions, documented
from service.web.statuses import status_for

if TYPE_CHECKING:
    from service.store.api import Store

# rested's wording of errors raised outside this dialect, by class.
_MESSAGES: dict[type[RecordHubError], str] = {
    EmptyBody: messages.EMPTY_BODY,
    RouteNotFound: messages.NOT_FOUND,
    NotFound: messages.NO_RECORD,
    RecordNotFound: messages.NO_RECORD,
    OriginRefused: messages.FORBIDDEN,
    PreflightRefused: messages.FORBIDDEN,
    NotAnObject: messages.MERGE_OBJECTS,  # a merge onto stored content that is no object
    KindMismatch: messages.REPLACE_KIND,
    BodyTooLarge: messages.BODY_TOO_LARGE,
    Contended: messages.CONTENDED,
    MethodNotAllowed: messages.METHOD_NOT_ALLOWED,
    RequestTimeout: messages.REQUEST_TIMEOUT,
    Internal: messages.INTERNAL,
    Unavailable: messages.UNAVAILABLE,
}
# rested answers "not found" and refused preconditions with 400, as every bad input.
_STATUSES: dict[type[RecordHubError], int] = {
    RouteNotFound: 404,
    NotFound: 400,
    PreconditionFailed: 400,
    AlreadyExists: 400,
    Contended: 409,
    QuotaExceeded: 429,
    RangeNotSatisfiable: 416,
}


class RestedDialect(Dialect):
    name = "rested"
    prefixes = ("/api",)
    # Browsers call with cookies: credentials for allow-listed origins only (the base
    # narrows this to the project's list, and drops credentials when it has none).
    cors = CorsPolicy(
        allow_methods=frozenset({"DELETE", "GET", "POST", "PUT"}),
        allow_headers=frozenset({"authorization", "content-type"}),
        expose_headers=("Authorization",),
        allow_credentials=True,
    )
    honours_no_origin = True
    credential_sources = auth.CREDENTIAL_SOURCES
    settings_class = RestedSettings

    def __init__(self, settings: RestedSettings | None = None) -> None:
        self.context = Context.build(settings or RestedSettings())
        self.table = routes.table(self.context)

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls(settings.section(RestedSettings))

    def routes(self) -> list[web.RouteDef]:
        return definitions(self.table)

    def docs(self) -> dict[tuple[str, str], Any]:
        return documented(self.table)

    def admin_routes(self) -> list[Route]:
        return admin.table()

    def add_commands(self, commands: Any) -> None:
        cli.add_commands(commands)

    def bypasses_origin_policy(self, request: web.Request) -> bool:
        return auth.is_master(request)

    def status(self, error: RecordHubError) -> int:
        found = nearest(_STATUSES, error)
        return found if found is not None else status_for(error)

    def render_error(
        self, request: web.Request, error: RecordHubError, status: int
    ) -> web.Response:
        text = nearest(_MESSAGES, error) or error.message
        return web.json_response({"message": text}, status=status, headers=error.headers)

    async def ensure_indexes(self, store: Store) -> None:
        # Reads list an endpoint's records oldest first (all, or one owner's) from the
        # catalog (service.dialects.rested.endpoints.scope_of).
        await store.records.ensure_catalog_index("createdAt")
        await store.records.ensure_catalog_index(OWNER, "createdAt")
        await store.users.ensure_realm_indexes()
        await store.files.ensure_indexes(BUCKET)
        await store.files.sweep(bucket=BUCKET)  # what uploads a crashed replica left
