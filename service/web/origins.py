"""Origin policy (ours) and CORS protocol (aiohttp-cors), and how the two divide the work.

- aiohttp-cors answers preflights and adds the Access-Control-* headers to the responses of
  the routes a dialect registers with CORS. Every origin is configured as allowed there, so
  it always echoes the request's origin and never sends `*` (safe with credentials).
- The edge middleware decides (`check_origin`), per request, whether the origin may call at
  all: it asks the dialect which project the request speaks for and checks that project's
  allow-list, which an admin can change at runtime. A refused request gets a 403 in the
  dialect's envelope before any handler runs, so aiohttp-cors never gets to bless it.
  A record reached without its owner's key (a public bin) is judged by the owner's policy
  too, once the handler has read it (`check_owner_origin`).
- Our response hook runs aiohttp-cors's only for requests that carry an Origin, and adds
  `Vary: Origin` to every response that echoes one, so shared caches do not serve one
  origin's answer to another.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiohttp_cors
from aiohttp import hdrs, web

from service.core.origins import origin_allowed
from service.errors import Forbidden
from service.store.projects import Project
from service.web.dialect import Dialect
from service.web.keys import DIALECTS

CORS_CONFIG = web.AppKey("cors_config", aiohttp_cors.CorsConfig)
_Hook = Callable[[web.Request, web.StreamResponse], Awaitable[object]]
_CORS_HOOK: web.AppKey[_Hook] = web.AppKey("cors_hook")

_PREFLIGHT_MAX_AGE = 600


async def check_origin(request: web.Request, dialect: Dialect) -> None:
    """Refuse (403, before any handler) an origin the request's project does not allow."""
    if dialect.cors is None:
        return
    if hdrs.ORIGIN not in request.headers and not dialect.honours_no_origin:
        return  # no project's policy can refuse it (most server-side calls)
    project = await dialect.identify(request)
    if project is not None:
        _judge(request, dialect, project)


def check_owner_origin(request: web.Request, owner: Project) -> None:
    """The same policy, for the owner of what a handler has just read: a public record is
    reached without the owner's key (or with another project's), so the edge could not
    know whose allow-list applies until the record was read."""
    dialect = request.app[DIALECTS].for_request(request)
    if dialect.cors is not None:
        _judge(request, dialect, owner)


def _judge(request: web.Request, dialect: Dialect, project: Project) -> None:
    if dialect.bypasses_origin_policy(request):
        return
    origin = request.headers.get(hdrs.ORIGIN)
    require_origin = dialect.honours_no_origin and project.disallow_no_origin
    if not origin_allowed(origin, project.allowed_origins, require_origin=require_origin):
        raise Forbidden("origin not allowed", reason="origin")


def setup_cors(app: web.Application) -> None:
    hooks = app.on_response_prepare
    before = len(hooks)
    app[CORS_CONFIG] = aiohttp_cors.setup(app)
    # aiohttp-cors inspects every response, but only one to a request with an Origin can
    # get CORS headers (CORS 6.1.1): its hook runs behind ours, which skips the others.
    library_hook: _Hook
    (library_hook,) = hooks[before:]
    app[_CORS_HOOK] = library_hook
    del hooks[before:]
    hooks.append(_on_response_prepare)


def enable_cors(app: web.Application, dialect: Dialect, routes: list[web.AbstractRoute]) -> None:
    """Put a dialect's routes under CORS with its policy (called by app.py after routing)."""
    if dialect.cors is None:
        return
    options = aiohttp_cors.ResourceOptions(
        allow_credentials=dialect.cors.allow_credentials,
        expose_headers=dialect.cors.expose_headers or (),
        allow_headers="*",
        allow_methods="*",
        max_age=_PREFLIGHT_MAX_AGE,
    )
    config = app[CORS_CONFIG]
    seen: set[int] = set()
    for route in routes:
        resource = route.resource
        if resource is None or id(resource) in seen:
            continue
        seen.add(id(resource))
        config.add(resource, {"*": options})


async def _on_response_prepare(request: web.Request, response: web.StreamResponse) -> None:
    if hdrs.ORIGIN not in request.headers:
        return
    await request.app[_CORS_HOOK](request, response)
    if hdrs.ACCESS_CONTROL_ALLOW_ORIGIN in response.headers:
        vary = response.headers.get(hdrs.VARY, "")
        if "origin" not in vary.lower():
            response.headers[hdrs.VARY] = f"{vary}, Origin" if vary else "Origin"
