"""Concurrent follower edits from 20 clients, and from two replicas: the limit of 10 is
never exceeded and no acknowledged change is lost (the limit is checked inside the one
atomic write)."""

import asyncio

from service.app import create_app
from service.config import Settings
from tests.dialects.highlevel.conftest import create_record, read_record, update_record

CLIENTS = 20


async def test_twenty_concurrent_adds_fill_exactly_ten_follower_slots(client, location, ticket):
    record = await create_record(client, location)
    responses = await asyncio.gather(
        *(
            update_record(client, location, record["id"], {"followers": {"add": [f"user{n}"]}})
            for n in range(CLIENTS)
        )
    )
    statuses = [response.status for response in responses]
    accepted = [f"user{n}" for n, status in enumerate(statuses) if status == 200]
    assert set(statuses) == {200, 422}
    assert len(accepted) == 10
    followers = (await read_record(client, location, record["id"]))["followers"]
    assert sorted(followers) == sorted(accepted)


async def test_concurrent_add_and_remove_keep_every_acknowledged_change(client, location, ticket):
    initial = [f"old{n}" for n in range(8)]
    record = await create_record(client, location, {"followers": initial})
    edits = [{"followers": {"add": [f"new{n}"], "remove": [f"old{n % 8}"]}} for n in range(CLIENTS)]
    responses = await asyncio.gather(
        *(update_record(client, location, record["id"], edit) for edit in edits)
    )
    acked = []
    for edit, response in zip(edits, responses, strict=True):
        assert response.status in (200, 422), await response.text()
        if response.status == 200:
            acked.append(edit["followers"])
            # Every state a client was shown respected the limit.
            assert len((await response.json())["record"]["followers"]) <= 10
    assert 0 < len(acked) < CLIENTS
    removed = {value for change in acked for value in change["remove"]}
    added = [value for change in acked for value in change["add"]]
    final = (await read_record(client, location, record["id"]))["followers"]
    assert len(final) <= 10
    assert set(final) == (set(initial) - removed) | set(added)


async def test_two_replicas_writing_one_record_in_turn_and_at_once_lose_nothing(
    client, aiohttp_client, database, dialect, location, ticket
):
    """Each replica remembers what its own writes left and skips the read once a record
    looks quiet (service.store.lastwrites); the other replica's writes in between must make
    that guess miss, never land on a stale record."""
    other = await aiohttp_client(create_app(Settings(), database=database, dialects=[dialect]))
    record = await create_record(client, location)
    followers: list[str] = []
    turns = "AAAABAAABBAAAABA"  # runs long enough for each replica to trust its memory
    for step, who in enumerate(turns):
        edit = {"add": [f"u{step}"], "remove": [f"u{step - 3}"]}
        followers = [f for f in followers if f != f"u{step - 3}"] + [f"u{step}"]
        response = await update_record(
            client if who == "A" else other, location, record["id"], {"followers": edit}
        )
        assert response.status == 200, await response.text()
        assert (await response.json())["record"]["followers"] == followers
    edits = [{"followers": {"add": [f"new{n}"], "remove": [followers[n % 3]]}} for n in range(12)]
    responses = await asyncio.gather(
        *(
            update_record(client if n % 2 else other, location, record["id"], edit)
            for n, edit in enumerate(edits)
        )
    )
    acked = [e["followers"] for e, r in zip(edits, responses, strict=True) if r.status == 200]
    assert all(r.status in (200, 422) for r in responses) and acked
    removed = {value for change in acked for value in change["remove"]}
    added = [value for change in acked for value in change["add"]]
    final = (await read_record(other, location, record["id"]))["followers"]
    assert set(final) == (set(followers) - removed) | set(added) and len(final) <= 10
