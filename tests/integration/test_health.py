"""/readyz follows the database: false while it is stopped, true again once it is back."""

import asyncio

from service.app import create_app
from service.config import Settings
from service.store.client import connect
from service.store.embedded import EmbeddedDatabase


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
        connection.close()


async def test_readyz_is_false_once_shutdown_begins(aiohttp_client, database):
    app = create_app(Settings(), database=database)
    client = await aiohttp_client(app)
    assert (await client.get("/readyz")).status == 200
    await app.shutdown()
    response = await client.get("/readyz")
    assert response.status == 503
    assert (await response.json())["status"] == "shutting down"
