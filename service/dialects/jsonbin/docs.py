"""Pieces the JSONBin route docs share (routes.py, management.py): keys, ids, error replies."""

from __future__ import annotations

from marshmallow import Schema

from service.dialects.jsonbin.responses import JsonBinErrorSchema
from service.web.routedoc import Param, Reply, RouteDoc, SchemaLike, Security

MASTER = Security(
    "masterKey",
    {"type": "apiKey", "in": "header", "name": "X-Master-Key", "description": "Master key"},
)
ACCESS = Security(
    "accessKey",
    {
        "type": "apiKey",
        "in": "header",
        "name": "X-Access-Key",
        "description": "Access key: only the Bins API operations it was granted (POST /v3/a)",
    },
)
KEYED = ((MASTER,), (ACCESS,))
KEYED_OR_PUBLIC = ((MASTER,), (ACCESS,), ())  # a public bin needs no key
MASTER_ONLY = ((MASTER,),)

HEX_ID = {"type": "string", "pattern": "^[0-9a-fA-F]{24}$"}

_ERRORS = {
    400: "Bad input: id, header, body, content type, or a schema doc mismatch",
    401: "The key is missing, unknown, or does not own the target",
    403: "The access key lacks the grant, the plan forbids it, or the quota is spent",
    404: "No such bin, version, collection, schema doc or access key",
    413: "The record is over the plan's size limit",
}


def name_header(name: str, what: str, limit: int, *, required: bool) -> Param:
    schema = {"type": "string", "minLength": 1, "maxLength": limit}
    return Param(name, f"Name of the {what} (at most {limit} characters)", schema, required)


def doc(
    summary: str,
    reply: Reply,
    errors: tuple[int, ...],
    *,
    security: tuple[tuple[Security, ...], ...] = MASTER_ONLY,
    request: SchemaLike | None = None,
    headers: tuple[Param, ...] = (),
    query: tuple[Param, ...] = (),
    path: tuple[Param, ...] = (),
) -> RouteDoc:
    """A JSONBin route: one success reply, the listed error statuses, JSONBin's error body."""
    responses: dict[int, str | Reply] = {200: reply}
    responses.update({status: Reply(_ERRORS[status], JsonBinErrorSchema) for status in errors})
    return RouteDoc(
        summary=summary,
        request=request,
        headers=headers,
        query=query,
        path=path,
        responses=responses,
        error=JsonBinErrorSchema,
        security=security,
    )


def many(schema: type[Schema]) -> SchemaLike:
    return schema(many=True)
