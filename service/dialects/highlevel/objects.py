"""`/objects/`: list, create, get (with its fields) and update custom object schemas."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from service.dialects.highlevel import messages, objectschema, params, render
from service.dialects.highlevel.auth import check_location
from service.dialects.highlevel.context import Context
from service.dialects.highlevel.objectschema import FIELD_CATEGORY, OBJECT_CATEGORY, ObjectSchema
from service.dialects.highlevel.schemas import ObjectCreateSchema, ObjectUpdateSchema, load
from service.dialects.highlevel.validation import unprocessable
from service.errors import AlreadyExists, Conflict, NotFound, RevisionMismatch
from service.store.locks import overloaded
from service.store.projects import Project
from service.web.appkeys import STORE

_UPDATE_ATTEMPTS = 5  # updates that find the object changed since it was validated


async def list_objects(request: web.Request, ctx: Context, project: Project) -> web.Response:
    check_location(project, request, required=True)
    docs = await request.app[STORE].definitions.find(project.id, (OBJECT_CATEGORY,))
    return web.json_response({"objects": [render.object_schema(doc) for doc in docs]})


def _keys(loaded: dict[str, Any]) -> tuple[str, str]:
    """The object key and its primary display property's field key, both normalised."""
    key = objectschema.object_key(loaded["key"])
    if key is None:
        raise unprocessable([messages.KEY_SHAPE.format(name="key")])
    name = "primaryDisplayPropertyDetails.key"
    primary, own = objectschema.field_key(key, loaded["primaryDisplayPropertyDetails"]["key"])
    if not own:
        raise unprocessable([messages.KEY_OTHER_OBJECT.format(name=name, object_key=key)])
    if primary is None:
        raise unprocessable([messages.KEY_SHAPE.format(name=name)])
    return key, primary


async def create_object(request: web.Request, ctx: Context, project: Project) -> web.Response:
    loaded = load(ObjectCreateSchema, await params.body(request))
    check_location(project, request, loaded["locationId"], required=True)
    key, primary = _keys(loaded)
    details = loaded["primaryDisplayPropertyDetails"]
    definitions = request.app[STORE].definitions
    attrs = {
        "key": key,
        "objectKey": key,
        "labels": loaded["labels"],
        "description": loaded.get("description"),
        "primaryDisplayProperty": primary,
        "searchableProperties": [primary],  # the primary property is searchable from the start
    }
    try:
        obj = await definitions.create(project.id, OBJECT_CATEGORY, attrs)
    except Conflict:
        raise AlreadyExists(messages.OBJECT_EXISTS) from None
    field = {
        "key": primary,
        "objectKey": key,
        "name": details["name"],
        "dataType": details["dataType"],
        "showInForms": True,
        "parentId": None,
    }
    await definitions.create(project.id, FIELD_CATEGORY, field)
    ctx.schemas.forget(request, project.id, key)
    return web.json_response({"object": render.object_schema(obj)}, status=201)


async def _schema_by_key_or_id(
    request: web.Request, ctx: Context, project: Project
) -> tuple[ObjectSchema, bool]:
    """HighLevel takes an object's key or its id in the path."""
    raw = request.match_info["key"]
    key = objectschema.object_key(raw)
    if key is None:
        raise NotFound(messages.OBJECT_NOT_FOUND)
    try:
        return await ctx.schemas.get(request, project.id, key)
    except NotFound:
        if not params.is_object_id(raw):
            raise
    try:
        doc = await request.app[STORE].definitions.get(project.id, OBJECT_CATEGORY, raw)
    except NotFound:
        raise NotFound(messages.OBJECT_NOT_FOUND) from None
    return await ctx.schemas.get(request, project.id, doc["key"])


async def get_object(request: web.Request, ctx: Context, project: Project) -> web.Response:
    check_location(project, request, required=True)
    schema, cached = await _schema_by_key_or_id(request, ctx, project)
    answer: dict[str, Any] = {"object": render.object_schema(schema.object), "cache": cached}
    if params.flag(request, "fetchProperties"):
        answer["fields"] = [render.field(doc) for doc in schema.fields]
    return web.json_response(answer)


def _searchable(schema: ObjectSchema, keys: list[str]) -> list[str]:
    """Full field keys of searchable fields of this object; 422 for any other."""
    found, problems = [], []
    for raw in keys:
        full, _ = objectschema.field_key(schema.key, raw)
        definition = schema.by_key.get(objectschema.short_key(full)) if full else None
        if definition is None:
            problems.append(messages.NOT_A_FIELD.format(key=raw, object_key=schema.key))
        elif definition.data_type not in objectschema.SEARCHABLE:
            problems.append(messages.NOT_SEARCHABLE.format(key=raw, data_type=definition.data_type))
        elif definition.field_key not in found:
            found.append(definition.field_key)
    if problems:
        raise unprocessable(problems)
    return found


async def update_object(request: web.Request, ctx: Context, project: Project) -> web.Response:
    key = params.object_key(request)
    loaded = load(ObjectUpdateSchema, await params.body(request))
    check_location(project, request, loaded.get("locationId"), required=True)
    for _ in range(_UPDATE_ATTEMPTS):
        try:
            return await _update_object_once(request, ctx, project, key, loaded)
        except RevisionMismatch:
            pass  # a field was deleted meanwhile (or the object edited): validate again
    raise overloaded("the object kept changing; try again")


async def _update_object_once(
    request: web.Request, ctx: Context, project: Project, key: str, loaded: dict[str, Any]
) -> web.Response:
    """Validate against the object as it is now and write only if it is still at that
    revision: deleting a field bumps its object's, so no deleted field becomes searchable."""
    ctx.schemas.forget(request, project.id, key)
    schema, _ = await ctx.schemas.get(request, project.id, key)
    # Dotted paths: a concurrent update of the other label is not overwritten.
    changes = {f"labels.{name}": text for name, text in loaded.get("labels", {}).items()}
    if "description" in loaded:
        changes["description"] = loaded["description"]
    if "searchableProperties" in loaded:
        changes["searchableProperties"] = _searchable(schema, loaded["searchableProperties"])
    updated = await request.app[STORE].definitions.update(
        project.id, OBJECT_CATEGORY, schema.id, changes, expected_rev=schema.object.get("rev")
    )
    ctx.schemas.forget(request, project.id, key)
    return web.json_response({"object": render.object_schema(updated)})
