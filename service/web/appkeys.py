"""Typed application keys: everything the app holds lives under one of these."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

from service.config import Settings
from service.store.client import Database
from service.store.directory import Directory
from service.store.locks import RecordLocks
from service.store.windows import ExactLimiter, MeteredLimiter
from service.web.definitions_cache import DefinitionCache
from service.web.metrics import Metrics

if TYPE_CHECKING:  # dialect.py imports the principal, which imports these keys
    from service.web.dialect import Dialects


@dataclass
class Lifecycle:
    """Process state the health checks read; `shutting_down` flips on SIGTERM."""

    shutting_down: bool = False


SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
DIRECTORY = web.AppKey("directory", Directory)
DIALECTS: web.AppKey[Dialects] = web.AppKey("dialects")
METRICS = web.AppKey("metrics", Metrics)
LIFECYCLE = web.AppKey("lifecycle", Lifecycle)
EXACT_LIMITS = web.AppKey("exact_limits", ExactLimiter)  # counted in the database per hit
METERED_LIMITS = web.AppKey("metered_limits", MeteredLimiter)  # counted here, flushed often
RECORD_LOCKS = web.AppKey("record_locks", RecordLocks)  # this replica's per-record write locks
DEFINITION_CACHE = web.AppKey("definition_cache", DefinitionCache)
