"""The URL table of the HighLevel dialect (base URL `http://HOST:PORT`, as the SDKs set it),
each route with its OpenAPI doc (the schemas: docs.py for answers, bodydocs.py for bodies)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from aiohttp import web

from service.dialects.highlevel import (
    auth,
    bodydocs,
    customfields,
    objects,
    ratelimit,
    records,
    search,
)
from service.dialects.highlevel.context import Context, Handler
from service.dialects.highlevel.docs import (
    FETCH,
    FIELD,
    FIELD_DELETED,
    FIELD_ID,
    FIELDS,
    FOUND,
    LOCATION,
    OBJECT,
    OBJECT_KEY,
    OBJECT_KEY_OR_ID,
    OBJECT_WITH_FIELDS,
    OPTIONAL_LOCATION,
    RECORD,
    RECORD_DELETED,
    RECORD_ID,
    doc,
    listed,
    wrapped,
)
from service.web.routedoc import Param, Route, RouteDoc


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


_LIST_OBJECTS = doc("List custom objects", 200, listed("objects", OBJECT), query=(LOCATION,))
_CREATE_OBJECT = doc(
    "Create a custom object and its primary field",
    201,
    wrapped("object", OBJECT),
    body=bodydocs.OBJECT_CREATE,
)
_CREATE_FIELD = doc(
    "Create a custom field", 201, wrapped("field", FIELD), body=bodydocs.FIELD_CREATE
)
_RECORD_PATH = (OBJECT_KEY, RECORD_ID)


def table(ctx: Context) -> list[Route]:
    def route(method: str, path: str, handler: Handler, route_doc: RouteDoc) -> Route:
        return Route(method, path, endpoint(ctx, handler), route_doc)

    # The SDKs call `/objects/` and `/custom-fields/`; the forms without the slash work too.
    return [
        route("GET", "/objects/", objects.list_objects, _LIST_OBJECTS),
        route("GET", "/objects", objects.list_objects, _LIST_OBJECTS),
        route("POST", "/objects/", objects.create_object, _CREATE_OBJECT),
        route("POST", "/objects", objects.create_object, _CREATE_OBJECT),
        route(
            "GET",
            "/objects/{key}",
            objects.get_object,
            doc(
                "Get a custom object by key or id",
                200,
                OBJECT_WITH_FIELDS,
                path=(OBJECT_KEY_OR_ID,),
                query=(LOCATION, FETCH),
            ),
        ),
        route(
            "PUT",
            "/objects/{key}",
            objects.update_object,
            doc(
                "Update labels, description, searchable properties",
                200,
                wrapped("object", OBJECT),
                path=(OBJECT_KEY,),
                body=bodydocs.OBJECT_UPDATE,
            ),
        ),
        route(
            "POST",
            "/objects/{key}/records",
            records.create_record,
            doc(
                "Create a record",
                201,
                wrapped("record", RECORD),
                path=(OBJECT_KEY,),
                body=bodydocs.RECORD_CREATE,
            ),
        ),
        route(
            "POST",
            "/objects/{key}/records/search",
            search.search_records,
            doc("Search records", 200, FOUND, path=(OBJECT_KEY,), body=bodydocs.SEARCH),
        ),
        route(
            "GET",
            "/objects/{key}/records/{id}",
            records.get_record,
            doc(
                "Get a record",
                200,
                wrapped("record", RECORD),
                path=_RECORD_PATH,
                query=(OPTIONAL_LOCATION,),
            ),
        ),
        route(
            "PUT",
            "/objects/{key}/records/{id}",
            records.update_record,
            doc(
                "Update a record in one atomic write",
                200,
                wrapped("record", RECORD),
                path=_RECORD_PATH,
                query=(LOCATION,),
                body=bodydocs.RECORD,
            ),
        ),
        route(
            "DELETE",
            "/objects/{key}/records/{id}",
            records.delete_record,
            doc(
                "Delete a record",
                200,
                RECORD_DELETED,
                path=_RECORD_PATH,
                query=(OPTIONAL_LOCATION,),
            ),
        ),
        route("POST", "/custom-fields/", customfields.create_field, _CREATE_FIELD),
        route("POST", "/custom-fields", customfields.create_field, _CREATE_FIELD),
        route(
            "GET",
            "/custom-fields/object-key/{objectKey}",
            customfields.list_fields,
            doc(
                "List an object's custom fields",
                200,
                FIELDS,
                path=(Param("objectKey", OBJECT_KEY.description, bodydocs.OBJECT_KEY),),
                query=(LOCATION,),
            ),
        ),
        route(
            "GET",
            "/custom-fields/{id}",
            customfields.get_field,
            doc("Get a custom field", 200, wrapped("field", FIELD), path=(FIELD_ID,)),
        ),
        route(
            "PUT",
            "/custom-fields/{id}",
            customfields.update_field,
            doc(
                "Update a custom field",
                200,
                wrapped("field", FIELD),
                path=(FIELD_ID,),
                body=bodydocs.FIELD_UPDATE,
            ),
        ),
        route(
            "DELETE",
            "/custom-fields/{id}",
            customfields.delete_field,
            doc("Delete a custom field and its values", 200, FIELD_DELETED, path=(FIELD_ID,)),
        ),
    ]
