"""A route and what it says about itself for the OpenAPI document, side by side."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from marshmallow import Schema, fields

# A body or response shape: a marshmallow schema (class or instance) or a JSON Schema dict.
SchemaLike = type[Schema] | Schema | dict[str, Any]


@dataclass(frozen=True)
class Param:
    """A header, query or path parameter; `schema` is JSON Schema."""

    name: str
    description: str
    schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "string"})
    required: bool = False


@dataclass(frozen=True)
class Reply:
    """One documented response; `schema=None` documents a response without a body."""

    description: str
    schema: SchemaLike | None = None
    media_type: str = "application/json"


@dataclass(frozen=True)
class Security:
    """A named security scheme (OpenAPI `components.securitySchemes` entry)."""

    name: str
    scheme: Mapping[str, Any]


@dataclass(frozen=True)
class RouteDoc:
    """The documentation of one (method, path) route.

    `security` lists the alternatives a caller may present, each a tuple of schemes sent
    together; an empty tuple among them means the route also answers anonymous callers.
    `error` is the dialect's error body, documented as the `default` response so that an
    error status not listed in `responses` still matches the document.
    """

    summary: str
    description: str | None = None
    request: SchemaLike | None = None
    request_required: bool = True
    request_media_type: str = "application/json"
    # Further media types the body may come in, each with its schema (a JSON or a
    # multipart/form-data body on one route, say).
    request_alternatives: Mapping[str, SchemaLike] = field(default_factory=dict)
    headers: tuple[Param, ...] = ()
    query: tuple[Param, ...] = ()
    path: tuple[Param, ...] = ()
    responses: Mapping[int, str | Reply] = field(default_factory=dict)
    error: SchemaLike | None = None
    security: tuple[tuple[Security, ...], ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Route:
    """One row of a URL table: the aiohttp route and, when written, its documentation."""

    method: str
    path: str
    handler: Handler
    doc: RouteDoc | None = None

    @property
    def definition(self) -> web.RouteDef:
        return web.route(self.method, self.path, self.handler)


def handler_doc(handler: Handler) -> RouteDoc:
    """The doc of a route nobody wrote one for: the first line of the handler's docstring."""
    text = (handler.__doc__ or "").strip()
    summary = text.splitlines()[0] if text else handler.__name__.replace("_", " ")
    return RouteDoc(summary=summary)


def definitions(table: Iterable[Route]) -> list[web.RouteDef]:
    """What aiohttp registers, in the table's order (the order routes are tried in)."""
    return [route.definition for route in table]


def documented(table: Iterable[Route]) -> dict[tuple[str, str], RouteDoc]:
    """The table's docs keyed by (METHOD, path template), as the OpenAPI builder reads them."""
    return {
        (route.method, canonical(route.path)): route.doc for route in table if route.doc is not None
    }


class ErrorDetailSchema(Schema):
    code = fields.String(required=True, metadata={"description": "A stable machine token"})
    message = fields.String(required=True)
    details = fields.Raw(required=True, allow_none=True)


class ErrorSchema(Schema):
    """The shared edge's default error envelope (admin, health, and unclaimed paths)."""

    error = fields.Nested(ErrorDetailSchema, required=True)


_TEMPLATE_REGEX = re.compile(r"\{(\w+):[^}]*\}")


def canonical(path: str) -> str:
    """`/a/{name:.+}` as the router's canonical form `/a/{name}` (what OpenAPI keys by)."""
    return _TEMPLATE_REGEX.sub(r"{\1}", path)
