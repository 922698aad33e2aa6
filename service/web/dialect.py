"""What the shared edge needs from a dialect, and the registry that finds one by path.

A dialect owns a set of path prefixes. The error middleware renders errors raised under
those prefixes in the dialect's envelope; the origin middleware asks the dialect which
project a request speaks for. Everything else (routes, auth, bodies) is the dialect's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar, Self

from aiohttp import web

from service.config import Section, Settings
from service.errors import RecordHubError
from service.web.principal import CredentialSource, principal
from service.web.routedoc import Route
from service.web.statuses import status_for

if TYPE_CHECKING:
    from service.store.api import Store
    from service.store.projects import Project


@dataclass(frozen=True)
class CorsPolicy:
    """What a dialect's routes answer to cross-origin calls (service.web.cors applies it).

    `allow_origins` None admits every origin, never with credentials; a set admits only
    those (normalised, like a project's allow-list). `allow_headers` None admits any
    requested header; a set holds lower-case names.
    """

    allow_methods: frozenset[str] = frozenset({"DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"})
    allow_headers: frozenset[str] | None = None
    expose_headers: tuple[str, ...] = ()
    allow_credentials: bool = False
    allow_origins: frozenset[str] | None = None
    max_age: int = 600  # seconds a browser may cache a preflight answer


class Dialect:
    """Base: the default envelope `{"error": {"code", "message", "details"}}`."""

    name = "default"
    prefixes: tuple[str, ...] = ()
    cors: CorsPolicy | None = None  # None: no CORS on these routes
    honours_no_origin = False  # "disallow requests without an Origin" applies here
    # Where the dialect's credentials come from, in priority order (service.web.principal).
    credential_sources: tuple[CredentialSource, ...] = ()
    # The dialect's settings class (its environment variables), read with the core's.
    settings_class: ClassVar[type[Section] | None] = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        """The dialect as the app serves it; one with a settings class overrides this to
        pass `settings.section(its class)` to its constructor."""
        return cls()

    def status(self, error: RecordHubError) -> int:
        return status_for(error)

    def render_error(
        self, request: web.Request, error: RecordHubError, status: int
    ) -> web.Response:
        body = {"error": {"code": error.code, "message": error.message, "details": error.details}}
        return web.json_response(body, status=status, headers=error.headers)

    def admit(self, request: web.Request) -> None:
        """Checks before any handler of the dialect runs (the admin token); raise to refuse.
        Synchronous: it runs on every request, and no check needs the database."""

    async def identify(self, request: web.Request) -> Project | None:
        """The project a request presents credentials for, if any (no errors raised here)."""
        if not self.credential_sources:
            return None
        return (await principal(request)).project

    def bypasses_origin_policy(self, request: web.Request) -> bool:
        return False

    def cors_policy(self, request: web.Request, project: Project | None) -> CorsPolicy | None:
        """The CORS answer for a request whose origin policy is `project`'s (None: unknown).

        The declared `cors`, narrowed to the project's allow-list when it has one.
        Credentials go only with an allow-listed origin: without a list, the answer is
        CORS without credentials, so no other site's page can read a cookie-bearing answer.
        """
        policy = self.cors
        if policy is None:
            return None
        listed = project.allowed_origins if project is not None else frozenset()
        if listed:
            narrowed = listed if policy.allow_origins is None else listed & policy.allow_origins
            return replace(policy, allow_origins=narrowed)
        if policy.allow_credentials:
            return replace(policy, allow_credentials=False)
        return policy

    def routes(self) -> list[web.RouteDef]:
        """The dialect's URL table; app.py registers it (the edge answers CORS for it)."""
        return []

    def docs(self) -> dict[tuple[str, str], Any]:
        """OpenAPI documentation of the dialect's routes, keyed by (METHOD, path template)."""
        return {}

    def admin_routes(self) -> list[Route]:
        """Routes the dialect adds to the admin API, paths relative to `/admin`; app.py
        serves them behind the admin token, in the admin envelope, documented as admin."""
        return []

    def add_commands(self, commands: Any) -> None:
        """Add the dialect's `python -m service admin` commands to `commands` (argparse
        sub-parsers); each sets `run`: a coroutine (args, store) -> JSON-able answer,
        calling the same code as the dialect's admin routes."""

    async def ensure_indexes(self, store: Store) -> None:
        """Create the indexes the dialect's queries need (idempotent)."""


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
