"""The key directory: concurrent misses share one read; after a forget, callers read afresh."""

from __future__ import annotations

import asyncio

import pytest

from service.store import projects
from service.store.directory import Directory


@pytest.fixture
async def setup(counted_database):
    """A project, an empty directory over a counted client, and the commands it sends."""
    db, commands = counted_database
    project, keys = await projects.create_project(db, name="directory")
    commands.names.clear()
    return Directory(db, ttl=60), project, keys["masterKey"], commands


async def test_concurrent_misses_of_one_key_cost_one_read_each_of_key_and_project(setup):
    directory, project, key, commands = setup
    found = await asyncio.gather(*(directory.resolve(key) for _ in range(20)))
    assert commands.names == ["find", "find"]  # the key, then its project
    assert {result[0].id for result in found if result is not None} == {project.id}
    assert all(result is not None for result in found)
    commands.names.clear()
    await directory.resolve(key)
    assert commands.names == []  # cached now


async def test_a_caller_that_is_cancelled_does_not_cancel_the_shared_read(setup):
    directory, project, key, _ = setup
    first = asyncio.ensure_future(directory.resolve(key))
    second = asyncio.ensure_future(directory.resolve(key))
    await asyncio.sleep(0)
    first.cancel()
    result = await second
    assert result is not None and result[0].id == project.id


async def test_after_a_forget_a_caller_reads_afresh_though_an_older_read_is_in_flight(setup):
    directory, project, _, commands = setup
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
