"""The admin routes rested adds (`/admin/projects/{id}/endpoints...`, behind the admin token,
in the admin envelope): define, list, read, change and delete a project's endpoints."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from marshmallow import RAISE, Schema, fields

from service.dialects.rested import context, endpoints
from service.web.admin import load_body
from service.web.appkeys import STORE
from service.web.fields import StrictBoolean
from service.web.routedoc import Param, Reply, Route, RouteDoc

_NAME = "{name:.+}"  # endpoint names contain `/`


class EndpointPatchSchema(Schema):
    class Meta:
        unknown = RAISE

    secure = StrictBoolean()
    authentication = StrictBoolean()
    othersCanRead = StrictBoolean()
    othersCanUpdate = StrictBoolean()
    othersCanDelete = StrictBoolean()


# For the OpenAPI document only (a subset of the names endpoints.name_problem accepts):
# the handler names the rule a bad name breaks.
_NAME_SHAPE = {
    "pattern": "^[a-z0-9](?:[a-z0-9]|[-/](?=[a-z0-9]))*$",
    "minLength": 5,
    "maxLength": 254,
}


class EndpointCreateSchema(EndpointPatchSchema):
    name = fields.String(required=True, metadata=_NAME_SHAPE)


class EndpointSchema(Schema):
    name = fields.String(required=True)
    secure = fields.Boolean(required=True)
    authentication = fields.Boolean(required=True)
    othersCanRead = fields.Boolean(required=True)
    othersCanUpdate = fields.Boolean(required=True)
    othersCanDelete = fields.Boolean(required=True)
    createdAt = fields.DateTime(required=True)
    updatedAt = fields.DateTime(required=True)


async def create_endpoint(request: web.Request) -> web.Response:
    data = await load_body(request, EndpointCreateSchema())
    name = data.pop("name")
    project_id = request.match_info["id"]
    endpoint = await endpoints.create_endpoint(request.app[STORE], project_id, name, data)
    context.forget(request.app, project_id, name)
    return web.json_response(endpoint.public(), status=201)


async def list_endpoints(request: web.Request) -> web.Response:
    found = await endpoints.list_endpoints(request.app[STORE], request.match_info["id"])
    return web.json_response([endpoint.public() for endpoint in found])


async def read_endpoint(request: web.Request) -> web.Response:
    project_id, name = request.match_info["id"], request.match_info["name"]
    endpoint = await endpoints.get_endpoint(request.app[STORE], project_id, name)
    return web.json_response(endpoint.public())


async def patch_endpoint(request: web.Request) -> web.Response:
    data = await load_body(request, EndpointPatchSchema())
    project_id, name = request.match_info["id"], request.match_info["name"]
    endpoint = await endpoints.update_endpoint(request.app[STORE], project_id, name, data)
    context.forget(request.app, project_id, name)
    return web.json_response(endpoint.public())


async def delete_endpoint(request: web.Request) -> web.Response:
    project_id, name = request.match_info["id"], request.match_info["name"]
    await endpoints.delete_endpoint(request.app[STORE], project_id, name)
    context.forget(request.app, project_id, name)
    return web.Response(status=204)


_PROJECT = Param("id", "The project id")
_ENDPOINT = Param("name", "The endpoint's name (it may contain `/`)")
_ONE = Reply("The endpoint", EndpointSchema)
_MANY = Reply("The project's endpoints, by name", EndpointSchema(many=True))
_COLLECTION = "/projects/{id}/endpoints"
_MEMBER = f"{_COLLECTION}/{_NAME}"


def _doc(summary: str, status: int, reply: Reply | str, *, body: Any = None) -> RouteDoc:
    return RouteDoc(summary=summary, request=body, responses={status: reply})


def table() -> list[Route]:
    """Paths relative to /admin (service.web.admin serves them behind the admin token)."""
    return [
        Route(
            "POST",
            _COLLECTION,
            create_endpoint,
            _doc("Define an endpoint", 201, _ONE, body=EndpointCreateSchema),
        ),
        Route("GET", _COLLECTION, list_endpoints, _doc("List endpoints", 200, _MANY)),
        Route("GET", _MEMBER, read_endpoint, _doc("Read an endpoint", 200, _ONE)),
        Route(
            "PATCH",
            _MEMBER,
            patch_endpoint,
            _doc("Change an endpoint's flags", 200, _ONE, body=EndpointPatchSchema),
        ),
        Route(
            "DELETE",
            _MEMBER,
            delete_endpoint,
            _doc("Delete an endpoint, its records and users", 204, "Deleted"),
        ),
    ]
