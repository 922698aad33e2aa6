"""`/custom-fields/`: create, read, update, delete and list the typed fields of an object."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from service.core.queries import All, Eq, Meta, Not, Query
from service.dialects.highlevel import messages, objectschema, params, render
from service.dialects.highlevel.auth import check_location
from service.dialects.highlevel.context import Context
from service.dialects.highlevel.fieldvalues import DELETING, finish_delete, finish_marked
from service.dialects.highlevel.objectschema import FIELD_CATEGORY, OBJECT_CATEGORY
from service.dialects.highlevel.schemas import FieldCreateSchema, FieldUpdateSchema, load
from service.dialects.highlevel.validation import unprocessable
from service.errors import AlreadyExists, Conflict, NotFound, OwnerNotFound, PreconditionFailed
from service.store.api import Store, Transaction
from service.store.projects import Project
from service.web.appkeys import STORE

# What a create or an update sets on the stored field, as given.
_SETTINGS = (
    "name",
    "description",
    "placeholder",
    "showInForms",
    "options",
    "acceptedFormats",
    "maxFileLimit",
    "allowCustomOption",
    "parentId",
)


def _option_problems(data_type: str, options: list[dict[str, Any]]) -> list[str]:
    problems = []
    if not options:
        problems.append(messages.OPTIONS_REQUIRED.format(data_type=data_type))
    for index, option in enumerate(options):
        if not option["key"] or "." in option["key"]:
            problems.append(messages.OPTION_KEY_SHAPE.format(index=index))
        if "url" in option and data_type != objectschema.RADIO:
            problems.append(messages.OPTION_URL_RADIO.format(index=index))
    if len({option["key"] for option in options}) != len(options):
        problems.append(messages.OPTION_KEYS_UNIQUE)
    return problems


def _setting_problems(data_type: str, loaded: dict[str, Any]) -> list[str]:
    """The settings that do not fit the field's data type."""
    problems = []
    if "options" in loaded and data_type in objectschema.WITH_OPTIONS:
        problems += _option_problems(data_type, loaded["options"])
    elif loaded.get("options"):
        problems.append(messages.OPTIONS_NOT_ALLOWED)
    if loaded.get("allowCustomOption") and data_type != objectschema.RADIO:
        problems.append(
            messages.ONLY_FOR.format(name="allowCustomOption", data_type=objectschema.RADIO)
        )
    for name in ("maxFileLimit", "acceptedFormats"):
        if loaded.get(name) is not None and data_type != objectschema.FILE_UPLOAD:
            problems.append(messages.ONLY_FOR.format(name=name, data_type=objectschema.FILE_UPLOAD))
    if loaded.get("acceptedFormats") is not None:
        formats = objectschema.formats_of(loaded["acceptedFormats"])
        allowed = {*objectschema.FILE_FORMATS, objectschema.ALL_FORMATS}
        if not formats or not set(formats) <= allowed:
            problems.append(messages.FORMATS.format(formats=", ".join(objectschema.FILE_FORMATS)))
    return problems


async def _field(request: web.Request, project: Project) -> dict[str, Any]:
    try:
        doc = await request.app[STORE].definitions.get(
            project.id, FIELD_CATEGORY, request.match_info["id"]
        )
    except NotFound:
        raise NotFound(messages.FIELD_NOT_FOUND) from None
    if doc.get(DELETING):
        raise NotFound(messages.FIELD_NOT_FOUND)
    return doc


def _new_keys(loaded: dict[str, Any]) -> tuple[str, str]:
    object_key = objectschema.object_key(loaded["objectKey"])
    if object_key is None:
        raise NotFound(messages.OBJECT_NOT_FOUND)
    full, own = objectschema.field_key(object_key, loaded["fieldKey"])
    if not own:
        problem = messages.KEY_OTHER_OBJECT.format(name="fieldKey", object_key=object_key)
        raise unprocessable([problem])
    if full is None:
        raise unprocessable([messages.KEY_SHAPE.format(name="fieldKey")])
    return object_key, full


async def create_field(request: web.Request, ctx: Context, project: Project) -> web.Response:
    loaded = load(FieldCreateSchema, await params.body(request))
    check_location(project, request, loaded.get("locationId"), required=True)
    object_key, full = _new_keys(loaded)
    data_type = loaded["dataType"]
    problems = _setting_problems(data_type, loaded)
    if data_type in objectschema.WITH_OPTIONS and "options" not in loaded:
        problems.append(messages.OPTIONS_REQUIRED.format(data_type=data_type))
    if problems:
        raise unprocessable(problems)
    await ctx.schemas.get(request, project.id, object_key)  # 404 for an unknown object
    attrs = {name: loaded[name] for name in _SETTINGS if name in loaded}
    attrs |= {"key": full, "objectKey": object_key, "dataType": data_type}
    store = request.app[STORE]
    for retry in (False, True):
        try:
            doc = await store.definitions.create(project.id, FIELD_CATEGORY, attrs)
            break
        except Conflict:
            # A field of this key whose delete did not finish (a crash) holds the key:
            # finish that delete, then create once more.
            if retry or not await _finished_deleting(store, project.id, full):
                raise AlreadyExists(messages.FIELD_EXISTS) from None
    ctx.schemas.forget(request, project.id, object_key)
    return web.json_response({"field": render.field(doc)}, status=201)


