"""`/v3/c`: collections of bins, their listing (10 a page, last-bin cursor), schema docs."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from service.core.times import iso_utc
from service.dialects.jsonbin import auth, binrecords, headers, messages, render
from service.dialects.jsonbin.binrecords import COLLECTION_CATEGORY
from service.dialects.jsonbin.schemadocs import load_schema_doc
from service.errors import Forbidden, Invalid, NotFound
from service.store.api import Store
from service.web.appkeys import DEFINITION_CACHE, SETTINGS, STORE
from service.web.principal import principal

UNCATEGORIZED = "uncategorized"
PAGE_SIZE = 10
LIMIT_BY_PLAN = {"free": 1, "pro": 10}


def _name(request: web.Request) -> str:
    return headers.name(
        request,
        "X-Collection-Name",
        limit=32,
        missing=messages.COLLECTION_NAME_MISSING,
        too_long=messages.COLLECTION_NAME_LONG,
    )


async def load_collection(
    request: web.Request, project_id: str, collection_id: str, *, foreign: str | None = None
) -> dict[str, Any]:
    """The collection as stored now, or 400 for a malformed id and 404 (or `foreign`, 400)
    when unknown."""
    collection_id = headers.object_id(collection_id, messages.INVALID_COLLECTION_ID)
    try:
        return await _read(request.app[STORE], project_id, collection_id)
    except NotFound:
        raise _unknown(foreign) from None


async def cached_collection(
    request: web.Request, project_id: str, collection_id: str, *, foreign: str | None = None
) -> dict[str, Any]:
    """`load_collection` through this replica's cache: a rename or a schema attached
    through another replica is seen within KEY_CACHE_SECONDS (a bin create that finds the
    schema changed forgets the entry and loads again)."""
    collection_id = headers.object_id(collection_id, messages.INVALID_COLLECTION_ID)
    store = request.app[STORE]
    try:
        doc, _ = await request.app[DEFINITION_CACHE].get(
            _cache_key(project_id, collection_id),
            lambda: _read(store, project_id, collection_id),
            ttl=request.app[SETTINGS].key_cache_seconds,
        )
    except NotFound:
        raise _unknown(foreign) from None
    return doc


def forget_collection(request: web.Request, project_id: str, collection_id: str) -> None:
    request.app[DEFINITION_CACHE].forget(_cache_key(project_id, collection_id))


def _cache_key(project_id: str, collection_id: str) -> tuple[str, str, str]:
    return (COLLECTION_CATEGORY, project_id, collection_id)


async def _read(store: Store, project_id: str, collection_id: str) -> dict[str, Any]:
    return await store.definitions.get(project_id, COLLECTION_CATEGORY, collection_id)


def _unknown(foreign: str | None) -> Invalid | NotFound:
    """A collection named by a bin create is a 400 (`foreign`); elsewhere a 404."""
    if foreign is not None:
        return Invalid(foreign)
    return NotFound(messages.COLLECTION_NOT_FOUND)


async def create_collection(request: web.Request) -> web.Response:
    project = auth.require_master(
        await principal(request),
        missing=messages.MASTER_KEY_MISSING,
        invalid=messages.MASTER_KEY_INVALID,
    )
    name = _name(request)
    doc = await request.app[STORE].definitions.create_limited(
        project.id,
        COLLECTION_CATEGORY,
        {"name": name},
        limit=LIMIT_BY_PLAN.get(project.plan, 10),
    )
    if doc is None:
        raise Forbidden(messages.COLLECTION_LIMIT)
    return web.json_response(
        {"record": doc["_id"], "metadata": {"name": name, "createdAt": iso_utc(doc["createdAt"])}}
    )


async def list_collections(request: web.Request) -> web.Response:
    project_id = await auth.master_project_id(request)
    docs = await request.app[STORE].definitions.find(project_id, (COLLECTION_CATEGORY,))
    return web.json_response(
        [
            {
                "record": doc["_id"],
                "collectionMeta": {"name": doc["name"]},
                "createdAt": iso_utc(doc["createdAt"]),
            }
            for doc in docs
        ]
    )


async def list_collection_bins(request: web.Request) -> web.Response:
    project_id = await auth.master_project_id(request)
    collection = request.match_info["cid"]
    if collection != UNCATEGORIZED:
        collection = (await cached_collection(request, project_id, collection))["_id"]
    after = request.match_info.get("last")
    if after is not None:
        after = headers.object_id(after, messages.INVALID_BIN_ID)
    page = await binrecords.list_page(
        request.app[STORE],
        project=project_id,
        collection_id=None if collection == UNCATEGORIZED else collection,
        after=after,
        descending=headers.descending(request),
        limit=PAGE_SIZE,
    )
    return web.json_response(
        [
            {
                "record": doc["_id"],
                "private": doc["private"],
                "snippetMeta": {"name": doc["name"]} if doc.get("name") else {},
                "createdAt": iso_utc(doc["createdAt"]),
            }
            for doc in page
        ]
    )


async def rename_collection(request: web.Request) -> web.Response:
    project_id = await auth.master_project_id(request)
    doc = await load_collection(request, project_id, request.match_info["cid"])
    name = _name(request)
    await request.app[STORE].definitions.update(
        project_id, COLLECTION_CATEGORY, doc["_id"], {"name": name}
    )
    forget_collection(request, project_id, doc["_id"])
    return web.json_response(render.meta_changed(doc["_id"], name=name))


async def attach_schema_doc(request: web.Request) -> web.Response:
    project_id = await auth.master_project_id(request)
    doc = await load_collection(request, project_id, request.match_info["cid"])
    schema = await load_schema_doc(request, project_id, request.headers.get("X-Schema-Doc-Id", ""))
    await binrecords.tag_schema(
        request.app[STORE], project=project_id, collection_id=doc["_id"], schema_id=schema["_id"]
    )
    forget_collection(request, project_id, doc["_id"])
    return web.json_response(
        {
            "collectionName": doc["name"],
            "schemaDocId": schema["_id"],
            "metadata": {"id": doc["_id"], "createdAt": iso_utc(doc["createdAt"])},
        }
    )


async def detach_schema_doc(request: web.Request) -> web.Response:
    project_id = await auth.master_project_id(request)
    doc = await load_collection(request, project_id, request.match_info["cid"])
    await binrecords.tag_schema(
        request.app[STORE], project=project_id, collection_id=doc["_id"], schema_id=None
    )
    forget_collection(request, project_id, doc["_id"])
    return web.json_response(
        {
            "collectionName": doc["name"],
            "metadata": {"id": doc["_id"], "createdAt": iso_utc(doc["createdAt"])},
        }
    )
