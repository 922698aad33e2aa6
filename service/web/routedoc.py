"""What a dialect says about one of its routes, for the OpenAPI document (no HTTP here)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

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
    headers: tuple[Param, ...] = ()
    query: tuple[Param, ...] = ()
    path: tuple[Param, ...] = ()
    responses: Mapping[int, str | Reply] = field(default_factory=dict)
    error: SchemaLike | None = None
    security: tuple[tuple[Security, ...], ...] = ()
    tags: tuple[str, ...] = ()


class ErrorDetailSchema(Schema):
    code = fields.String(required=True, metadata={"description": "A stable machine token"})
    message = fields.String(required=True)
    details = fields.Raw(required=True, allow_none=True)


class ErrorSchema(Schema):
    """The shared edge's default error envelope (admin, health, and unclaimed paths)."""

    error = fields.Nested(ErrorDetailSchema, required=True)
