"""CORS: the edge answers preflights and adds the Access-Control-* headers, per request.

The protocol is the Fetch standard's (starlette's CORS middleware is the model). A preflight
(OPTIONS with `Origin` and `Access-Control-Request-Method`) of a CORS route is answered
before any handler: 200 with the Allow-* headers when the origin, the method and every
requested header are allowed; 403 in the dialect's envelope, without CORS headers, when not;
the dialect's 404/405 when no route serves that path and method. Any other response of a
CORS route (errors too) echoes an allowed origin and always carries `Vary: Origin`, so a
shared cache never hands one origin's answer to another.

What is allowed comes from `Dialect.cors_policy(request, project)`, with the project whose
origin policy the request was judged by (service.web.origins), so the two never disagree.
"""

from __future__ import annotations

from aiohttp import hdrs, web
from multidict import CIMultiDict

from service.core.origins import normalize_origin
from service.errors import Invalid, PreflightRefused
from service.web.dialect import CorsPolicy, Dialect
from service.web.origins import POLICY_PROJECT

# Request headers a browser sends without asking (Fetch's CORS-safelisted names).
_SAFELISTED_HEADERS = frozenset({"accept", "accept-language", "content-language", "content-type"})


def is_preflight(request: web.Request) -> bool:
    headers = request.headers
    return (
        request.method == hdrs.METH_OPTIONS
        and hdrs.ORIGIN in headers
        and hdrs.ACCESS_CONTROL_REQUEST_METHOD in headers
    )


def answer_preflight(request: web.Request, dialect: Dialect) -> web.Response | None:
    """The answer to a preflight of a CORS route, or None when the request is not one
    (the handler, or the router's 404, answers it)."""
    if dialect.cors is None or not is_preflight(request):
        return None
    policy = dialect.cors_policy(request, request.get(POLICY_PROJECT))
    served = _served_methods(request)
    if policy is None or served is None:
        return None
    origin = request.headers[hdrs.ORIGIN]
    # Method names are case-sensitive: a browser upper-cases only the standard ones.
    method = request.headers[hdrs.ACCESS_CONTROL_REQUEST_METHOD]
    if method not in served and hdrs.METH_ANY not in served:
        raise web.HTTPMethodNotAllowed(method, served)
    requested = _requested_headers(request)
    if not (
        allows_origin(policy, origin)
        and method in policy.allow_methods
        and _allows_headers(policy, requested)
    ):
        raise PreflightRefused("CORS preflight refused (origin, method or headers)")
    methods = policy.allow_methods if hdrs.METH_ANY in served else served & policy.allow_methods
    headers = {
        hdrs.ACCESS_CONTROL_ALLOW_ORIGIN: origin,
        hdrs.ACCESS_CONTROL_ALLOW_METHODS: ", ".join(sorted(methods)),
        hdrs.ACCESS_CONTROL_MAX_AGE: str(policy.max_age),
    }
    allowed_headers = requested if policy.allow_headers is None else sorted(policy.allow_headers)
    if allowed_headers:
        headers[hdrs.ACCESS_CONTROL_ALLOW_HEADERS] = ", ".join(allowed_headers)
    if policy.allow_credentials:
        headers[hdrs.ACCESS_CONTROL_ALLOW_CREDENTIALS] = "true"
    return web.Response(status=200, headers=headers)


def add_cors_headers(request: web.Request, dialect: Dialect, response: web.StreamResponse) -> None:
    """`Vary: Origin` on every response of a CORS route; on an actual request's, the
    Allow-Origin, credentials and exposed headers when its origin is allowed."""
    if dialect.cors is None:
        return
    _vary_on_origin(response.headers)
    origin = request.headers.get(hdrs.ORIGIN)
    if origin is None or is_preflight(request):
        return  # a preflight got its headers from answer_preflight, or none
    policy = dialect.cors_policy(request, request.get(POLICY_PROJECT))
    if policy is None or not allows_origin(policy, origin):
        return
    headers = response.headers
    headers[hdrs.ACCESS_CONTROL_ALLOW_ORIGIN] = origin
    if policy.allow_credentials:
        headers[hdrs.ACCESS_CONTROL_ALLOW_CREDENTIALS] = "true"
    if policy.expose_headers:
        headers[hdrs.ACCESS_CONTROL_EXPOSE_HEADERS] = ", ".join(policy.expose_headers)


def allows_origin(policy: CorsPolicy, origin: str) -> bool:
    """Whether `origin` may be echoed: every origin only without credentials, else the list."""
    if policy.allow_origins is None:
        return not policy.allow_credentials
    try:
        return normalize_origin(origin) in policy.allow_origins
    except Invalid:
        return False  # "null" or garbage is on no list


def _allows_headers(policy: CorsPolicy, requested: list[str]) -> bool:
    if policy.allow_headers is None:
        return True
    return all(name in _SAFELISTED_HEADERS or name in policy.allow_headers for name in requested)


def _requested_headers(request: web.Request) -> list[str]:
    raw = request.headers.get(hdrs.ACCESS_CONTROL_REQUEST_HEADERS, "")
    return [name.strip().lower() for name in raw.split(",") if name.strip()]


def _served_methods(request: web.Request) -> frozenset[str] | None:
    """The methods routes serve on the request's path; None when no route serves it."""
    match = request.match_info
    error = match.http_exception
    if isinstance(error, web.HTTPMethodNotAllowed):  # the usual case: no OPTIONS route
        return frozenset(error.allowed_methods)
    resource = match.route.resource
    if error is not None or resource is None:
        return None
    return frozenset(route.method for route in resource)


def _vary_on_origin(headers: CIMultiDict[str]) -> None:
    vary = headers.get(hdrs.VARY)
    if vary is None:
        headers[hdrs.VARY] = "Origin"
    elif not {token.strip().lower() for token in vary.split(",")} & {"origin", "*"}:
        headers[hdrs.VARY] = f"{vary}, Origin"
