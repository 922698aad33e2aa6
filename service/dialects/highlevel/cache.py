"""Object schemas (an object and its field definitions) through the app's definition cache."""

from __future__ import annotations

from aiohttp import web

from service.core.queries import Eq, Meta, Query
from service.dialects.highlevel import messages
from service.dialects.highlevel.fieldvalues import finish_marked
from service.dialects.highlevel.objectschema import FIELD_CATEGORY, OBJECT_CATEGORY, ObjectSchema
from service.errors import NotFound
from service.store.api import Store
from service.web.appkeys import DEFINITION_CACHE, STORE


class SchemaCache:
    """A record write validates against its object's fields; with them cached it costs no
    read, so an update is two round trips (the atomic write, then the read of the result).

    Staleness: a change made through this replica (a field created, updated or deleted, an
    object updated) drops the entry at once. Another replica keeps its copy for up to `ttl`
    seconds (HIGHLEVEL_SCHEMA_CACHE_SECONDS): until then it may refuse a new field or
    option, or accept a value for a field that was just deleted (the value then stays on
    that record until overwritten or removed). Unknown objects are not cached.
    """

    def __init__(self, *, ttl: float = 5.0) -> None:
        self.ttl = ttl

    async def get(
        self, request: web.Request, project: str, object_key: str
    ) -> tuple[ObjectSchema, bool]:
        """The object's schema and whether it came from the cache; NotFound if no object."""
        store = request.app[STORE]
        return await request.app[DEFINITION_CACHE].get(
            (OBJECT_CATEGORY, project, object_key),
            lambda: _load(store, project, object_key),
            ttl=self.ttl,
        )

    def forget(self, request: web.Request, project: str, object_key: str) -> None:
        """Called after this replica changes the object or one of its fields."""
        request.app[DEFINITION_CACHE].forget((OBJECT_CATEGORY, project, object_key))


async def _load(store: Store, project: str, object_key: str) -> ObjectSchema:
    """The object and its fields, oldest first, in one read; a field whose delete a crash
    cut short is finished here and left out (service.dialects.highlevel.fieldvalues)."""
    docs = await store.definitions.find(
        project,
        (OBJECT_CATEGORY, FIELD_CATEGORY),
        Query(where=Eq(Meta("objectKey"), object_key)),
    )
    objects = [doc for doc in docs if doc["category"] == OBJECT_CATEGORY]
    if not objects:
        raise NotFound(messages.OBJECT_NOT_FOUND)
    fields = [doc for doc in docs if doc["category"] == FIELD_CATEGORY]
    return ObjectSchema.build(objects[0], await finish_marked(store, project, fields))
