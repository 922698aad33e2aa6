"""Data calls on an endpoint's records: create, read, update (the seed) and delete.

Round trips, with the endpoint cached: create one; read one; update one for `force` or
`replace` with `dataOnly=true` (the answer is the body), else two (the write, then the
read of the stored record for its envelope); delete two (the read that checks the owner
and gives the answer, then the delete), and two more for a file record's file. Each write
is one atomic database write: the owner and the stored kind are checked in its filter,
never read first and then decided.
"""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web

from service.core.documents import StoredRecord
from service.core.operations import (
    NO_PRECONDITIONS,
    Merge,
    Plan,
    Preconditions,
    Replace,
    ReplaceSameKind,
)
from service.core.queries import CREATED, KEY, Order, Query
from service.dialects.rested import access, messages
from service.dialects.rested.auth import Caller, NotOwner, require_user
from service.dialects.rested.context import Context
from service.dialects.rested.endpoints import Endpoint
from service.dialects.rested.filestore import delete_record_file
from service.dialects.rested.params import (
    Strategy,
    data_body,
    flag,
    one_unique_id,
    strategy,
    unique_ids,
)
from service.dialects.rested.render import answer, shaped
from service.errors import Invalid, MetadataChanged, RecordHubError, RecordNotFound
from service.web.appkeys import STORE

OLDEST_FIRST = (Order(CREATED), Order(KEY))


def new_key() -> str:
    """A record's uniqueId: 32 lowercase hex digits, as rested's."""
    return uuid.uuid4().hex


async def create_record(
    request: web.Request, ctx: Context, who: Caller, endpoint: Endpoint
) -> web.Response:
    if endpoint.secure and not who.master:
        require_user(who)
    data = await data_body(request)
    meta = access.owner_meta(endpoint, who)
    record = await request.app[STORE].records.create(endpoint.scope, new_key(), data, meta)
    return answer(shaped(record, data_only=flag(request, "dataOnly")))


async def visible_records(
    request: web.Request, ctx: Context, who: Caller, endpoint: Endpoint, ids: list[str]
) -> Any:
    """The records a read selects, shaped: all the caller may see (oldest first), or those
    among `ids`; one envelope for exactly one id. "No record was found." if none is."""
    records = request.app[STORE].records
    data_only = flag(request, "dataOnly")
    if not ids:
        query = Query(
            where=access.read_filter(endpoint, who),
            order=OLDEST_FIRST,
            limit=ctx.settings.max_read_records,
        )
        found = await records.listed(endpoint.scope, query)
        return [shaped(record, data_only=data_only) for record in found]
    if endpoint.secure and not who.master:
        require_user(who)
    seen = [
        record
        for record in await records.get_many(endpoint.scope, ids)
        if not access.hides(endpoint, who, access.owner_of(record.meta))
    ]
    if not seen:
        raise RecordNotFound(messages.NO_RECORD)
    if len(ids) == 1 and ctx.settings.single_id_as_object:
        return shaped(seen[0], data_only=data_only)
    return [shaped(record, data_only=data_only) for record in seen]


async def answer_read(request: web.Request, ctx: Context, value: Any) -> web.Response:
    """The read's answer, through `jsonata=EXPR` when the call carries one."""
    expression = request.query.get("jsonata", "").strip()
    if not expression:
        return answer(value)
    text = await ctx.evaluator.evaluate(expression, value)
    return web.Response(text=text, content_type="application/json")


async def read_records(
    request: web.Request, ctx: Context, who: Caller, endpoint: Endpoint
) -> web.Response:
    ids = unique_ids(request)
    return await answer_read(request, ctx, await visible_records(request, ctx, who, endpoint, ids))


def update_plan(how: Strategy, data: Any, owner: str | None) -> Plan:
    """The seed's strategies as one engine operation each; `owner`, when the caller may
    change only its own records, goes into the write's filter."""
    pre = NO_PRECONDITIONS if owner is None else Preconditions(meta={access.OWNER: owner})
    if how == "merge":
        if not isinstance(data, dict):
            raise Invalid(messages.MERGE_OBJECTS)
        return Plan([Merge(data)], pre)
    if how == "replace":
        return Plan([ReplaceSameKind(data)], pre)
    return Plan([Replace(data)], pre)


def refusal(endpoint: Endpoint, who: Caller) -> RecordHubError:
    """Someone else's record: not found unless the caller may read it."""
    if access.hides(endpoint, who, None):
        return RecordNotFound(messages.NO_RECORD)
    return NotOwner(messages.NOT_OWNER)


async def write(
    request: web.Request, endpoint: Endpoint, who: Caller, key: str, plan: Plan, *, read: bool
) -> StoredRecord | None:
    """Apply `plan` to the record `key` (and read it back when `read`)."""
    records = request.app[STORE].records
    try:
        if read:
            return await records.apply_and_read(endpoint.scope, key, plan)
        await records.apply(endpoint.scope, key, plan)
        return None
    except MetadataChanged:  # the owner in the filter did not match
        raise refusal(endpoint, who) from None


async def update_record(
    request: web.Request, ctx: Context, who: Caller, endpoint: Endpoint
) -> web.Response:
    """The seed: PUT with `uniqueId` and `strategy=force|merge|replace`."""
    key = one_unique_id(request)
    how = strategy(request)
    owner = access.required_owner(endpoint, who, "update")
    data = await data_body(request)
    plan = update_plan(how, data, owner)
    data_only = flag(request, "dataOnly")
    if data_only and how != "merge":  # the stored content is the body: no read needed
        await write(request, endpoint, who, key, plan, read=False)
        return answer(data)
    record = await write(request, endpoint, who, key, plan, read=True)
    assert record is not None
    return answer(shaped(record, data_only=data_only))


async def checked_record(
    request: web.Request, who: Caller, endpoint: Endpoint, key: str
) -> StoredRecord:
    """The record `key` if the caller may delete it. Owners never change, so this read
    decides safely for the delete that follows."""
    record = await request.app[STORE].records.get(endpoint.scope, key)
    owner = access.owner_of(record.meta)
    if not access.may(endpoint, who, "delete", owner):
        if access.hides(endpoint, who, owner):
            raise RecordNotFound(messages.NO_RECORD)
        raise NotOwner(messages.NOT_OWNER)
    return record


async def delete_record(
    request: web.Request, ctx: Context, who: Caller, endpoint: Endpoint
) -> web.Response:
    """DELETE with `uniqueId`: answers the deleted record; a file record's file goes too
    (after the record: no reader finds a record whose file is gone)."""
    key = one_unique_id(request)
    access.required_owner(endpoint, who, "delete")  # a 401 before the read
    record = await checked_record(request, who, endpoint, key)
    store = request.app[STORE]
    await store.records.delete(endpoint.scope, key)
    await delete_record_file(store, endpoint.scope, record.meta)
    return answer(shaped(record, data_only=flag(request, "dataOnly")))
