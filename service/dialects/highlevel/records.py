"""`/objects/{key}/records`: create, get, update (the seed) and delete custom object records."""

from __future__ import annotations

from aiohttp import web
from bson import ObjectId

from service.dialects.highlevel import changes, objectschema, params, render
from service.dialects.highlevel.auth import check_location
from service.dialects.highlevel.context import Context
from service.dialects.highlevel.schemas import RecordCreateSchema, RecordUpdateSchema, load
from service.dialects.highlevel.validation import unprocessable
from service.errors import LimitExceeded
from service.store.projects import Project
from service.web.appkeys import STORE


async def create_record(request: web.Request, ctx: Context, project: Project) -> web.Response:
    key = params.object_key(request)
    loaded = load(RecordCreateSchema, await params.body(request))
    check_location(project, request, loaded["locationId"], required=True)
    schema, _ = await ctx.schemas.get(request, project.id, key)
    content = changes.new_content(schema, loaded)
    scope = objectschema.scope_of(project.id, key)
    stored = await request.app[STORE].records.create(scope, str(ObjectId()), content)
    return web.json_response({"record": render.record(stored)}, status=201)


async def get_record(request: web.Request, ctx: Context, project: Project) -> web.Response:
    check_location(project, request, required=False)
    scope = objectschema.scope_of(project.id, params.object_key(request))
    stored = await request.app[STORE].records.get(scope, params.record_id(request))
    return web.json_response({"record": render.record(stored)})


async def update_record(request: web.Request, ctx: Context, project: Project) -> web.Response:
    """The seed: partial properties, null removes, {add, remove} in one atomic write.

    Round trips with the object's fields cached: two (the read, then the write guarded by
    its revision; a pipeline write and a read when another writer got in between), or one
    once this replica has seen that nobody else writes the record (the guarded write
    alone, from the document its last write left: service.store.lastwrites); a refused
    limit costs one more read, only to word the 422. Create, get and delete cost one each.
    """
    key = params.object_key(request)
    record_id = params.record_id(request)
    loaded = load(RecordUpdateSchema, await params.body(request))
    check_location(project, request, loaded.get("locationId"), required=True)
    records = request.app[STORE].records
    schema, _ = await ctx.schemas.get(request, project.id, key)
    plan = changes.update_plan(schema, loaded)
    scope = objectschema.scope_of(project.id, key)
    try:
        stored = await records.apply_and_read(scope, record_id, plan)
    except LimitExceeded as exc:
        # The write changed nothing; read the record only to say which limit it hit.
        current = await records.get(scope, record_id)
        raise unprocessable(changes.exceeded_limits(plan, current.data) or [exc.message]) from None
    return web.json_response({"record": render.record(stored)})


async def delete_record(request: web.Request, ctx: Context, project: Project) -> web.Response:
    check_location(project, request, required=False)
    scope = objectschema.scope_of(project.id, params.object_key(request))
    record_id = params.record_id(request)
    await request.app[STORE].records.delete(scope, record_id)
    return web.json_response({"id": record_id, "success": True})
