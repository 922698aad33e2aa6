"""Per-record write locks and the retry loop of contended writes (no database)."""

from __future__ import annotations

import asyncio

import pytest

from service.errors import AlreadyExists, Unavailable
from service.store import locks as store_locks
from service.store.locks import RecordLocks, contended, settle


@pytest.fixture(autouse=True)
def no_pauses(monkeypatch):
    monkeypatch.setattr(store_locks, "_pause", lambda tries: 0.0)


async def test_writers_of_one_record_take_turns_and_other_records_do_not_wait():
    locks = RecordLocks()
    inside: dict[str, int] = {"a": 0, "b": 0}
    most: dict[str, int] = {"a": 0, "b": 0}

    async def write(record: str) -> None:
        async with locks.hold("records", record):
            inside[record] += 1
            most[record] = max(most[record], inside[record])
            await asyncio.sleep(0.001)
            inside[record] -= 1

    started = asyncio.get_running_loop().time()
    await asyncio.gather(*(write("a") for _ in range(10)), write("b"))
    assert most == {"a": 1, "b": 1}
    assert asyncio.get_running_loop().time() - started >= 0.01  # a's ten ran one by one
    assert len(locks) == 0


async def test_the_same_id_in_two_collections_is_two_locks():
    locks = RecordLocks()
    async with locks.hold("records", "x"):
        await asyncio.wait_for(_enter(locks, "objectrecords", "x"), 1)
        assert len(locks) == 1  # the other entry came and went


async def _enter(locks: RecordLocks, collection: str, record: str) -> None:
    async with locks.hold(collection, record):
        assert len(locks) == 2


async def test_a_waiter_cancelled_in_the_queue_leaves_no_entry():
    locks = RecordLocks()
    async with locks.hold("records", "x"):
        waiter = asyncio.create_task(_enter(locks, "records", "x"))
        await asyncio.sleep(0)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
    assert len(locks) == 0


async def test_settle_retries_contended_attempts_until_one_lands():
    calls = []

    async def attempt() -> str:
        calls.append(1)
        if len(calls) < 30:
            raise contended()
        return "landed"

    assert await settle(RecordLocks(), "records", "x", attempt) == "landed"
    assert len(calls) == 30


async def test_settle_passes_other_errors_through_at_once():
    calls = []

    async def attempt() -> None:
        calls.append(1)
        raise AlreadyExists("a record with this id already exists")

    with pytest.raises(AlreadyExists):
        await settle(None, "records", "x", attempt)
    assert len(calls) == 1


async def test_settle_gives_up_after_its_deadline_with_503_and_retry_after():
    locks = RecordLocks()

    async def attempt() -> None:
        await asyncio.sleep(0.005)
        raise contended()

    with pytest.raises(Unavailable) as caught:
        await settle(locks, "records", "x", attempt, seconds=0.05)
    assert caught.value.headers["Retry-After"] == "1"
    assert len(locks) == 0  # released on the way out


def test_pauses_are_jittered_and_capped(monkeypatch):
    monkeypatch.undo()
    pauses = [store_locks._pause(tries) for tries in range(40) for _ in range(20)]
    assert all(0 <= p <= 0.05 for p in pauses)
    assert len(set(pauses)) > 100


async def test_a_writer_that_waited_checks_the_database_is_still_there_first():
    down = asyncio.Event()

    def ready() -> None:
        if down.is_set():
            raise Unavailable("database unreachable")

    locks = RecordLocks(ready=ready)
    ran: list[str] = []

    async def write(name: str) -> None:
        async with locks.hold("c", "r"):
            ran.append(name)
            if name == "first":
                down.set()  # the first writer's database went away meanwhile
                await asyncio.sleep(0.01)

    first = asyncio.create_task(write("first"))
    await asyncio.sleep(0)
    with pytest.raises(Unavailable):
        await write("queued")  # fails at once instead of trying the database again
    await first
    assert ran == ["first"] and len(locks) == 0
    await write("alone")  # an uncontended writer is not checked (it pays nothing)
    assert ran == ["first", "alone"]
