"""OpenAPI documentation of the JSONBin routes (routes.py): headers, bodies, answers."""

from __future__ import annotations

from marshmallow import Schema

from service.dialects.jsonbin.responses import (
    JsonBinAccessKeySchema,
    JsonBinCollectionCreatedSchema,
    JsonBinCollectionSchema,
    JsonBinCountSchema,
    JsonBinCreatedSchema,
    JsonBinDeletedSchema,
    JsonBinErrorSchema,
    JsonBinKeyDeletedSchema,
    JsonBinListedBinSchema,
    JsonBinPrivacySchema,
    JsonBinRenamedSchema,
    JsonBinSchemaAttachedSchema,
    JsonBinSchemaDetachedSchema,
    JsonBinSchemaDocSchema,
    JsonBinUpdatedSchema,
)
from service.dialects.jsonbin.schemas import AccessKeyPermissionsSchema
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

_HEX_ID = {"type": "string", "pattern": "^[0-9a-fA-F]{24}$"}
_FLAG = {"type": "string", "enum": ["true", "false"]}


def _flag(name: str, description: str, *, required: bool = False) -> Param:
    return Param(name, f"{description} (`true` or `false`, any case)", _FLAG, required)


def _name(name: str, what: str, limit: int, *, required: bool) -> Param:
    schema = {"type": "string", "minLength": 1, "maxLength": limit}
    return Param(name, f"Name of the {what} (at most {limit} characters)", schema, required)


BIN_ID = Param("id", "The bin id (24 hex digits)", _HEX_ID)
COLLECTION_ID = Param(
    "cid",
    "The collection id (24 hex digits), or `uncategorized` for bins in no collection",
    {"type": "string", "pattern": "^([0-9a-fA-F]{24}|uncategorized)$"},
)
SCHEMA_ID = Param("sid", "The schema doc id (24 hex digits)", _HEX_ID)
BIN_PRIVATE = _flag("X-Bin-Private", "Whether the bin is private (default true)")
BIN_NAME = _name("X-Bin-Name", "bin", 128, required=False)
BIN_META = _flag("X-Bin-Meta", "`false` answers the bare record, without the metadata envelope")
JSON_PATH = Param("X-JSON-Path", "A JSONPath: answer the list of values it selects")
DOT_PATH = Param("X-Dot-Path", "Alias of X-JSON-Path (X-JSON-Path wins when both are sent)")
META_QUERY = Param("meta", "`false` answers the bare record", {"type": "boolean"})


BIN_BODY = {
    "description": 'Any JSON value except a blank one ({}, [], null or "")',
    "not": {"enum": [{}, [], None, ""]},
}
SCHEMA_DOC_BODY = {
    "description": "A JSON Schema (draft-07)",
    "type": ["object", "boolean"],
    "example": {"type": "object", "required": ["name"]},
}
_ANY_JSON = {"description": "The record with its metadata, or only the record (or JSONPath list)"}

_ERRORS = {
    400: "Bad input: id, header, body, content type, or a schema doc mismatch",
    401: "The key is missing, unknown, or does not own the target",
    403: "The access key lacks the grant, the plan forbids it, or the quota is spent",
    404: "No such bin, version, collection, schema doc or access key",
    413: "The record is over the plan's size limit",
}


