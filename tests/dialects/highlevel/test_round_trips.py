"""Database round trips of a record update, counted with a command listener: with the key and
the object's fields cached, the seed's kind of update is the atomic write and one read."""

from __future__ import annotations

import pytest
from motor.motor_asyncio import AsyncIOMotorClient
from pymongo import monitoring

from service.app import create_app
from service.config import Settings
from service.dialects.highlevel.dialect import HighLevelDialect
from tests.dialects.highlevel.conftest import create_record, update_record


class Commands(monitoring.CommandListener):
    def __init__(self) -> None:
        self.names: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.names.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@pytest.fixture
async def counted(aiohttp_client, db_uri, database):
    commands = Commands()
    listened: AsyncIOMotorClient = AsyncIOMotorClient(
        db_uri, event_listeners=[commands], tz_aware=True
    )
    app = create_app(Settings(), database=listened[database.name], dialects=[HighLevelDialect()])
    yield await aiohttp_client(app), commands
    listened.close()


async def test_an_update_with_two_add_remove_fields_and_three_scalars_is_two_round_trips(
    counted, location, ticket
):
    client, commands = counted
    record = await create_record(client, location, {"followers": ["a"]})
    body = {
        "followers": {"add": ["b"], "remove": ["a"]},
        "properties": {
            "section_of_app": {
                "add": ["option_2_internal_key"],
                "remove": ["option_1_internal_key"],
            },
            "ticket_name": "renamed",
            "customer_number": 3,
            "recieved_on": "2024-07-11",
        },
    }
    await update_record(client, location, record["id"], body)  # warms the schema cache
    commands.names.clear()
    response = await update_record(client, location, record["id"], body)
    assert response.status == 200
    assert commands.names == ["update", "find"]
