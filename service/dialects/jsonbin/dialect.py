"""The JSONBin dialect as the shared edge sees it: prefix, CORS, envelope, identity."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from service.dialects.jsonbin import auth, messages, routes
from service.dialects.jsonbin.settings import JsonBinSettings
from service.errors import (
    BodyTooLarge,
    DatabaseUnavailable,
    EmptyBody,
    Internal,
    MalformedBody,
    Overloaded,
    QuotaExceeded,
    RecordHubError,
    RouteNotFound,
    nearest,
)
from service.store.api import Store
from service.web.dialect import CorsPolicy, Dialect
from service.web.routedoc import definitions, documented
from service.web.statuses import status_for

# Errors raised by the shared edge carry our wording; JSONBin clients get JSONBin's.
_EDGE_MESSAGES: dict[type[RecordHubError], str] = {
    MalformedBody: messages.INVALID_JSON,
    EmptyBody: messages.BIN_BLANK,
    RouteNotFound: messages.ROUTE_NOT_FOUND,
    Internal: messages.INTERNAL,
    DatabaseUnavailable: messages.UNAVAILABLE,
    Overloaded: messages.UNAVAILABLE,
    BodyTooLarge: messages.BIN_TOO_LARGE,
}


class JsonBinDialect(Dialect):
    name = "jsonbin"
    prefixes = ("/v3",)
    # JSONBin answers CORS for every origin; keys travel in headers, never cookies.
    cors = CorsPolicy(allow_credentials=False)
    # identify(): the key's project only. A public bin's owner is known once the handler
    # has read the bin, and its policy is applied there (web.origins.check_owner_origin).
    credential_sources = auth.CREDENTIAL_SOURCES
    settings_class = JsonBinSettings

    def __init__(self) -> None:
        self.table = routes.table()

    def routes(self) -> list[web.RouteDef]:
        return definitions(self.table)

    def docs(self) -> dict[tuple[str, str], Any]:
        return documented(self.table)

    def status(self, error: RecordHubError) -> int:
        if isinstance(error, QuotaExceeded):
            return 403  # the seed's "Requests exhausted" is a 403
        return status_for(error)

    def render_error(
        self, request: web.Request, error: RecordHubError, status: int
    ) -> web.Response:
        text = nearest(_EDGE_MESSAGES, error) or error.message
        return web.json_response({"message": text}, status=status, headers=error.headers)

    async def ensure_indexes(self, store: Store) -> None:
        # Listing a collection's bins in id order, the last bin id as the cursor.
        await store.records.ensure_catalog_index("collectionId")
