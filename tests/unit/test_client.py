"""The connection's database keeps the collection objects it builds, and stays the driver's."""

from pymongo.asynchronous.database import AsyncDatabase

from service.store.client import connect


async def test_the_connection_builds_each_collection_object_once():
    connection = connect("mongodb://127.0.0.1:1", "t", timeout_ms=100)
    try:
        database = connection.database
        records = database["records"]
        assert database["records"] is records  # a second lookup: the same object
        assert database.records is records  # attribute access goes through the same cache
        assert database["versions"] is not records
        assert records.name == "records" and records.database is database
        assert isinstance(database, AsyncDatabase) and database.name == "t"
    finally:
        await connection.close()
