"""/readyz follows the database: false while it is stopped, true again once it is back; and
while it is down, every store path and every dialect answers a prompt 503 with Retry-After."""

import asyncio
import time

import pytest
from aiohttp import web
from pymongo.errors import AutoReconnect

from service.app import create_app
from service.config import Settings
from service.errors import Unavailable
from service.store import definitions, projects
from service.store.client import connect
from service.store.directory import Directory
from service.store.embedded import EmbeddedDatabase
from service.store.windows import Every, ExactLimiter
from service.web.dialect import Dialect

ADMIN = "health-admin-token-000000"


async def wait_for_status(client, path, status, seconds=15.0):
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        response = await client.get(path)
        if response.status == status or asyncio.get_running_loop().time() > deadline:
            return response
        await asyncio.sleep(0.2)


async def test_readyz_goes_false_when_database_stops_and_true_when_back(aiohttp_client, own_server):
    connection = connect(own_server.uri, "health", timeout_ms=500)
    app = create_app(Settings(ready_timeout_seconds=0.5), database=connection.database)
    client = await aiohttp_client(app)
    try:
        assert (await client.get("/readyz")).status == 200
        await asyncio.to_thread(own_server.stop)
        down = await wait_for_status(client, "/readyz", 503)
        assert down.status == 503
        assert (await down.json())["status"] == "database unavailable"
        assert (await client.get("/livez")).status == 200
        restarted = EmbeddedDatabase(storage=own_server.storage, port=own_server.port)
        await restarted.start_async()
        own_server.process = restarted.process
        up = await wait_for_status(client, "/readyz", 200)
        assert up.status == 200
    finally:
        await connection.close()


async def test_readyz_is_false_once_shutdown_begins(aiohttp_client, database):
    app = create_app(Settings(), database=database)
    client = await aiohttp_client(app)
    assert (await client.get("/readyz")).status == 200
    await app.shutdown()
    response = await client.get("/readyz")
    assert response.status == 503
    assert (await response.json())["status"] == "shutting down"


async def test_database_down_answers_503_with_retry_after_in_each_dialects_envelope(
    aiohttp_client, own_server
):
    connection = connect(own_server.uri, "envelopes", timeout_ms=1000)
    settings = Settings(admin_token=ADMIN, key_cache_seconds=0, db_timeout_ms=1000)
    client = await aiohttp_client(create_app(settings, database=connection.database))
    try:
        project, keys = await projects.create_project(connection.database, name="p")
        await asyncio.to_thread(own_server.kill)
        bearer = {"Authorization": f"Bearer {keys['masterKey']}", "Version": "2021-07-28"}
        calls = [
            ("/v3/b/0123456789abcdef01234567", {"X-Master-Key": keys["masterKey"]}),
            (f"/objects/?locationId={project.id}", bearer),
            (f"/admin/projects/{project.id}", {"Authorization": f"Bearer {ADMIN}"}),
        ]
        bodies = []
        for path, headers in calls:
            started = time.monotonic()
            response = await client.get(path, headers=headers)
            assert time.monotonic() - started < 2.0, path  # the 1 s timeout, and some slack
            assert response.status == 503, (path, await response.text())
            assert response.headers["Retry-After"] == "2"
            bodies.append((await response.json(), response.headers["X-Request-ID"]))
        assert (await client.get("/livez")).status == 200
    finally:
        await connection.close()
    (jsonbin, _), (highlevel, trace), (admin, _) = bodies
    assert jsonbin == {"message": "Service temporarily unavailable"}
    assert highlevel == {
        "statusCode": 503,
        "message": "Service Unavailable",
        "error": "Service Unavailable",
        "traceId": trace,
    }
    assert admin["error"]["code"] == "unavailable"


class _Untranslated(Dialect):
    """A dialect whose handler lets a driver error escape, as a store call might."""

    name = "untranslated"
    prefixes = ("/untranslated",)

    def routes(self) -> list[web.RouteDef]:
        async def handler(request: web.Request) -> web.Response:
            raise AutoReconnect("connection closed")

        return [web.get("/untranslated", handler)]


async def test_driver_error_escaping_a_handler_becomes_503_not_500(aiohttp_client, database):
    app = create_app(Settings(), database=database, dialects=[_Untranslated()])
    response = await (await aiohttp_client(app)).get("/untranslated")
    assert response.status == 503
    assert response.headers["Retry-After"] == "2"
    assert (await response.json())["error"]["code"] == "unavailable"


async def test_store_calls_with_the_database_down_raise_unavailable_within_the_timeout(
    own_server,
):
    connection = connect(own_server.uri, "down", timeout_ms=1000)
    db = connection.database
    project, keys = await projects.create_project(db, name="p")
    await asyncio.to_thread(own_server.kill)
    directory = Directory(db, ttl=0)
    calls = {
        "get_project": lambda: projects.get_project(db, project.id),
        "lookup_key": lambda: projects.lookup_key(db, keys["masterKey"]),
        "create_project": lambda: projects.create_project(db, name="q"),
        "definitions.find": lambda: definitions.find(db, project.id, ("c",)),
        "definitions.create": lambda: definitions.create(
            db, project=project.id, category="c", attrs={}
        ),
        "windows.hit": lambda: ExactLimiter(db).hit(project.id, 10, Every(60)),
        "directory.resolve": lambda: directory.resolve(keys["masterKey"]),
    }
    try:
        for name, call in calls.items():
            started = time.monotonic()
            with pytest.raises(Unavailable) as caught:
                await call()
            # The selection timeout; a read cut off by the kill is retried once, hence slack.
            assert time.monotonic() - started < 1.0 + 1.0, name
            assert caught.value.headers == {"Retry-After": "2"}, name
    finally:
        await connection.close()
