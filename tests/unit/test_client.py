"""The connection's database keeps the collection objects it builds, and stays motor's."""

from motor.motor_asyncio import AsyncIOMotorDatabase

from service.store.client import connect


def test_the_connection_builds_each_collection_object_once():
    connection = connect("mongodb://127.0.0.1:1", "t", timeout_ms=100)
    try:
        database = connection.database
        records = database["records"]
        assert database["records"] is records  # a second lookup: the same object
        assert database.records is records  # attribute access goes through the same cache
        assert database["versions"] is not records
        assert records.name == "records" and records.database is database
        assert isinstance(database, AsyncIOMotorDatabase) and database.name == "t"
    finally:
        connection.close()
