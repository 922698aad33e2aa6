"""Typed application keys: everything the app holds lives under one of these."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from service.config import Settings
from service.store.client import Database
from service.store.directory import Directory
from service.store.locks import RecordLocks
from service.store.usage import UsageMeter
from service.web.dialect import Dialects
from service.web.metrics import Metrics


@dataclass
class Lifecycle:
    """Process state the health checks read; `shutting_down` flips on SIGTERM."""

    shutting_down: bool = False


SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
DIRECTORY = web.AppKey("directory", Directory)
DIALECTS = web.AppKey("dialects", Dialects)
METRICS = web.AppKey("metrics", Metrics)
LIFECYCLE = web.AppKey("lifecycle", Lifecycle)
USAGE = web.AppKey("usage", UsageMeter)
RECORD_LOCKS = web.AppKey("record_locks", RecordLocks)  # this replica's per-record write locks
