"""`POST /objects/{key}/records/search`: `field:value` on searchable properties, by page."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from service.core.queries import (
    CREATED,
    KEY,
    Contains,
    Content,
    Eq,
    Order,
    Query,
    Term,
    any_of,
)
from service.dialects.highlevel import messages, objectschema, params, render
from service.dialects.highlevel.auth import check_location
from service.dialects.highlevel.context import Context
from service.dialects.highlevel.objectschema import FieldDef, ObjectSchema
from service.dialects.highlevel.schemas import SearchSchema, load
from service.dialects.highlevel.validation import is_number, unprocessable
from service.store.projects import Project
from service.web.appkeys import STORE

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NUMBER = re.compile(r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?")
_NEWEST_FIRST = (Order(CREATED, descending=True), Order(KEY, descending=True))


def _term(definition: FieldDef, value: str) -> Term | None:
    """The condition for one field; None when the value cannot match it (text on a number)."""
    target = Content((objectschema.PROPERTIES, definition.key))
    if definition.data_type != objectschema.NUMERICAL:
        # Contained in an array field too: multi-option fields search naturally.
        return Contains(target, value, ignore_case=True)
    if not _NUMBER.fullmatch(value):  # float() also takes "nan", "1_000", Unicode digits
        return None
    number = float(value)
    return Eq(target, number) if math.isfinite(number) else None


def _terms(schema: ObjectSchema, query: str) -> list[Term] | None:
    """Conditions of which any may match; [] matches everything, None matches nothing."""
    query = query.strip()
    if not query:
        return []
    searchable = schema.searchable
    name, colon, value = query.partition(":")
    full, _ = objectschema.field_key(schema.key, name.strip())
    named = schema.by_key.get(objectschema.short_key(full)) if colon and full else None
    if named is not None:
        if named not in searchable:
            problem = messages.QUERY_FIELD.format(field=name.strip(), object_key=schema.key)
            raise unprocessable([problem])
        term = _term(named, value.strip())
        return None if term is None else [term]
    # No field named: the text is looked for in every searchable property.
    terms = [term for term in (_term(f, query) for f in searchable) if term is not None]
    return terms or None


def _cursor(raw: list[Any] | None) -> tuple[datetime, str] | None:
    """`searchAfter` as HighLevel returns it: [epoch milliseconds, record id]."""
    if not raw:
        return None
    if len(raw) == 2 and isinstance(raw[1], str) and params.is_object_id(raw[1]):
        moment = raw[0]
        if isinstance(moment, str) and moment.isascii() and moment.isdigit() and len(moment) < 15:
            moment = int(moment)  # int() takes Unicode digits ("\u0661") and fails on "\u00b2"
        if is_number(moment) and 0 <= moment < 10**14:
            return _EPOCH + timedelta(milliseconds=int(moment)), raw[1]
    raise unprocessable([messages.SEARCH_AFTER])


async def search_records(request: web.Request, ctx: Context, project: Project) -> web.Response:
    """Newest first, paged by number or by the `searchAfter` cursor of the last item; the
    page and the total are two reads sent together (one round trip of latency)."""
    key = params.object_key(request)
    loaded = load(SearchSchema, await params.body(request))
    check_location(project, request, loaded["locationId"], required=True)
    schema, _ = await ctx.schemas.get(request, project.id, key)
    terms = _terms(schema, loaded["query"])
    after = _cursor(loaded.get("searchAfter"))
    if terms is None:
        return web.json_response({"records": [], "total": 0})
    limit = loaded["pageLimit"]
    query = Query(
        where=any_of(terms),
        order=_NEWEST_FIRST,
        # Within one scope keys sort as their stored ids do, so (createdAt, key) is a cursor.
        after=after,
        offset=0 if after is not None else (loaded["page"] - 1) * limit,
        limit=limit,
    )
    found, total = await request.app[STORE].records.page(
        objectschema.scope_of(project.id, key), query
    )
    items = [render.search_item(stored, schema) for stored in found]
    return web.json_response({"records": items, "total": total})
