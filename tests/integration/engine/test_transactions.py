"""What service.store.transactions relies on, checked on SecantusDB: write conflicts between
transactions, snapshot reads that do not see each other, and a guard that turns a
count-then-insert into one that holds under concurrency."""

import asyncio

import pytest
from pymongo.errors import OperationFailure

from service.errors import Overloaded
from service.store import transactions

LIMIT = 3
WRITERS = 12


async def test_a_second_transaction_writing_the_same_document_conflicts_at_once(database):
    await database.docs.insert_one({"_id": "d", "n": 0})
    client = database.client
    async with client.start_session() as first, client.start_session() as second:
        await first.start_transaction()
        await second.start_transaction()
        await database.docs.update_one({"_id": "d"}, {"$inc": {"n": 1}}, session=first)
        with pytest.raises(OperationFailure) as caught:
            await database.docs.update_one({"_id": "d"}, {"$inc": {"n": 1}}, session=second)
        assert caught.value.has_error_label("TransientTransactionError")
        await first.commit_transaction()
        await second.abort_transaction()
    assert (await database.docs.find_one({"_id": "d"}))["n"] == 1


async def test_a_write_to_a_document_committed_after_the_snapshot_conflicts(database):
    await database.docs.insert_one({"_id": "d", "n": 0})
    async with database.client.start_session() as session:
        await session.start_transaction()
        assert await database.docs.count_documents({}, session=session) == 1  # snapshot taken
        await database.docs.update_one({"_id": "d"}, {"$inc": {"n": 10}})
        await database.docs.insert_one({"_id": "e"})
        # The snapshot does not see the insert made since ...
        assert await database.docs.count_documents({}, session=session) == 1
        # ... and writing the document changed since fails instead of overwriting it.
        with pytest.raises(OperationFailure) as caught:
            await database.docs.update_one({"_id": "d"}, {"$inc": {"n": 1}}, session=session)
        assert caught.value.has_error_label("TransientTransactionError")
        await session.abort_transaction()


async def _insert_under_limit(database, n, *, guarded):
    async def work(session):
        await asyncio.sleep(0.001 * (n % 3))  # interleave the writers' reads and writes
        if await database.items.count_documents({"project": "p"}, session=session) >= LIMIT:
            return False
        if guarded:
            await transactions.guard(database, session, project="p", name="items")
        await database.items.insert_one({"project": "p", "n": n}, session=session)
        return True

    return await transactions.run(database, work)


@pytest.mark.parametrize("guarded", [True, False])
async def test_only_a_guard_keeps_concurrent_count_then_insert_under_the_limit(database, guarded):
    await database.create_collection("items")
    results = await asyncio.gather(
        *(_insert_under_limit(database, n, guarded=guarded) for n in range(WRITERS)),
        return_exceptions=True,
    )
    assert not [r for r in results if isinstance(r, BaseException)], results
    stored = await database.items.count_documents({"project": "p"})
    if guarded:
        assert stored == LIMIT and results.count(True) == LIMIT
    else:  # snapshot isolation lets every writer count below the limit (write skew)
        assert stored > LIMIT


async def test_a_transaction_that_keeps_conflicting_ends_in_503_with_retry_after(database):
    await database.docs.insert_one({"_id": "d", "n": 0})

    async def work(session):
        await database.docs.find_one({"_id": "d"}, session=session)  # snapshot taken
        await database.docs.update_one({"_id": "d"}, {"$inc": {"n": 100}})  # another writer
        await database.docs.update_one({"_id": "d"}, {"$inc": {"n": 1}}, session=session)

    # Losing to other writers is never a refusal (409): the client is told to try again.
    with pytest.raises(Overloaded) as caught:
        await asyncio.wait_for(transactions.run(database, work, attempts=2), 30)
    assert caught.value.headers["Retry-After"]
    assert (await database.docs.find_one({"_id": "d"}))["n"] == 200  # none of its writes
