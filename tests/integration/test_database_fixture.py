"""The session database fixture gives each test its own empty database on a real server."""


async def test_fresh_database_is_empty_and_writable(database):
    assert await database.list_collection_names() == []
    await database.things.insert_one({"_id": 1, "n": 1})
    assert await database.things.find_one({"_id": 1}) == {"_id": 1, "n": 1}
