"""`/v3/s`: schema docs (JSON Schema draft-07) that collections attach to validate bins."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from service.core.times import iso_utc
from service.dialects.jsonbin import auth, headers, messages, render
from service.dialects.jsonbin.validation import check_schema
from service.errors import NotFound
from service.store.api import Store
from service.web.appkeys import DEFINITION_CACHE, SETTINGS, STORE
from service.web.body import read_json

SCHEMA_CATEGORY = "jsonbin.schema"


def _envelope(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "record": json.loads(doc["schemaJson"]),
        "metadata": {"id": doc["_id"], "createdAt": iso_utc(doc["createdAt"]), "name": doc["name"]},
    }


def _name(request: web.Request) -> str:
    return headers.name(
        request,
        "X-Schema-Doc-Name",
        limit=32,
        missing=messages.SCHEMA_NAME_MISSING,
        too_long=messages.SCHEMA_NAME_LONG,
    )


async def _schema_body(request: web.Request) -> str:
    headers.require_json(request)
    schema = await read_json(request, request.app[SETTINGS].max_body_bytes)
    check_schema(schema)
    # Stored as JSON text: schema keywords start with `$`, which MongoDB field names avoid.
    return json.dumps(schema)


async def load_schema_doc(request: web.Request, project_id: str, schema_id: str) -> dict[str, Any]:
    """The schema doc as stored now; 400 for a malformed id, 404 when unknown."""
    schema_id = headers.object_id(schema_id, messages.INVALID_SCHEMA_ID)
    return await _read(request.app[STORE], project_id, schema_id)


async def _read(store: Store, project_id: str, schema_id: str) -> dict[str, Any]:
    try:
        return await store.definitions.get(project_id, SCHEMA_CATEGORY, schema_id)
    except NotFound:
        raise NotFound(messages.SCHEMA_NOT_FOUND) from None


async def cached_schema(request: web.Request, project_id: str, schema_id: str) -> Any:
    """The parsed schema of a schema doc that a bin or collection names, from this
    replica's cache: an edit through another replica is seen within KEY_CACHE_SECONDS."""
    store = request.app[STORE]

    async def parsed() -> Any:
        return json.loads((await _read(store, project_id, schema_id))["schemaJson"])

    schema, _ = await request.app[DEFINITION_CACHE].get(
        _cache_key(project_id, schema_id), parsed, ttl=request.app[SETTINGS].key_cache_seconds
    )
    return schema


def _cache_key(project_id: str, schema_id: str) -> tuple[str, str, str]:
    return (SCHEMA_CATEGORY, project_id, schema_id)


async def create_schema_doc(request: web.Request) -> web.Response:
    project_id = await auth.master_project_id(request)
    name = _name(request)
    text = await _schema_body(request)
    doc = await request.app[STORE].definitions.create(
        project_id, SCHEMA_CATEGORY, {"name": name, "schemaJson": text}
    )
    return web.json_response(_envelope(doc))


async def read_schema_doc(request: web.Request) -> web.Response:
    project_id = await auth.master_project_id(request)
    return web.json_response(
        _envelope(await load_schema_doc(request, project_id, request.match_info["sid"]))
    )


async def update_schema_doc(request: web.Request) -> web.Response:
    project_id = await auth.master_project_id(request)
    doc = await load_schema_doc(request, project_id, request.match_info["sid"])
    text = await _schema_body(request)
    updated = await request.app[STORE].definitions.update(
        project_id, SCHEMA_CATEGORY, doc["_id"], {"schemaJson": text}
    )
    request.app[DEFINITION_CACHE].forget(_cache_key(project_id, doc["_id"]))
    return web.json_response(_envelope(updated))


async def rename_schema_doc(request: web.Request) -> web.Response:
    project_id = await auth.master_project_id(request)
    doc = await load_schema_doc(request, project_id, request.match_info["sid"])
    name = _name(request)
    await request.app[STORE].definitions.update(
        project_id, SCHEMA_CATEGORY, doc["_id"], {"name": name}
    )
    return web.json_response(render.meta_changed(doc["_id"], name=name))
