"""create_app: the one place that wires settings, database, middlewares and routes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from service.config import Section, Settings
from service.dialects.highlevel.dialect import HighLevelDialect
from service.dialects.jsonbin.dialect import JsonBinDialect
from service.dialects.rested.dialect import RestedDialect
from service.errors import Unavailable
from service.store.api import Store
from service.store.client import Database, connect, describe, ping
from service.store.embedded import EmbeddedDatabase
from service.web import admin, health, openapi
from service.web.appkeys import (
    DEFINITION_CACHE,
    DIALECTS,
    LIFECYCLE,
    METRICS,
    SETTINGS,
    STORE,
    Lifecycle,
)
from service.web.definitions_cache import DefinitionCache
from service.web.dialect import Dialect, Dialects
from service.web.metrics import Metrics
from service.web.middleware import edge

log = logging.getLogger(__name__)

EMBEDDED = web.AppKey("embedded", EmbeddedDatabase)

# Every dialect RecordHub speaks: adding one is one line here.
DIALECT_CLASSES: tuple[type[Dialect], ...] = (JsonBinDialect, HighLevelDialect, RestedDialect)


def embedded_storage(settings: Settings) -> str:
    return str(Path(settings.data_dir) / "db")


def create_app(
    settings: Settings,
    *,
    database: Database | None = None,
    dialects: list[Dialect] | None = None,
) -> web.Application:
    """Build the application. With `database` given the caller owns it (tests); otherwise
    the app connects on startup (starting the embedded database when MONGODB_URI is unset)
    and closes everything on cleanup. `dialects` defaults to every dialect RecordHub speaks.
    """
    app = web.Application(
        middlewares=[edge],
        client_max_size=settings.max_body_bytes,
    )
    app[SETTINGS] = settings
    app[METRICS] = Metrics()
    app[LIFECYCLE] = Lifecycle()
    app[DEFINITION_CACHE] = DefinitionCache()
    registry = Dialects()
    registry.add(admin.AdminDialect())
    app[DIALECTS] = registry
    health.add_routes(app)
    admin.add_routes(app)
    for dialect in dialects if dialects is not None else default_dialects(settings):
        registry.add(dialect)
        app.router.add_routes(dialect.routes())
        admin.add_dialect_routes(app, dialect)
    openapi.add_routes(app)  # last: the spec is built from every route registered so far
    if database is not None:
        _attach_database(app, database)
    else:
        app.cleanup_ctx.append(_database_context)
    app.cleanup_ctx.append(_limits_flusher)
    app.on_startup.append(_create_indexes)
    app.on_shutdown.append(_mark_shutting_down)
    return app


def default_dialects(settings: Settings) -> list[Dialect]:
    return [kind.from_settings(settings) for kind in DIALECT_CLASSES]


def settings_sections() -> list[type[Section]]:
    """The dialects' settings classes, for the loader to read with the core's."""
    return [kind.settings_class for kind in DIALECT_CLASSES if kind.settings_class is not None]


def _attach_database(app: web.Application, database: Database) -> None:
    app[STORE] = Store(database, key_cache_seconds=app[SETTINGS].key_cache_seconds)


async def _limits_flusher(app: web.Application) -> AsyncIterator[None]:
    """Flush the metered limits' counts in the background; one last flush on the way out."""
    task = asyncio.create_task(app[STORE].metered_limits.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _database_context(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    uri = settings.mongodb_uri
    embedded = None
    if uri is None:
        embedded = EmbeddedDatabase(
            storage=embedded_storage(settings),
            log_path=str(Path(settings.data_dir) / "embedded.log"),
        )
        uri = await embedded.start_async()
        app[EMBEDDED] = embedded
    connection = connect(uri, settings.mongodb_db, timeout_ms=settings.db_timeout_ms)
    try:
        await ping(connection.database, where=f"database at {describe(uri)}")
    except Unavailable:
        await connection.close()
        if embedded is not None:
            await embedded.stop_async()
        raise
    _attach_database(app, connection.database)
    try:
        yield
    finally:
        await connection.close()
        if embedded is not None:
            await embedded.stop_async()


async def _create_indexes(app: web.Application) -> None:
    await app[STORE].ensure_indexes()
    for dialect in app[DIALECTS]:
        await dialect.ensure_indexes(app[STORE])


async def _mark_shutting_down(app: web.Application) -> None:
    app[LIFECYCLE].shutting_down = True
