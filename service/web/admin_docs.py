"""OpenAPI documentation of the admin API: request bodies are admin.py's own schemas."""

from __future__ import annotations

import dataclasses

from marshmallow import Schema, fields, validate

from service.store import projects
from service.web.admin import (
    PREFIX,
    ProjectCreateSchema,
    ProjectPatchSchema,
    RotateSchema,
    UserCreateSchema,
    contributed,
)
from service.web.dialect import Dialect
from service.web.routedoc import (
    ErrorSchema,
    Param,
    Reply,
    RouteDoc,
    SchemaLike,
    Security,
    canonical,
    handler_doc,
)

ADMIN_TOKEN = Security(
    "adminToken",
    {
        "type": "http",
        "scheme": "bearer",
        "description": "The ADMIN_TOKEN from the environment (the admin API is 404 without one)",
    },
)

_ID = Param("id", "The project id")


class ProjectSchema(Schema):
    """A project as the admin API shows it: never a secret."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    plan = fields.String(required=True, validate=validate.OneOf(projects.PLANS))
    allowedOrigins = fields.List(fields.String(), required=True)
    disallowNoOrigin = fields.Boolean(required=True)
    createdAt = fields.DateTime(required=True)


class ProjectCreatedSchema(ProjectSchema):
    """The one-time answer to a creation: the project and both of its keys."""

    apiKey = fields.String(required=True)
    masterKey = fields.String(required=True)


class UserSchema(Schema):
    id = fields.String(required=True)
    email = fields.String(required=True)
    username = fields.String(required=True)


_ROTATED = {
    "type": "object",
    "description": "The new key, shown once, under the name of the key that was rotated",
    "minProperties": 1,
    "maxProperties": 1,
    "additionalProperties": False,
    "properties": {kind: {"type": "string"} for kind in projects.KEY_KINDS},
}

_ERRORS = {
    400: "The body is not JSON or breaks the schema (details name the fields)",
    401: "The admin bearer token is missing or wrong",
    404: "No such project, or the admin API is disabled (no ADMIN_TOKEN)",
    409: "A project with this name, or a user with this email, already exists",
}
# What any admin route may answer, whatever it does.
_ANY_ADMIN_ROUTE = {
    401: _ERRORS[401],
    404: "Not found, or the admin API is disabled (no ADMIN_TOKEN)",
}


def _doc(
    summary: str,
    replies: dict[int, Reply],
    errors: tuple[int, ...],
    *,
    request: SchemaLike | None = None,
    path: tuple[Param, ...] = (),
) -> RouteDoc:
    responses: dict[int, str | Reply] = {**replies}
    responses.update({status: Reply(_ERRORS[status], ErrorSchema) for status in errors})
    return RouteDoc(
        summary=summary,
        request=request,
        path=path,
        responses=responses,
        error=ErrorSchema,
        security=((ADMIN_TOKEN,),),
        tags=("admin",),
    )


def route_docs() -> dict[tuple[str, str], RouteDoc]:
    project = f"{PREFIX}/projects/{{id}}"
    return {
        ("POST", f"{PREFIX}/projects"): _doc(
            "Create a project; its API and master keys are shown once",
            {201: Reply("The project and its keys", ProjectCreatedSchema)},
            (400, 401, 404, 409),
            request=ProjectCreateSchema,
        ),
        ("GET", project): _doc(
            "Read a project (without secrets)",
            {200: Reply("The project", ProjectSchema)},
            (401, 404),
            path=(_ID,),
        ),
        ("PATCH", project): _doc(
            "Change a project's plan or origin policy (effective on the next request)",
            {200: Reply("The project", ProjectSchema)},
            (400, 401, 404),
            request=ProjectPatchSchema,
            path=(_ID,),
        ),
        ("DELETE", project): _doc(
            "Delete a project and all of its data",
            {204: Reply("Deleted")},
            (401, 404),
            path=(_ID,),
        ),
        ("POST", f"{project}/users"): _doc(
            "Create a login for the dialects that have users",
            {201: Reply("The user (the password is never echoed)", UserSchema)},
            (400, 401, 404, 409),
            request=UserCreateSchema,
            path=(_ID,),
        ),
        ("POST", f"{project}/keys/rotate"): _doc(
            "Replace the project's API key or master key; the old one stops working at once",
            {200: Reply("The new key, shown once", _ROTATED)},
            (400, 401, 404),
            request=RotateSchema,
            path=(_ID,),
        ),
    }


def contributed_docs(dialect: Dialect) -> dict[tuple[str, str], RouteDoc]:
    """A dialect's admin routes, documented as admin routes whatever their own docs say
    about security, errors and tags."""
    docs = {}
    for route in contributed(dialect):
        doc = route.doc or handler_doc(route.handler)
        responses: dict[int, str | Reply] = {
            status: Reply(text, ErrorSchema) for status, text in _ANY_ADMIN_ROUTE.items()
        }
        responses.update(doc.responses)
        docs[(route.method, canonical(route.path))] = dataclasses.replace(
            doc,
            responses=responses,
            error=ErrorSchema,
            security=((ADMIN_TOKEN,),),
            tags=("admin",),
        )
    return docs
