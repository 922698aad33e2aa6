"""Database round trips of a record update, counted with a command listener: with the key and
the object's fields cached, the seed's kind of update is one read and one write guarded by
the revision read (the add/remove arrays computed in between), and once a read has shown the
record as this replica left it, the guarded write alone."""

from __future__ import annotations

import pytest

from service.app import create_app
from service.config import Settings
from service.dialects.highlevel.dialect import HighLevelDialect
from tests.dialects.highlevel.conftest import RECORDS, create_record, read_record, update_record


@pytest.fixture
async def counted(aiohttp_client, counted_database):
    listened, commands = counted_database
    app = create_app(Settings(), database=listened, dialects=[HighLevelDialect()])
    return await aiohttp_client(app), commands


async def test_an_update_with_two_add_remove_fields_and_three_scalars_is_two_round_trips_then_one(
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
    assert commands.names == ["find", "update"]
    # The read found the record as this replica's last write left it: the next update
    # starts from that document, and its guarded write is the one round trip.
    commands.names.clear()
    response = await update_record(client, location, record["id"], body)
    assert response.status == 200 and commands.names == ["update"]
    assert (await response.json())["record"] == await read_record(client, location, record["id"])


async def test_get_is_one_round_trip_search_two_or_three_and_create_and_delete_one_transaction(
    counted, location, ticket
):
    """A record and its catalog entry are written together (objectschema.scope_of)."""
    client, commands = counted
    await create_record(client, location)  # warms the key and schema caches
    commands.names.clear()
    record = await create_record(client, location, {"properties": {"ticket_name": "x"}})
    assert commands.names == ["insert", "insert", "commitTransaction"]
    path = f"{RECORDS}/{record['id']}"
    commands.names.clear()
    assert (await client.get(path, headers=location.headers)).status == 200
    assert commands.names == ["find"]
    commands.names.clear()
    body = {"locationId": location.id, "query": "ticket_name:x"}
    response = await client.post(f"{RECORDS}/search", json=body, headers=location.headers)
    assert (await response.json())["total"] == 1
    assert sorted(commands.names) == ["aggregate", "find"]  # page and count, sent together
    commands.names.clear()
    body = {"locationId": location.id, "pageLimit": 1}  # no query: the catalog's page
    response = await client.post(f"{RECORDS}/search", json=body, headers=location.headers)
    assert (await response.json())["total"] == 2
    assert sorted(commands.names[:2]) == ["aggregate", "find"] and commands.names[2:] == ["find"]
    commands.names.clear()
    assert (await client.delete(path, headers=location.headers)).status == 200
    assert commands.names == ["find", "delete", "delete", "commitTransaction"]
