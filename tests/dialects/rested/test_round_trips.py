"""Database round trips of the seed's PUT, counted with a command listener: with the key and
the endpoint cached, each strategy is one write, plus one read where the answer needs the
stored record (a merge's always does: the content is the stored one merged), unless this
replica remembers the record as its last write left it (service.store.lastwrites)."""

from __future__ import annotations

import pytest

from service.app import create_app
from service.config import Settings
from tests.dialects.rested.conftest import ADMIN_TOKEN, Rested, as_json, make_endpoint, make_project

STORED = {"kept": 1, "nested": {"a": 1}}


@pytest.fixture
async def counted(aiohttp_client, counted_database, dialect):
    listened, commands = counted_database
    app = create_app(Settings(admin_token=ADMIN_TOKEN), database=listened, dialects=[dialect])
    client = await aiohttp_client(app)
    project = await make_project(client)
    await make_endpoint(client, project, "my-project/cars")
    return Rested(client, project), commands


@pytest.mark.parametrize(
    ("strategy", "data_only", "expected"),
    [
        ("force", False, ["update", "find"]),
        ("replace", False, ["update", "find"]),
        ("merge", False, ["update", "find"]),
        ("force", True, ["update"]),
        ("replace", True, ["update"]),
        ("merge", True, ["update", "find"]),
    ],
)
async def test_a_put_is_one_write_and_a_read_only_where_the_answer_needs_it(
    counted, strategy, data_only, expected
):
    rested, commands = counted
    created = await rested.create("my-project/cars", STORED)
    params = {"uniqueId": created["uniqueId"], "strategy": strategy}
    if data_only:
        params["dataOnly"] = "true"
    body = {"nested": {"b": 2}}
    await rested.ok("PUT", "my-project/cars", params=params, **as_json(body))  # warms caches
    commands.names.clear()
    answer = await rested.ok("PUT", "my-project/cars", params=params, **as_json(body))
    assert commands.names == expected
    data = answer if data_only else answer["data"]
    merged = {"kept": 1, "nested": {"a": 1, "b": 2}}
    assert data == (merged if strategy == "merge" else body)
    # The read found the record one revision on from what this replica's write before had
    # read back: the next PUT starts from that record, and is the guarded write alone.
    commands.names.clear()
    again = {"nested": {"c": 3}}
    answer = await rested.ok("PUT", "my-project/cars", params=params, **as_json(again))
    assert commands.names == ["update"]
    read = await rested.ok("GET", "my-project/cars", params={"uniqueId": created["uniqueId"]})
    assert answer == (read["data"] if data_only else read)  # the answer is the record
