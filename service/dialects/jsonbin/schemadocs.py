"""`/v3/s`: schema docs (JSON Schema draft-07) that collections attach to validate bins."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from service.core.times import iso_utc
from service.dialects.jsonbin import auth, headers, messages, render
from service.dialects.jsonbin.validation import check_schema
from service.errors import NotFound
from service.store import namespaces
from service.web.body import read_json
from service.web.keys import DATABASE, SETTINGS

KIND = "jsonbin.schema"


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
    schema_id = headers.object_id(schema_id, messages.INVALID_SCHEMA_ID)
    try:
        return await namespaces.get(
            request.app[DATABASE], project=project_id, kind=KIND, ns_id=schema_id
        )
    except NotFound:
        raise NotFound(messages.SCHEMA_NOT_FOUND) from None


async def create_schema_doc(request: web.Request) -> web.Response:
    project_id = await auth.master_project_id(request)
    name = _name(request)
    text = await _schema_body(request)
    doc = await namespaces.create(
        request.app[DATABASE],
        project=project_id,
        kind=KIND,
        attrs={"name": name, "schemaJson": text},
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
    updated = await namespaces.update(
        request.app[DATABASE],
        project=project_id,
        kind=KIND,
        ns_id=doc["_id"],
        changes={"schemaJson": text},
    )
    return web.json_response(_envelope(updated))


async def rename_schema_doc(request: web.Request) -> web.Response:
    project_id = await auth.master_project_id(request)
    doc = await load_schema_doc(request, project_id, request.match_info["sid"])
    name = _name(request)
    await namespaces.update(
        request.app[DATABASE],
        project=project_id,
        kind=KIND,
        ns_id=doc["_id"],
        changes={"name": name},
    )
    return web.json_response(render.meta_changed(doc["_id"], name=name))
