"""Where a field's values sit in its object's records, and clearing them when the field
goes. A deleted field is first marked `deleting` (in the transaction that takes it out of
its object); its values are then unset and its definition deleted. Whoever finds the mark
later, a schema load, a same-key create or a repeated delete, finishes the job, so a
crash in between never leaves values that a later field of the same key would show."""

from __future__ import annotations

import contextlib
from typing import Any

from service.core.operations import Plan, Unset
from service.core.queries import Query
from service.dialects.highlevel import objectschema
from service.dialects.highlevel.objectschema import FIELD_CATEGORY
from service.errors import NotFound
from service.store.api import Store

DELETING = "deleting"  # the mark on a field definition whose values are being cleared


def value_paths(doc: dict[str, Any]) -> list[tuple[str, ...]]:
    """Where a field's values sit in record content (a textbox list: one key per option)."""
    key = objectschema.short_key(doc["key"])
    if doc["dataType"] == objectschema.TEXTBOX_LIST:
        return [
            (objectschema.PROPERTIES, f"{key}.{option['key']}")
            for option in doc.get("options") or ()
        ]
    return [(objectschema.PROPERTIES, key)]


async def finish_delete(store: Store, project: str, doc: dict[str, Any]) -> None:
    """Clear the values of the field `doc` (marked deleting) and delete its definition;
    idempotent, so two finishers may meet."""
    paths = value_paths(doc)
    if paths:  # a textbox list without options has none
        scope = objectschema.scope_of(project, doc["objectKey"])
        await store.records.update_where(scope, Query(), Plan(tuple(map(Unset, paths))))
    with contextlib.suppress(NotFound):  # another finisher got there first
        await store.definitions.delete(project, FIELD_CATEGORY, doc["_id"])


async def finish_marked(
    store: Store, project: str, fields: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Finish the delete of every field among `fields` marked deleting; the others."""
    live = []
    for doc in fields:
        if doc.get(DELETING):
            await finish_delete(store, project, doc)
        else:
            live.append(doc)
    return live
