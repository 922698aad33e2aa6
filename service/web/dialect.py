"""What the shared edge needs from a dialect, and the registry that finds one by path.

A dialect owns a set of path prefixes. The error middleware renders errors raised under
those prefixes in the dialect's envelope; the origin middleware asks the dialect which
project a request speaks for. Everything else (routes, auth, bodies) is the dialect's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from service.errors import RecordHubError
from service.web.statuses import status_for

if TYPE_CHECKING:
    from service.store.projects import Project


@dataclass(frozen=True)
class CorsPolicy:
    """How the CORS answer looks for a dialect's routes (origins are checked separately)."""

    allow_credentials: bool = False
    expose_headers: tuple[str, ...] = ()


class Dialect:
    """Base: the default envelope `{"error": {"code", "message", "details"}}`."""

    name = "default"
    prefixes: tuple[str, ...] = ()
    cors: CorsPolicy | None = None  # None: no CORS on these routes
    honours_no_origin = False  # "disallow requests without an Origin" applies here

    def status(self, error: RecordHubError) -> int:
        return status_for(error)

    def render_error(
        self, request: web.Request, error: RecordHubError, status: int
    ) -> web.Response:
        body = {"error": {"code": error.reason, "message": error.message, "details": error.details}}
        return web.json_response(body, status=status, headers=error.headers)

    def admit(self, request: web.Request) -> None:
        """Checks before any handler of the dialect runs (the admin token); raise to refuse.
        Synchronous: it runs on every request, and no check needs the database."""

    async def identify(self, request: web.Request) -> Project | None:
        """The project a request presents credentials for, if any (no errors raised here)."""
        return None

    def bypasses_origin_policy(self, request: web.Request) -> bool:
        return False

    def routes(self) -> list[web.RouteDef]:
        """The dialect's URL table; app.py registers it and puts it under CORS."""
        return []

    def docs(self) -> dict[tuple[str, str], Any]:
        """OpenAPI documentation of the dialect's routes, keyed by (METHOD, path template)."""
        return {}

    async def ensure_indexes(self, database: Any) -> None:
        """Create the indexes the dialect's collections need (idempotent)."""


class Dialects:
    """Prefix -> dialect, longest prefix first; the default dialect answers the rest."""

    def __init__(self, default: Dialect | None = None) -> None:
        self.default = default or Dialect()
        self._by_prefix: list[tuple[str, Dialect]] = []
        self._by_resource: dict[web.AbstractResource, Dialect] = {}

    def add(self, dialect: Dialect) -> None:
        self._by_prefix.extend((prefix, dialect) for prefix in dialect.prefixes)
        self._by_prefix.sort(key=lambda item: len(item[0]), reverse=True)

    def for_request(self, request: web.Request) -> Dialect:
        """The dialect of the request's route (remembered per route), or of its path."""
        resource = request.match_info.route.resource
        if resource is None:  # no route matched
            return self.for_path(request.path)
        found = self._by_resource.get(resource)
        if found is None:
            found = self._by_resource[resource] = self.for_path(resource.canonical)
        return found

    def for_path(self, path: str) -> Dialect:
        for prefix, dialect in self._by_prefix:
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                return dialect
        return self.default

    def __iter__(self) -> Iterator[Dialect]:
        seen: list[Dialect] = []
        for _, dialect in self._by_prefix:
            if dialect not in seen:
                seen.append(dialect)
        return iter(seen)
