"""Shared limit windows on the real database: exact hits never overshoot, metered counts
flushed by several replicas add up, and windows turn."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest

from service.app import create_app
from service.config import Settings
from service.store.client import connect
from service.store.windows import (
    MONTH,
    WINDOWS,
    CalendarMonth,
    Every,
    ExactLimiter,
    MeteredLimiter,
    ensure_indexes,
)
from service.web.appkeys import STORE

MINUTE = Every(60)
HOUR = Every(3600)
# A fixed clock, years ahead: no window turns during a test, none is due for TTL removal.
SOON = 4_102_444_804.5  # 2100-01-01T00:00:04.5Z


def fixed() -> float:
    return SOON


async def stored_count(database, key: str, period, now: float = SOON) -> int:
    label, _ = period.window(now)
    doc = await database[WINDOWS].find_one({"_id": f"{key}|{period.name}|{label}"})
    return int(doc["count"]) if doc else 0


async def at_window_start(period: Every) -> None:
    """Sleep into a fresh window, so a short test does not straddle two."""
    _, end = period.window(time.time())
    await asyncio.sleep(end - time.time() + 0.02)


# --- exact -------------------------------------------------------------------------------


async def test_exact_mode_admits_exactly_the_limit_under_50_concurrent_hits_from_two_replicas(
    database,
):
    replicas = [ExactLimiter(database, clock=fixed), ExactLimiter(database, clock=fixed)]
    decisions = await asyncio.gather(
        *(replicas[n % 2].hit("login:1.2.3.4", 10, MINUTE) for n in range(50))
    )
    assert sum(decision.allowed for decision in decisions) == 10
    assert await stored_count(database, "login:1.2.3.4", MINUTE) == 10
    refused = [decision for decision in decisions if not decision.allowed]
    assert all(decision.remaining == 0 for decision in refused)
    assert all(decision.retry_after == 56 for decision in refused)  # 55.5 s, rounded up


async def test_exact_hits_count_down_and_a_refusal_says_when_the_window_turns(database):
    limiter = ExactLimiter(database, clock=fixed)
    remaining = [(await limiter.hit("signup:ip", 3, MINUTE)).remaining for _ in range(3)]
    assert remaining == [2, 1, 0]
    refused = await limiter.hit("signup:ip", 3, MINUTE)
    assert not refused.allowed
    assert refused.reset_at == 4_102_444_860.0
    assert refused.retry_after == 56
    assert await stored_count(database, "signup:ip", MINUTE) == 3  # refusals not counted


async def test_a_peek_counts_nothing_and_reports_a_full_window(database):
    limiter = ExactLimiter(database, clock=fixed)
    fresh = await limiter.peek("login:k", 2, MINUTE)
    assert fresh.allowed and fresh.remaining == 2
    assert await stored_count(database, "login:k", MINUTE) == 0
    for _ in range(2):
        await limiter.hit("login:k", 2, MINUTE)
    full = await limiter.peek("login:k", 2, MINUTE)
    assert not full.allowed and full.remaining == 0


async def test_a_limit_of_zero_admits_nothing_and_writes_nothing(database):
    decision = await ExactLimiter(database).hit("none", 0, MINUTE)
    assert not decision.allowed
    assert await database[WINDOWS].count_documents({}) == 0


async def test_an_exact_window_expires_and_admits_again(database):
    limiter, period = ExactLimiter(database), Every(2)
    await at_window_start(period)
    assert [(await limiter.hit("k", 2, period)).allowed for _ in range(3)] == [True, True, False]
    _, end = period.window(time.time())
    await asyncio.sleep(end - time.time() + 0.02)
    assert (await limiter.hit("k", 2, period)).allowed


async def test_window_documents_expire_by_a_ttl_index_at_the_windows_end(database):
    await ensure_indexes(database)
    _, end = HOUR.window(time.time())
    await ExactLimiter(database).hit("k", 5, HOUR)
    indexes = await database[WINDOWS].index_information()
    assert indexes["expiresAt_ttl"]["expireAfterSeconds"] == 0
    doc = await database[WINDOWS].find_one({})
    assert doc["expiresAt"] == datetime.fromtimestamp(end, UTC)


# --- metered -----------------------------------------------------------------------------


async def test_two_metered_replicas_flushing_between_rounds_admit_at_most_one_round_more(
    database,
):
    replicas = [MeteredLimiter(database, clock=fixed), MeteredLimiter(database, clock=fixed)]
    limit, per_round = 20, 3  # each replica serves 3 requests between two flushes
    admitted = 0
    for _ in range(10):
        for replica in replicas:
            for _ in range(per_round):
                if replica.used("burst:loc", MINUTE) < limit:
                    replica.add("burst:loc", MINUTE)
                    admitted += 1
        await asyncio.gather(*(replica.flush() for replica in replicas))
    # At most what both serve in one interval over the limit; alone, each would admit 20.
    assert limit <= admitted <= limit + 2 * per_round
    assert await stored_count(database, "burst:loc", MINUTE) == admitted


async def test_a_replica_learns_the_total_when_it_flushes_its_own_count(database):
    first, second = MeteredLimiter(database, clock=fixed), MeteredLimiter(database, clock=fixed)
    first.add("quota:p", MONTH, 5)
    await first.flush()
    assert second.add("quota:p", MONTH) == 1  # nothing learnt yet: no round trip to ask
    await second.flush()
    assert second.used("quota:p", MONTH) == 6
    assert first.used("quota:p", MONTH) == 5  # learns at its next flush into the window


async def test_concurrent_first_flushes_of_one_window_lose_no_count(database):
    replicas = [MeteredLimiter(database, clock=fixed) for _ in range(4)]
    for n, replica in enumerate(replicas):
        replica.add("new:window", MINUTE, n + 1)
    await asyncio.gather(*(replica.flush() for replica in replicas))
    await asyncio.gather(*(replica.flush() for replica in replicas))  # any retried count
    assert await stored_count(database, "new:window", MINUTE) == 1 + 2 + 3 + 4


async def test_a_metered_window_turns_and_the_ended_one_is_forgotten(database):
    now = [SOON]
    limiter = MeteredLimiter(database, clock=lambda: now[0])
    limiter.add("loc", Every(10), 3)
    await limiter.flush()
    assert limiter.used("loc", Every(10)) == 3
    now[0] += 10
    assert limiter.used("loc", Every(10)) == 0
    limiter.add("loc", Every(10))
    await limiter.flush()
    assert await stored_count(database, "loc", Every(10), now[0] - 10) == 3
    assert await stored_count(database, "loc", Every(10), now[0]) == 1
    now[0] -= 10
    assert limiter.used("loc", Every(10)) == 0  # the ended window's total is dropped


async def test_a_failed_flush_keeps_the_counts_for_the_next_one(own_server):
    connection = connect(own_server.uri, "flush", timeout_ms=500)
    limiter = MeteredLimiter(connection.database, clock=fixed)
    try:
        limiter.add("k", MINUTE, 4)
        await asyncio.to_thread(own_server.kill)
        await limiter.flush()  # no exception: the background task must go on
        assert limiter.used("k", MINUTE) == 4
        assert limiter.add("k", MINUTE) == 5
    finally:
        await connection.close()


def test_the_calendar_month_ends_at_the_first_of_the_next_month_in_utc():
    december = datetime(2024, 12, 31, 23, 59, tzinfo=UTC).timestamp()
    assert MONTH.window(december) == ("2024-12", datetime(2025, 1, 1, tzinfo=UTC).timestamp())
    first = datetime(2024, 2, 1, tzinfo=UTC).timestamp()
    assert MONTH.window(first) == ("2024-02", datetime(2024, 3, 1, tzinfo=UTC).timestamp())


def test_the_remembered_month_is_left_at_its_edges_both_ways():
    month = CalendarMonth()
    last = datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp()
    edge = datetime(2025, 1, 1, tzinfo=UTC).timestamp()
    assert month.window(last)[0] == "2024-12"
    assert month.window(edge)[0] == "2025-01"  # the end belongs to the next month
    assert month.window(last)[0] == "2024-12"  # and a clock that goes back is followed
    assert month.window(edge - 31 * 86_400)[0] == "2024-12"  # the first second of December


def test_fixed_windows_are_aligned_to_the_epoch():
    assert Every(10).window(1_720_656_004.5) == ("172065600", 1_720_656_010.0)
    assert Every(86_400).window(1_720_656_004.5)[1] == datetime(2024, 7, 12, tzinfo=UTC).timestamp()


# --- the app's wiring --------------------------------------------------------------------


@pytest.fixture
async def app_client(aiohttp_client, database):
    return await aiohttp_client(create_app(Settings(), database=database, dialects=[]))


async def test_the_app_flushes_metered_counts_in_the_background(app_client, database):
    limiter = app_client.app[STORE].metered_limits
    limiter.add("background", HOUR, 7)
    deadline = time.monotonic() + 10 * limiter.flush_seconds
    while await stored_count(database, "background", HOUR, time.time()) != 7:
        assert time.monotonic() < deadline, "never flushed"
        await asyncio.sleep(0.05)
    assert isinstance(app_client.app[STORE].exact_limits, ExactLimiter)


async def test_the_last_counts_are_flushed_when_the_task_stops(database):
    limiter = MeteredLimiter(database, flush_seconds=3600)
    task = asyncio.create_task(limiter.run())
    await asyncio.sleep(0)
    limiter.add("last", HOUR, 2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await stored_count(database, "last", HOUR, time.time()) == 2


async def test_a_flush_is_tagged_so_request_round_trip_counts_leave_it_out(counted_database):
    db, commands = counted_database
    limiter = MeteredLimiter(db, clock=fixed)
    limiter.add("tagged", MINUTE, 3)
    await limiter.flush()
    assert commands.names == []
    assert await stored_count(db, "tagged", MINUTE) == 3
    assert commands.names == ["find"]  # the listener itself works
