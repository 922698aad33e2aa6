"""Faults: a database killed in the middle of an all-or-nothing batch leaves all or none."""

from __future__ import annotations

import asyncio
import threading

import pytest
from pymongo import AsyncMongoClient, monitoring

from service.errors import Unavailable
from service.store.batches import Create
from service.store.bulk import apply_all
from service.store.records import Scope
from service.web.statuses import status_for

BATCH = 5000  # sent as one insert command, which the server takes seconds to write
KILL_AFTER = 1  # insert commands sent inside the transaction before the server dies


class InsertCounter(monitoring.CommandListener):
    """Signals once the batch is well under way (listeners run on the driver's threads)."""

    def __init__(self) -> None:
        self.count = 0
        self.reached = threading.Event()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "insert":
            self.count += 1
            if self.count >= KILL_AFTER:
                self.reached.set()

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def test_killing_the_database_mid_batch_leaves_all_or_none_and_raises_503(own_server):
    counter = InsertCounter()
    client: AsyncMongoClient = AsyncMongoClient(
        own_server.uri,
        serverSelectionTimeoutMS=500,
        connectTimeoutMS=500,
        event_listeners=[counter],
    )
    database = client["faults"]
    scope = Scope("p1", "rows")
    items = [Create(f"row{i}", {"i": i}) for i in range(BATCH)]
    batch = asyncio.create_task(apply_all(database, scope, items))
    reached = await asyncio.to_thread(counter.reached.wait, 30)
    assert reached and not batch.done()  # the kill lands in the middle of the batch
    own_server.kill()
    with pytest.raises(Unavailable) as caught:
        await batch
    assert status_for(caught.value) == 503
    await client.close()

    own_server.start()
    check: AsyncMongoClient = AsyncMongoClient(own_server.uri)
    try:
        written = await check["faults"].records.count_documents({"ns": "rows"})
    finally:
        await check.close()
    assert written in (0, BATCH)
