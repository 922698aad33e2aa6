"""The URL table of the JSONBin dialect (base URL `http://HOST:PORT/v3`)."""

from __future__ import annotations

from aiohttp import web

import service.dialects.jsonbin.bins as bin_handlers
from service.dialects.jsonbin import accesskeys, collections, schemadocs


def table() -> list[web.RouteDef]:
    # Fixed sub-paths come before `/b/{id}/{version}` so they are not read as versions.
    # `/b/{id}` (one segment, so it cannot shadow the others) comes first: routes are
    # tried in order, and it carries the hot calls.
    return [
        web.post("/v3/b", bin_handlers.create_bin),
        web.get("/v3/b/{id}", bin_handlers.read_bin),
        web.put("/v3/b/{id}", bin_handlers.update_bin),
        web.delete("/v3/b/{id}", bin_handlers.delete_bin),
        web.get("/v3/b/{id}/latest", bin_handlers.read_bin),
        web.get("/v3/b/{id}/versions/count", bin_handlers.count_versions),
        web.delete("/v3/b/{id}/versions", bin_handlers.delete_versions),
        web.put("/v3/b/{id}/meta/name", bin_handlers.rename_bin),
        web.put("/v3/b/{id}/meta/privacy", bin_handlers.set_privacy),
        web.get("/v3/b/{id}/{version}", bin_handlers.read_version),
        web.post("/v3/c", collections.create_collection),
        web.get("/v3/c", collections.list_collections),
        web.get("/v3/c/{cid}/bins", collections.list_collection_bins),
        web.get("/v3/c/{cid}/bins/{last}", collections.list_collection_bins),
        web.put("/v3/c/{cid}/meta/name", collections.rename_collection),
        web.put("/v3/c/{cid}/schemadoc/add", collections.attach_schema_doc),
        web.put("/v3/c/{cid}/schemadoc/remove", collections.detach_schema_doc),
        web.post("/v3/s", schemadocs.create_schema_doc),
        web.get("/v3/s/{sid}", schemadocs.read_schema_doc),
        web.put("/v3/s/{sid}", schemadocs.update_schema_doc),
        web.put("/v3/s/{sid}/meta/name", schemadocs.rename_schema_doc),
        web.post("/v3/a", accesskeys.create_access_key),
        web.get("/v3/a", accesskeys.list_access_keys),
        web.delete("/v3/a/{key_id}", accesskeys.delete_access_key),
    ]
