"""The URL table of the HighLevel dialect (base URL `http://HOST:PORT`, as the SDKs set it)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from aiohttp import web

from service.dialects.highlevel import auth, customfields, objects, ratelimit, records, search
from service.dialects.highlevel.context import Context, Handler


def endpoint(ctx: Context, handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Every call: the Version header and the token, then the location's rate limit; the
    rate headers go on the answer (error answers get them from the dialect's renderer)."""

    @functools.wraps(handler)  # the OpenAPI builder reads the handler's name and docstring
    async def handle(request: web.Request) -> web.Response:
        project = await auth.authenticate(request)
        ratelimit.admit(request, ctx.limiter, project.id)
        response = await handler(request, ctx, project)
        response.headers.update(request[ratelimit.RATE_HEADERS])
        return response

    return handle


def table(ctx: Context) -> list[web.RouteDef]:
    def route(method: str, path: str, handler: Handler) -> web.RouteDef:
        return web.route(method, path, endpoint(ctx, handler))

    # The SDKs call `/objects/` and `/custom-fields/`; the forms without the slash work too.
    return [
        route("GET", "/objects/", objects.list_objects),
        route("GET", "/objects", objects.list_objects),
        route("POST", "/objects/", objects.create_object),
        route("POST", "/objects", objects.create_object),
        route("GET", "/objects/{key}", objects.get_object),
        route("PUT", "/objects/{key}", objects.update_object),
        route("POST", "/objects/{key}/records", records.create_record),
        route("POST", "/objects/{key}/records/search", search.search_records),
        route("GET", "/objects/{key}/records/{id}", records.get_record),
        route("PUT", "/objects/{key}/records/{id}", records.update_record),
        route("DELETE", "/objects/{key}/records/{id}", records.delete_record),
        route("POST", "/custom-fields/", customfields.create_field),
        route("POST", "/custom-fields", customfields.create_field),
        route("GET", "/custom-fields/object-key/{objectKey}", customfields.list_fields),
        route("GET", "/custom-fields/{id}", customfields.get_field),
        route("PUT", "/custom-fields/{id}", customfields.update_field),
        route("DELETE", "/custom-fields/{id}", customfields.delete_field),
    ]
