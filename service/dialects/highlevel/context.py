"""What every HighLevel handler shares: the rate limiter and the schema cache of this app."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from service.dialects.highlevel.cache import SchemaCache
from service.dialects.highlevel.ratelimit import RateLimiter
from service.store.projects import Project


@dataclass(frozen=True)
class Context:
    limiter: RateLimiter
    schemas: SchemaCache


# A handler gets the request, the context and the caller's (authenticated) project.
Handler = Callable[[web.Request, Context, Project], Awaitable[web.Response]]
