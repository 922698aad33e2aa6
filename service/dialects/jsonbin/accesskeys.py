"""`/v3/a`: access keys with per-operation grants on the Bins API (master key only)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from marshmallow import ValidationError

from service.dialects.jsonbin import auth, headers, messages
from service.dialects.jsonbin.schemas import AccessKeyPermissionsSchema
from service.errors import Forbidden, Invalid, NotFound
from service.web.appkeys import SETTINGS, STORE
from service.web.body import read_json
from service.web.principal import principal

MAX_KEYS = 4  # JSONBin's documented limit


def _permissions(grants: frozenset[str]) -> dict[str, Any]:
    return {"bins": {grant: grant in grants for grant in auth.GRANTS}}


async def create_access_key(request: web.Request) -> web.Response:
    project = auth.require_master(
        await principal(request),
        missing=messages.MASTER_KEY_MISSING,
        invalid=messages.MASTER_KEY_INVALID,
    )
    headers.require_json(request)
    name = headers.name(
        request,
        "X-Key-Name",
        limit=32,
        missing=messages.KEY_NAME_MISSING,
        too_long=messages.KEY_NAME_LONG,
    )
    body = await read_json(request, request.app[SETTINGS].max_body_bytes)
    try:
        loaded = AccessKeyPermissionsSchema().load(body)
    except ValidationError as exc:
        raise Invalid(messages.KEY_PERMISSIONS, details=exc.messages) from None
    grants = frozenset(grant for grant, allowed in loaded["bins"].items() if allowed)
    created = await request.app[STORE].projects.create_access_key(
        project.id, name=name, grants=grants, limit=MAX_KEYS
    )
    if created is None:
        raise Forbidden(messages.KEY_LIMIT)
    view, key = created
    request.app[STORE].directory.forget_misses()
    return web.json_response(
        {
            "accessKey": key,
            "accessKeyId": view["id"],
            "keyPermissions": _permissions(view["grants"]),
            "metadata": {"name": name},
        }
    )


async def list_access_keys(request: web.Request) -> web.Response:
    project = auth.require_master(
        await principal(request),
        missing=messages.MASTER_KEY_MISSING,
        invalid=messages.MASTER_KEY_INVALID,
    )
    keys = await request.app[STORE].projects.list_access_keys(project.id)
    # The key itself is stored only as a digest: the list shows its first characters.
    return web.json_response(
        [
            {
                "keyPermissions": _permissions(view["grants"]),
                "accessKeyId": view["id"],
                "accessKey": f"{view['hint']}...",
                "metadata": {"name": view["name"]},
            }
            for view in keys
        ]
    )


async def delete_access_key(request: web.Request) -> web.Response:
    project = auth.require_master(
        await principal(request),
        missing=messages.MASTER_KEY_MISSING,
        invalid=messages.MASTER_KEY_INVALID,
    )
    key_id = headers.object_id(request.match_info["key_id"], messages.INVALID_ACCESS_KEY_ID)
    try:
        view = await request.app[STORE].projects.delete_access_key(project.id, key_id)
    except NotFound:
        raise NotFound(messages.INVALID_ACCESS_KEY_ID) from None
    request.app[STORE].directory.forget_project(project.id)
    return web.json_response(
        {
            "metadata": {"id": view["id"], "name": view["name"]},
            "message": messages.ACCESS_KEY_DELETED,
        }
    )
