"""The key directory: concurrent misses share one read, and a forget is never undone by a
read that was already in flight."""

from __future__ import annotations

import asyncio

from service.store import projects
from service.store.directory import Directory


async def test_concurrent_misses_of_one_key_cost_one_read_each_of_key_and_project(
    counted_database,
):
    db, commands = counted_database
    project, keys = await projects.create_project(db, name="herd")
    directory = Directory(db, ttl=60)
    commands.names.clear()
    found = await asyncio.gather(*(directory.resolve(keys["masterKey"]) for _ in range(20)))
    assert commands.names == ["find", "find"]  # the key, then its project
    assert {result[0].id for result in found if result is not None} == {project.id}
    assert all(result is not None for result in found)
    commands.names.clear()
    await directory.resolve(keys["masterKey"])
    assert commands.names == []  # cached now


async def test_a_caller_that_is_cancelled_does_not_cancel_the_shared_read(counted_database):
    db, _commands = counted_database
    project, keys = await projects.create_project(db, name="cancelled")
    directory = Directory(db, ttl=60)
    first = asyncio.ensure_future(directory.resolve(keys["masterKey"]))
    second = asyncio.ensure_future(directory.resolve(keys["masterKey"]))
    await asyncio.sleep(0)
    first.cancel()
    result = await second
    assert result is not None and result[0].id == project.id


async def test_a_read_in_flight_when_a_project_is_forgotten_does_not_fill_the_cache(
    counted_database,
):
    db, commands = counted_database
    project, _keys = await projects.create_project(db, name="forgotten")
    directory = Directory(db, ttl=60)
    commands.names.clear()
    before = asyncio.ensure_future(directory.project(project.id))
    await asyncio.sleep(0)  # the read has started
    directory.forget_project(project.id)
    after = await directory.project(project.id)  # starts its own read
    await before
    assert after is not None
    assert commands.names == ["find", "find"]
    commands.names.clear()
    await directory.project(project.id)
    assert commands.names == []  # the second read filled the cache
