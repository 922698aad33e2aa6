"""What every rested handler shares: settings, the login cookie, the jsonata evaluator, and
the endpoint definitions through the app's definition cache."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from service.dialects.rested import messages
from service.dialects.rested.auth import COOKIE, Caller, KeyInvalid
from service.dialects.rested.endpoints import CATEGORY, Endpoint, find_endpoint
from service.dialects.rested.expressions import Evaluator
from service.dialects.rested.settings import RestedSettings
from service.web.appkeys import DEFINITION_CACHE, STORE
from service.web.cookies import SessionCookie


class EndpointUnknown(KeyInvalid):
    code = "endpoint_unknown"


@dataclass(frozen=True)
class Context:
    settings: RestedSettings
    cookie: SessionCookie
    evaluator: Evaluator

    @classmethod
    def build(cls, settings: RestedSettings) -> Context:
        # SameSite=None: the app's pages are on another site than RecordHub, and a
        # cross-site fetch with credentials carries only such a cookie.
        cookie = SessionCookie(COOKIE, secure=settings.cookie_secure, same_site="None")
        return cls(settings, cookie, Evaluator(timeout_ms=settings.jsonata_timeout_ms))

    async def endpoint(self, request: web.Request, project_id: str, name: str) -> Endpoint:
        """The endpoint, cached for RESTED_ENDPOINT_CACHE_SECONDS: a change made through
        this replica is seen at once, through another one within that time. Unknown
        names are not cached (a new endpoint works everywhere at once)."""
        store = request.app[STORE]

        async def load() -> Endpoint:
            found = await find_endpoint(store, project_id, name)
            if found is None:
                raise EndpointUnknown(messages.INVALID_KEY)
            return found

        key = cache_key(project_id, name)
        cache = request.app[DEFINITION_CACHE]
        found, _ = await cache.get(key, load, ttl=self.settings.endpoint_cache_seconds)
        return found


def cache_key(project_id: str, name: str) -> tuple[str, str, str]:
    return (CATEGORY, project_id, name)


def forget(app: web.Application, project_id: str, name: str) -> None:
    """Called after this replica changes or deletes the endpoint."""
    app[DEFINITION_CACHE].forget(cache_key(project_id, name))


# A data-call handler gets the request, the context, the caller and the endpoint.
Handler = Callable[[web.Request, Context, Caller, Endpoint], Awaitable[web.StreamResponse]]
