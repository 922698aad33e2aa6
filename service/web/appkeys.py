"""Typed application keys: everything the app holds lives under one of these."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

from service.config import Settings
from service.store.api import Store
from service.web.definitions_cache import DefinitionCache
from service.web.metrics import Metrics

if TYPE_CHECKING:  # dialect.py imports the principal, which imports these keys
    from service.web.dialect import Dialect, Dialects


@dataclass
class Lifecycle:
    """Process state the health checks read; `shutting_down` flips on SIGTERM."""

    shutting_down: bool = False


SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", Store)  # the database, as the service uses it
DIALECTS: web.AppKey[Dialects] = web.AppKey("dialects")
DIALECT: web.RequestKey[Dialect] = web.RequestKey("dialect")  # the request's, set by the edge
METRICS = web.AppKey("metrics", Metrics)
LIFECYCLE = web.AppKey("lifecycle", Lifecycle)
DEFINITION_CACHE = web.AppKey("definition_cache", DefinitionCache)
