"""The URL table of JSONBin's Collections, Schema Docs and Access Keys APIs (master key
only), each route with its OpenAPI doc."""

from __future__ import annotations

from service.dialects.jsonbin import accesskeys, collections, schemadocs
from service.dialects.jsonbin.docs import HEX_ID, doc, many, name_header
from service.dialects.jsonbin.responses import (
    JsonBinAccessKeySchema,
    JsonBinCollectionCreatedSchema,
    JsonBinCollectionSchema,
    JsonBinKeyDeletedSchema,
    JsonBinListedBinSchema,
    JsonBinRenamedSchema,
    JsonBinSchemaAttachedSchema,
    JsonBinSchemaDetachedSchema,
    JsonBinSchemaDocSchema,
)
from service.dialects.jsonbin.schemas import AccessKeyPermissionsSchema
from service.web.routedoc import Param, Reply, Route

COLLECTION_ID = Param(
    "cid",
    "The collection id (24 hex digits), or `uncategorized` for bins in no collection",
    {"type": "string", "pattern": "^([0-9a-fA-F]{24}|uncategorized)$"},
)
OWN_COLLECTION_ID = Param("cid", "The collection id (24 hex digits)", HEX_ID)
SCHEMA_ID = Param("sid", "The schema doc id (24 hex digits)", HEX_ID)
SCHEMA_DOC_BODY = {
    "description": "A JSON Schema (draft-07)",
    "type": ["object", "boolean"],
    "example": {"type": "object", "required": ["name"]},
}


def table() -> list[Route]:
    return [*_collection_routes(), *_schema_doc_routes(), *_access_key_routes()]


def _collection_routes() -> list[Route]:
    collection_name = name_header("X-Collection-Name", "collection", 32, required=True)
    last = Param("last", "List the bins after this one (24 hex digits)", HEX_ID)
    sort = Param(
        "X-Sort-Order",
        "Newest first (default) or oldest first",
        {"type": "string", "enum": ["descending", "ascending"]},
    )
    listing = "List a collection's bins, 10 a page"
    return [
        Route(
            "POST",
            "/v3/c",
            collections.create_collection,
            doc(
                "Create a collection",
                Reply("The collection", JsonBinCollectionCreatedSchema),
                (400, 401, 403),
                headers=(collection_name,),
            ),
        ),
        Route(
            "GET",
            "/v3/c",
            collections.list_collections,
            doc(
                "List collections", Reply("The collections", many(JsonBinCollectionSchema)), (401,)
            ),
        ),
        Route(
            "GET",
            "/v3/c/{cid}/bins",
            collections.list_collection_bins,
            doc(
                listing,
                Reply("The first page", many(JsonBinListedBinSchema)),
                (400, 401, 404),
                headers=(sort,),
                path=(COLLECTION_ID,),
            ),
        ),
        Route(
            "GET",
            "/v3/c/{cid}/bins/{last}",
            collections.list_collection_bins,
            doc(
                listing,
                Reply("The page after `last`", many(JsonBinListedBinSchema)),
                (400, 401, 404),
                headers=(sort,),
                path=(COLLECTION_ID, last),
            ),
        ),
        Route(
            "PUT",
            "/v3/c/{cid}/meta/name",
            collections.rename_collection,
            doc(
                "Rename a collection",
                Reply("The new name", JsonBinRenamedSchema),
                (400, 401, 404),
                headers=(collection_name,),
                path=(OWN_COLLECTION_ID,),
            ),
        ),
        Route(
            "PUT",
            "/v3/c/{cid}/schemadoc/add",
            collections.attach_schema_doc,
            doc(
                "Validate the collection's bins against a schema doc",
                Reply("Attached", JsonBinSchemaAttachedSchema),
                (400, 401, 404),
                headers=(Param("X-Schema-Doc-Id", "The schema doc to attach", HEX_ID, True),),
                path=(OWN_COLLECTION_ID,),
            ),
        ),
        Route(
            "PUT",
            "/v3/c/{cid}/schemadoc/remove",
            collections.detach_schema_doc,
            doc(
                "Stop validating the collection's bins",
                Reply("Detached", JsonBinSchemaDetachedSchema),
                (400, 401, 404),
                path=(OWN_COLLECTION_ID,),
            ),
        ),
    ]


def _schema_doc_routes() -> list[Route]:
    schema_name = name_header("X-Schema-Doc-Name", "schema doc", 32, required=True)
    schema_doc = Reply("The schema doc", JsonBinSchemaDocSchema)
    return [
        Route(
            "POST",
            "/v3/s",
            schemadocs.create_schema_doc,
            doc(
                "Create a schema doc",
                schema_doc,
                (400, 401),
                request=SCHEMA_DOC_BODY,
                headers=(schema_name,),
            ),
        ),
        Route(
            "GET",
            "/v3/s/{sid}",
            schemadocs.read_schema_doc,
            doc("Read a schema doc", schema_doc, (400, 401, 404), path=(SCHEMA_ID,)),
        ),
        Route(
            "PUT",
            "/v3/s/{sid}",
            schemadocs.update_schema_doc,
            doc(
                "Replace a schema doc",
                schema_doc,
                (400, 401, 404),
                request=SCHEMA_DOC_BODY,
                path=(SCHEMA_ID,),
            ),
        ),
        Route(
            "PUT",
            "/v3/s/{sid}/meta/name",
            schemadocs.rename_schema_doc,
            doc(
                "Rename a schema doc",
                Reply("The new name", JsonBinRenamedSchema),
                (400, 401, 404),
                headers=(schema_name,),
                path=(SCHEMA_ID,),
            ),
        ),
    ]


def _access_key_routes() -> list[Route]:
    return [
        Route(
            "POST",
            "/v3/a",
            accesskeys.create_access_key,
            doc(
                "Create an access key with grants on the Bins API (at most 4)",
                Reply("The key, shown once", JsonBinAccessKeySchema),
                (400, 401, 403),
                request=AccessKeyPermissionsSchema,
                headers=(name_header("X-Key-Name", "access key", 32, required=True),),
            ),
        ),
        Route(
            "GET",
            "/v3/a",
            accesskeys.list_access_keys,
            doc(
                "List access keys",
                Reply(
                    "The keys (each shown by its first characters)",
                    many(JsonBinAccessKeySchema),
                ),
                (401,),
            ),
        ),
        Route(
            "DELETE",
            "/v3/a/{key_id}",
            accesskeys.delete_access_key,
            doc(
                "Delete an access key",
                Reply("Deleted", JsonBinKeyDeletedSchema),
                (400, 401, 404),
                path=(Param("key_id", "The access key id (24 hex digits)", HEX_ID),),
            ),
        ),
    ]