async def get_field(request: web.Request, ctx: Context, project: Project) -> web.Response:
    check_location(project, request, required=False)
    return web.json_response({"field": render.field(await _field(request, project))})


def _update_problems(doc: dict[str, Any], loaded: dict[str, Any]) -> list[str]:
    problems = [
        messages.UNCHANGEABLE.format(name=name)
        for name, stored in (
            ("dataType", "dataType"),
            ("fieldKey", "key"),
            ("objectKey", "objectKey"),
        )
        if name in loaded and loaded[name] != doc[stored]
    ]
    problems += _setting_problems(doc["dataType"], loaded)
    if "options" in loaded:
        # HighLevel: options are replaced whole, and existing ones cannot be removed.
        kept = {option["key"] for option in loaded["options"]}
        missing = [o["key"] for o in doc.get("options") or () if o["key"] not in kept]
        if missing:
            problems.append(messages.OPTIONS_KEPT.format(missing=", ".join(missing)))
    return problems


async def update_field(request: web.Request, ctx: Context, project: Project) -> web.Response:
    doc = await _field(request, project)
    loaded = load(FieldUpdateSchema, await params.body(request))
    check_location(project, request, loaded.get("locationId"), required=True)
    problems = _update_problems(doc, loaded)
    if problems:
        raise unprocessable(problems)
    changes = {name: loaded[name] for name in _SETTINGS if name in loaded}
    try:
        # New options are merged into the stored ones, not replacing them: an option that
        # another client added meanwhile, which this request could not name, stays
        # (HighLevel never removes an option).
        updated = await request.app[STORE].definitions.update(
            project.id, FIELD_CATEGORY, doc["_id"], changes, merge_lists={"options": "key"}
        )
    except NotFound:  # deleted meanwhile
        raise NotFound(messages.FIELD_NOT_FOUND) from None
    ctx.schemas.forget(request, project.id, doc["objectKey"])
    return web.json_response({"field": render.field(updated)})


async def _finished_deleting(store: Store, project: str, key: str) -> bool:
    """Finish the delete of the field `key` if one is marked deleting; whether there was."""
    found = await store.definitions.find(
        project, (FIELD_CATEGORY,), Query(where=Eq(Meta("key"), key))
    )
    return len(await finish_marked(store, project, found)) < len(found)


async def _delete(store: Store, project: str, field_id: str) -> dict[str, Any]:
    """Take a field out of its object's searchable properties and mark it deleting, in
    one transaction; the field exactly as it was (its options say where its values are).
    A field already marked is returned with its mark, for the caller to finish its delete
    (and answer that it is gone).
    NotFound, or OwnerNotFound for the field's object; PreconditionFailed for the primary
    display property, which stays."""
    definitions = store.definitions

    async def work(tx: Transaction) -> dict[str, Any]:
        # Read and mark in one snapshot: an edit in between makes the delete conflict.
        doc = await definitions.get(project, FIELD_CATEGORY, field_id, tx=tx)
        if doc.get(DELETING):
            return doc
        owner = Eq(Meta("key"), doc["objectKey"])
        kept = Not(Eq(Meta("primaryDisplayProperty"), doc["key"]))
        where = Query(where=All((owner, kept)))
        pull = {"searchableProperties": [doc["key"]]}
        if not await definitions.detach(project, OBJECT_CATEGORY, where, pull, tx=tx):
            objects = await definitions.find(project, (OBJECT_CATEGORY,), Query(owner), tx=tx)
            if not objects:
                raise OwnerNotFound("object not found")
            raise PreconditionFailed("the primary display property stays")
        await definitions.update(project, FIELD_CATEGORY, field_id, {DELETING: True}, tx=tx)
        return doc

    return await store.transaction(work)


async def delete_field(request: web.Request, ctx: Context, project: Project) -> web.Response:
    check_location(project, request, required=False)
    store = request.app[STORE]
    try:
        doc = await _delete(store, project.id, request.match_info["id"])
    except PreconditionFailed:
        raise unprocessable([messages.PRIMARY_KEPT]) from None
    except OwnerNotFound:
        raise NotFound(messages.OBJECT_NOT_FOUND) from None
    except NotFound:
        raise NotFound(messages.FIELD_NOT_FOUND) from None
    # The values go with the field, so a field created later with the same key starts
    # empty; `doc` is the field as it was, so its options are all there.
    ctx.schemas.forget(request, project.id, doc["objectKey"])
    await finish_delete(store, project.id, doc)
    if doc.get(DELETING):  # deleted already, by a delete that had not finished
        raise NotFound(messages.FIELD_NOT_FOUND)
    return web.json_response({"succeded": True, "id": doc["_id"], "key": doc["key"]})


async def list_fields(request: web.Request, ctx: Context, project: Project) -> web.Response:
    check_location(project, request, required=True)
    key = params.object_key(request, "objectKey")
    schema, _ = await ctx.schemas.get(request, project.id, key)
    # Folders group fields in HighLevel's UI; RecordHub keeps none.
    return web.json_response(
        {"fields": [render.field(doc) for doc in schema.fields], "folders": []}
    )
