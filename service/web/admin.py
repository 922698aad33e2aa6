"""The admin API (`/admin/...`, bearer ADMIN_TOKEN); it answers 404 when no token is set."""

from __future__ import annotations

import dataclasses
from typing import Any

from aiohttp import web
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates

from service.core import credentials
from service.core.origins import normalize_origin
from service.errors import Invalid, NotFound, Unauthorized
from service.store import projects
from service.web.appkeys import SETTINGS, STORE
from service.web.body import read_json
from service.web.dialect import Dialect
from service.web.fields import StrictBoolean
from service.web.routedoc import Route, definitions

PREFIX = "/admin"


# For the OpenAPI document only (a subset of what normalize_origin accepts).
_ORIGIN = {"pattern": r"^https?://[a-z0-9-]+(\.[a-z0-9-]+)*(:[1-9][0-9]{0,3})?$"}


class _Origins(fields.List):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(fields.String(metadata=_ORIGIN), **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        items = super()._deserialize(value, attr, data, **kwargs)
        try:
            return frozenset(normalize_origin(str(item)) for item in items)
        except Invalid as exc:
            raise ValidationError(exc.message) from None


class ProjectCreateSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(min=1, max=128))
    plan = fields.String(load_default="pro", validate=validate.OneOf(projects.PLANS))
    allowedOrigins = _Origins(load_default=frozenset())
    disallowNoOrigin = StrictBoolean(load_default=False)

    @validates("name")
    def _name_is_printable(self, value: str, **_: Any) -> None:
        if not value.strip() or not value.isprintable():
            raise ValidationError("name must be printable and not blank")


class ProjectPatchSchema(Schema):
    class Meta:
        unknown = RAISE

    plan = fields.String(validate=validate.OneOf(projects.PLANS))
    allowedOrigins = _Origins()
    disallowNoOrigin = StrictBoolean()


class UserCreateSchema(Schema):
    class Meta:
        unknown = RAISE

    email = fields.Email(required=True)
    password = fields.String(required=True, validate=validate.Length(min=8, max=1024))
    username = fields.String(validate=validate.Length(min=1, max=128))


class RotateSchema(Schema):
    class Meta:
        unknown = RAISE

    which = fields.String(required=True, validate=validate.OneOf(tuple(projects.KEY_KINDS)))


class AdminDialect(Dialect):
    """Admin routes use the default envelope; unknown admin paths stay 404 when disabled."""

    name = "admin"
    prefixes = (PREFIX,)

    def admit(self, request: web.Request) -> None:
        token = request.app[SETTINGS].admin_token
        if token is None:
            raise NotFound("Not Found")
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not credentials.digests_equal(
            credentials.key_digest(given.strip()), credentials.key_digest(token)
        ):
            raise Unauthorized("admin bearer token missing or invalid")


async def load_body(request: web.Request, schema: Schema) -> dict[str, Any]:
    """An admin call's JSON body through `schema`; 400 naming every invalid field."""
    body = await read_json(request, request.app[SETTINGS].max_body_bytes)
    try:
        loaded: dict[str, Any] = schema.load(body)
    except ValidationError as exc:
        raise Invalid("request body is invalid", details=exc.messages) from None
    return loaded


def created_view(project: projects.Project, keys: dict[str, str]) -> dict[str, Any]:
    """The one-time answer to a project creation: the project plus its keys."""
    return {**project.public(), **keys}


async def create_project(request: web.Request) -> web.Response:
    data = await load_body(request, ProjectCreateSchema())
    project, keys = await request.app[STORE].projects.create(
        name=data["name"].strip(),
        plan=data["plan"],
        allowed_origins=data["allowedOrigins"],
        disallow_no_origin=data["disallowNoOrigin"],
    )
    request.app[STORE].directory.forget_misses()
    return web.json_response(created_view(project, keys), status=201)


async def read_project(request: web.Request) -> web.Response:
    project = await request.app[STORE].projects.get(request.match_info["id"])
    return web.json_response(project.public())


async def patch_project(request: web.Request) -> web.Response:
    data = await load_body(request, ProjectPatchSchema())
    project_id = request.match_info["id"]
    project = await request.app[STORE].projects.update(
        project_id,
        plan=data.get("plan"),
        allowed_origins=data.get("allowedOrigins"),
        disallow_no_origin=data.get("disallowNoOrigin"),
    )
    request.app[STORE].directory.forget_project(project_id)
    return web.json_response(project.public())


async def delete_project(request: web.Request) -> web.Response:
    project_id = request.match_info["id"]
    await request.app[STORE].projects.delete(project_id)
    request.app[STORE].directory.forget_project(project_id)
    return web.Response(status=204)


async def create_user(request: web.Request) -> web.Response:
    data = await load_body(request, UserCreateSchema())
    user = await request.app[STORE].users.create(
        request.match_info["id"],
        email=data["email"],
        password=data["password"],
        username=data.get("username"),
    )
    return web.json_response(user, status=201)


async def rotate_key(request: web.Request) -> web.Response:
    data = await load_body(request, RotateSchema())
    project_id = request.match_info["id"]
    key = await request.app[STORE].projects.rotate_key(project_id, data["which"])
    request.app[STORE].directory.forget_project(project_id)
    request.app[STORE].directory.forget_misses()
    return web.json_response({data["which"]: key})


def add_routes(app: web.Application) -> None:
    app.router.add_post(f"{PREFIX}/projects", create_project)
    app.router.add_get(f"{PREFIX}/projects/{{id}}", read_project)
    app.router.add_patch(f"{PREFIX}/projects/{{id}}", patch_project)
    app.router.add_delete(f"{PREFIX}/projects/{{id}}", delete_project)
    app.router.add_post(f"{PREFIX}/projects/{{id}}/users", create_user)
    app.router.add_post(f"{PREFIX}/projects/{{id}}/keys/rotate", rotate_key)


def contributed(dialect: Dialect) -> list[Route]:
    """The dialect's admin routes with their paths under /admin, where the admin dialect's
    token check and envelope apply to them as to the routes above."""
    return [
        dataclasses.replace(route, path=f"{PREFIX}/{route.path.lstrip('/')}")
        for route in dialect.admin_routes()
    ]


def add_dialect_routes(app: web.Application, dialect: Dialect) -> None:
    app.router.add_routes(definitions(contributed(dialect)))
