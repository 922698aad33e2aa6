"""The Store's parts map driver errors on every public method (service.store.errors.mapped)."""

import inspect

import pytest
from mongomock_motor import AsyncMongoMockClient
from pymongo.errors import AutoReconnect, DuplicateKeyError

from service.errors import AlreadyExists, DatabaseUnavailable
from service.store.api import Store
from service.store.errors import mapped


@mapped
class Part:
    async def fails(self, exc: Exception) -> None:
        raise exc

    async def _private(self) -> None:
        raise AutoReconnect("down")


async def test_a_mapped_method_raises_domain_errors_and_keeps_its_name():
    with pytest.raises(DatabaseUnavailable):
        await Part().fails(AutoReconnect("down"))
    with pytest.raises(AlreadyExists):
        await Part().fails(DuplicateKeyError("dup", code=11000))
    assert Part.fails.__name__ == "fails"
    with pytest.raises(AutoReconnect):  # private helpers are the part's own business
        await Part()._private()


def test_every_public_coroutine_of_every_store_part_is_mapped():
    store = Store(AsyncMongoMockClient()["t"], key_cache_seconds=0)
    parts = [
        store.records,
        store.definitions,
        store.projects,
        store.users,
        store.sessions,
        store.files,
    ]
    for part in parts:
        methods = [
            (name, member)
            for name, member in vars(type(part)).items()
            if not name.startswith("_") and inspect.iscoroutinefunction(member)
        ]
        assert methods, type(part).__name__
        for name, member in methods:
            assert hasattr(member, "__wrapped__"), f"{type(part).__name__}.{name} is not mapped"
