"""Health and metrics routes: /livez (no I/O), /readyz (database ping), /metrics."""

from __future__ import annotations

import asyncio

from aiohttp import web

from service.errors import Unavailable
from service.web.appkeys import LIFECYCLE, METRICS, SETTINGS, STORE


async def live(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def ready(request: web.Request) -> web.Response:
    app = request.app
    if app[LIFECYCLE].shutting_down:
        return web.json_response({"status": "shutting down"}, status=503)
    try:
        # Known down: answer at once, without a ping that would wait out server selection.
        app[STORE].check_reachable()
        await asyncio.wait_for(app[STORE].ping(), app[SETTINGS].ready_timeout_seconds)
    except (TimeoutError, Unavailable):
        return web.json_response({"status": "database unavailable"}, status=503)
    return web.json_response({"status": "ready"})


async def metrics(request: web.Request) -> web.Response:
    return request.app[METRICS].render()


def add_routes(app: web.Application) -> None:
    app.router.add_get("/livez", live)
    app.router.add_get("/readyz", ready)
    app.router.add_get("/metrics", metrics)