def _doc(
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


def _many(schema: type[Schema]) -> SchemaLike:
    return schema(many=True)


def route_docs() -> dict[tuple[str, str], RouteDoc]:
    """Every route of routes.table(), keyed by (METHOD, path template)."""
    return {**_bin_docs(), **_collection_docs(), **_schema_doc_docs(), **_access_key_docs()}


def _read_doc(summary: str, description: str, path: tuple[Param, ...]) -> RouteDoc:
    return _doc(
        summary,
        Reply(description, _ANY_JSON),
        (400, 401, 403, 404),
        security=KEYED_OR_PUBLIC,
        headers=(BIN_META, JSON_PATH, DOT_PATH),
        query=(META_QUERY,),
        path=path,
    )


def _bin_docs() -> dict[tuple[str, str], RouteDoc]:
    keyed_errors = (400, 401, 403, 404)
    version = Param("version", "Version number, from 1", {"type": "integer", "minimum": 1})
    return {
        ("POST", "/v3/b"): _doc(
            "Create a bin",
            Reply("The bin and its metadata", JsonBinCreatedSchema),
            (400, 401, 403, 413),
            security=KEYED,
            request=BIN_BODY,
            headers=(
                BIN_PRIVATE,
                BIN_NAME,
                Param("X-Collection-Id", "Put the bin in this collection", _HEX_ID),
            ),
        ),
        ("GET", "/v3/b/{id}/latest"): _read_doc(
            "Read a bin (as GET /v3/b/{id})", "The record", (BIN_ID,)
        ),
        ("GET", "/v3/b/{id}"): _read_doc("Read a bin", "The record", (BIN_ID,)),
        ("GET", "/v3/b/{id}/{version}"): _read_doc(
            "Read one stored version of a bin", "The record as it was", (BIN_ID, version)
        ),
        ("GET", "/v3/b/{id}/versions/count"): _doc(
            "Count a bin's stored versions",
            Reply("The count", JsonBinCountSchema),
            keyed_errors,
            security=KEYED_OR_PUBLIC,
            path=(BIN_ID,),
        ),
        ("PUT", "/v3/b/{id}"): _doc(
            "Replace a bin's record (versioned per privacy and X-Bin-Versioning)",
            Reply("The new record", JsonBinUpdatedSchema),
            (400, 401, 403, 404, 413),
            security=KEYED_OR_PUBLIC,
            request=BIN_BODY,
            headers=(_flag("X-Bin-Versioning", "Keep the previous record as a version"),),
            path=(BIN_ID,),
        ),
        ("DELETE", "/v3/b/{id}"): _doc(
            "Delete a bin and its versions",
            Reply("Deleted", JsonBinDeletedSchema),
            keyed_errors,
            security=KEYED,
            path=(BIN_ID,),
        ),
        ("DELETE", "/v3/b/{id}/versions"): _doc(
            "Delete a bin's stored versions",
            Reply("Deleted, or none found", JsonBinDeletedSchema),
            keyed_errors,
            security=KEYED,
            headers=(_flag("X-Preserve-Latest", "Keep the latest version on the record"),),
            path=(BIN_ID,),
        ),
        ("PUT", "/v3/b/{id}/meta/name"): _doc(
            "Rename a bin",
            Reply("The new name", JsonBinRenamedSchema),
            keyed_errors,
            security=KEYED,
            headers=(_name("X-Bin-Name", "bin", 128, required=True),),
            path=(BIN_ID,),
        ),
        ("PUT", "/v3/b/{id}/meta/privacy"): _doc(
            "Make a bin private or public",
            Reply("The new privacy", JsonBinPrivacySchema),
            keyed_errors,
            security=KEYED,
            headers=(_flag("X-Bin-Private", "Whether the bin is private", required=True),),
            path=(BIN_ID,),
        ),
    }


def _collection_docs() -> dict[tuple[str, str], RouteDoc]:
    collection_name = _name("X-Collection-Name", "collection", 32, required=True)
    last = Param("last", "List the bins after this one (24 hex digits)", _HEX_ID)
    sort = Param(
        "X-Sort-Order",
        "Newest first (default) or oldest first",
        {"type": "string", "enum": ["descending", "ascending"]},
    )
    listing = "List a collection's bins, 10 a page"
    return {
        ("POST", "/v3/c"): _doc(
            "Create a collection",
            Reply("The collection", JsonBinCollectionCreatedSchema),
            (400, 401, 403),
            headers=(collection_name,),
        ),
        ("GET", "/v3/c"): _doc(
            "List collections",
            Reply("The collections", _many(JsonBinCollectionSchema)),
            (401,),
        ),
        ("GET", "/v3/c/{cid}/bins"): _doc(
            listing,
            Reply("The first page", _many(JsonBinListedBinSchema)),
            (400, 401, 404),
            headers=(sort,),
            path=(COLLECTION_ID,),
        ),
        ("GET", "/v3/c/{cid}/bins/{last}"): _doc(
            listing,
            Reply("The page after `last`", _many(JsonBinListedBinSchema)),
            (400, 401, 404),
            headers=(sort,),
            path=(COLLECTION_ID, last),
        ),
        ("PUT", "/v3/c/{cid}/meta/name"): _doc(
            "Rename a collection",
            Reply("The new name", JsonBinRenamedSchema),
            (400, 401, 404),
            headers=(collection_name,),
            path=(Param("cid", "The collection id (24 hex digits)", _HEX_ID),),
        ),
        ("PUT", "/v3/c/{cid}/schemadoc/add"): _doc(
            "Validate the collection's bins against a schema doc",
            Reply("Attached", JsonBinSchemaAttachedSchema),
            (400, 401, 404),
            headers=(Param("X-Schema-Doc-Id", "The schema doc to attach", _HEX_ID, True),),
            path=(Param("cid", "The collection id (24 hex digits)", _HEX_ID),),
        ),
        ("PUT", "/v3/c/{cid}/schemadoc/remove"): _doc(
            "Stop validating the collection's bins",
            Reply("Detached", JsonBinSchemaDetachedSchema),
            (400, 401, 404),
            path=(Param("cid", "The collection id (24 hex digits)", _HEX_ID),),
        ),
    }


def _schema_doc_docs() -> dict[tuple[str, str], RouteDoc]:
    schema_name = _name("X-Schema-Doc-Name", "schema doc", 32, required=True)
    return {
        ("POST", "/v3/s"): _doc(
            "Create a schema doc",
            Reply("The schema doc", JsonBinSchemaDocSchema),
            (400, 401),
            request=SCHEMA_DOC_BODY,
            headers=(schema_name,),
        ),
        ("GET", "/v3/s/{sid}"): _doc(
            "Read a schema doc",
            Reply("The schema doc", JsonBinSchemaDocSchema),
            (400, 401, 404),
            path=(SCHEMA_ID,),
        ),
        ("PUT", "/v3/s/{sid}"): _doc(
            "Replace a schema doc",
            Reply("The schema doc", JsonBinSchemaDocSchema),
            (400, 401, 404),
            request=SCHEMA_DOC_BODY,
            path=(SCHEMA_ID,),
        ),
        ("PUT", "/v3/s/{sid}/meta/name"): _doc(
            "Rename a schema doc",
            Reply("The new name", JsonBinRenamedSchema),
            (400, 401, 404),
            headers=(schema_name,),
            path=(SCHEMA_ID,),
        ),
    }


def _access_key_docs() -> dict[tuple[str, str], RouteDoc]:
    return {
        ("POST", "/v3/a"): _doc(
            "Create an access key with grants on the Bins API (at most 4)",
            Reply("The key, shown once", JsonBinAccessKeySchema),
            (400, 401, 403),
            request=AccessKeyPermissionsSchema,
            headers=(_name("X-Key-Name", "access key", 32, required=True),),
        ),
        ("GET", "/v3/a"): _doc(
            "List access keys",
            Reply("The keys (each shown by its first characters)", _many(JsonBinAccessKeySchema)),
            (401,),
        ),
        ("DELETE", "/v3/a/{key_id}"): _doc(
            "Delete an access key",
            Reply("Deleted", JsonBinKeyDeletedSchema),
            (400, 401, 404),
            path=(Param("key_id", "The access key id (24 hex digits)", _HEX_ID),),
        ),
    }
