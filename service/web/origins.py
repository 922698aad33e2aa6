"""Origin policy (ours) and CORS protocol (aiohttp-cors), and how the two divide the work.

- aiohttp-cors answers preflights and adds the Access-Control-* headers to the responses of
  the routes a dialect registers with CORS. Every origin is configured as allowed there, so
  it always echoes the request's origin and never sends `*` (safe with credentials).
- Our middleware decides, per request, whether the origin may call at all: it asks the
  dialect which project the request speaks for and checks that project's allow-list, which
  an admin can change at runtime. A refused request gets a 403 in the dialect's envelope
  before any handler runs, so aiohttp-cors never gets to bless it.
- A signal adds `Vary: Origin` to every response that echoes an origin, so shared caches do
  not serve one origin's answer to another.
"""

from __future__ import annotations

import aiohttp_cors
from aiohttp import hdrs, web
from aiohttp.typedefs import Handler

from service.core.origins import origin_allowed
from service.errors import Forbidden
from service.web.dialect import Dialect
from service.web.keys import DIALECTS

CORS_CONFIG = web.AppKey("cors_config", aiohttp_cors.CorsConfig)
PROJECT = web.RequestKey("project", object)

_PREFLIGHT_MAX_AGE = 600


@web.middleware
async def enforce_origins(request: web.Request, handler: Handler) -> web.StreamResponse:
    dialect = request.app[DIALECTS].for_path(request.path)
    if dialect.cors is None:
        return await handler(request)
    project = await dialect.identify(request)
    if project is not None and not dialect.bypasses_origin_policy(request):
        require_origin = dialect.honours_no_origin and project.disallow_no_origin
        origin = request.headers.get(hdrs.ORIGIN)
        if not origin_allowed(origin, project.allowed_origins, require_origin=require_origin):
            raise Forbidden("origin not allowed", reason="origin")
    return await handler(request)


def setup_cors(app: web.Application) -> None:
    app[CORS_CONFIG] = aiohttp_cors.setup(app)
    app.on_response_prepare.append(_add_vary_origin)


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


async def _add_vary_origin(request: web.Request, response: web.StreamResponse) -> None:
    if hdrs.ACCESS_CONTROL_ALLOW_ORIGIN in response.headers:
        vary = response.headers.get(hdrs.VARY, "")
        if "origin" not in vary.lower():
            response.headers[hdrs.VARY] = f"{vary}, Origin" if vary else "Origin"
