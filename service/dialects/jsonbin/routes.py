"""The URL table of the JSONBin dialect (base URL `http://HOST:PORT/v3`): the Bins API
here, each route with its OpenAPI doc; collections, schema docs and access keys in
management.py."""

from __future__ import annotations

import service.dialects.jsonbin.bins as bin_handlers
from service.dialects.jsonbin import management
from service.dialects.jsonbin.docs import HEX_ID, KEYED, KEYED_OR_PUBLIC, doc, name_header
from service.dialects.jsonbin.responses import (
    JsonBinCountSchema,
    JsonBinCreatedSchema,
    JsonBinDeletedSchema,
    JsonBinPrivacySchema,
    JsonBinRenamedSchema,
    JsonBinUpdatedSchema,
)
from service.web.routedoc import Param, Reply, Route, RouteDoc

_FLAG = {"type": "string", "enum": ["true", "false"]}


def _flag(name: str, description: str, *, required: bool = False) -> Param:
    return Param(name, f"{description} (`true` or `false`, any case)", _FLAG, required)


BIN_ID = Param("id", "The bin id (24 hex digits)", HEX_ID)
VERSION = Param("version", "Version number, from 1", {"type": "integer", "minimum": 1})
BIN_PRIVATE = _flag("X-Bin-Private", "Whether the bin is private (default true)")
BIN_NAME = name_header("X-Bin-Name", "bin", 128, required=False)
BIN_META = _flag("X-Bin-Meta", "`false` answers the bare record, without the metadata envelope")
JSON_PATH = Param("X-JSON-Path", "A JSONPath: answer the list of values it selects")
DOT_PATH = Param("X-Dot-Path", "Alias of X-JSON-Path (X-JSON-Path wins when both are sent)")
META_QUERY = Param("meta", "`false` answers the bare record", {"type": "boolean"})
BIN_BODY = {
    "description": 'Any JSON value except a blank one ({}, [], null or "")',
    "not": {"enum": [{}, [], None, ""]},
}
_ANY_JSON = {"description": "The record with its metadata, or only the record (or JSONPath list)"}
_KEYED_ERRORS = (400, 401, 403, 404)


def _read(summary: str, description: str, path: tuple[Param, ...]) -> RouteDoc:
    return doc(
        summary,
        Reply(description, _ANY_JSON),
        _KEYED_ERRORS,
        security=KEYED_OR_PUBLIC,
        headers=(BIN_META, JSON_PATH, DOT_PATH),
        query=(META_QUERY,),
        path=path,
    )


def _bin_routes() -> list[Route]:
    # Fixed sub-paths come before `/b/{id}/{version}` so they are not read as versions.
    # `/b/{id}` (one segment, so it cannot shadow the others) comes first: routes are
    # tried in order, and it carries the hot calls.
    created = Reply("The bin and its metadata", JsonBinCreatedSchema)
    collection = Param("X-Collection-Id", "Put the bin in this collection", HEX_ID)
    versioning = _flag("X-Bin-Versioning", "Keep the previous record as a version")
    preserve = _flag("X-Preserve-Latest", "Keep the latest version on the record")
    private = _flag("X-Bin-Private", "Whether the bin is private", required=True)
    return [
        Route(
            "POST",
            "/v3/b",
            bin_handlers.create_bin,
            doc(
                "Create a bin",
                created,
                (400, 401, 403, 413),
                security=KEYED,
                request=BIN_BODY,
                headers=(BIN_PRIVATE, BIN_NAME, collection),
            ),
        ),
        Route(
            "GET", "/v3/b/{id}", bin_handlers.read_bin, _read("Read a bin", "The record", (BIN_ID,))
        ),
        Route(
            "PUT",
            "/v3/b/{id}",
            bin_handlers.update_bin,
            doc(
                "Replace a bin's record (versioned per privacy and X-Bin-Versioning)",
                Reply("The new record", JsonBinUpdatedSchema),
                (400, 401, 403, 404, 413),
                security=KEYED_OR_PUBLIC,
                request=BIN_BODY,
                headers=(versioning,),
                path=(BIN_ID,),
            ),
        ),
        Route(
            "DELETE",
            "/v3/b/{id}",
            bin_handlers.delete_bin,
            doc(
                "Delete a bin and its versions",
                Reply("Deleted", JsonBinDeletedSchema),
                _KEYED_ERRORS,
                security=KEYED,
                path=(BIN_ID,),
            ),
        ),
        Route(
            "GET",
            "/v3/b/{id}/latest",
            bin_handlers.read_bin,
            _read("Read a bin (as GET /v3/b/{id})", "The record", (BIN_ID,)),
        ),
        Route(
            "GET",
            "/v3/b/{id}/versions/count",
            bin_handlers.count_versions,
            doc(
                "Count a bin's stored versions",
                Reply("The count", JsonBinCountSchema),
                _KEYED_ERRORS,
                security=KEYED_OR_PUBLIC,
                path=(BIN_ID,),
            ),
        ),
        Route(
            "DELETE",
            "/v3/b/{id}/versions",
            bin_handlers.delete_versions,
            doc(
                "Delete a bin's stored versions",
                Reply("Deleted, or none found", JsonBinDeletedSchema),
                _KEYED_ERRORS,
                security=KEYED,
                headers=(preserve,),
                path=(BIN_ID,),
            ),
        ),
        Route(
            "PUT",
            "/v3/b/{id}/meta/name",
            bin_handlers.rename_bin,
            doc(
                "Rename a bin",
                Reply("The new name", JsonBinRenamedSchema),
                _KEYED_ERRORS,
                security=KEYED,
                headers=(name_header("X-Bin-Name", "bin", 128, required=True),),
                path=(BIN_ID,),
            ),
        ),
        Route(
            "PUT",
            "/v3/b/{id}/meta/privacy",
            bin_handlers.set_privacy,
            doc(
                "Make a bin private or public",
                Reply("The new privacy", JsonBinPrivacySchema),
                _KEYED_ERRORS,
                security=KEYED,
                headers=(private,),
                path=(BIN_ID,),
            ),
        ),
        Route(
            "GET",
            "/v3/b/{id}/{version}",
            bin_handlers.read_version,
            _read("Read one stored version of a bin", "The record as it was", (BIN_ID, VERSION)),
        ),
    ]


def table() -> list[Route]:
    """Every JSONBin route, in the order aiohttp tries them."""
    return [*_bin_routes(), *management.table()]
