"""Per-location rate limits: the X-RateLimit-* headers on every answer, 429 when spent, and
the counts shared by every replica on one database."""

import asyncio

import pytest

from service.app import create_app
from service.config import Settings
from service.dialects.highlevel.dialect import HighLevelDialect
from service.dialects.highlevel.ratelimit import RateLimiter
from service.dialects.highlevel.settings import HighLevelSettings
from service.store.windows import MeteredLimiter
from service.web.appkeys import STORE
from tests.dialects.highlevel.conftest import Location, make_location
from tests.services import replicas


def limited(burst: int, window_seconds: float, daily: int) -> HighLevelDialect:
    return HighLevelDialect(
        HighLevelSettings(burst=burst, burst_window_seconds=window_seconds, daily_limit=daily)
    )


@pytest.fixture
def dialect() -> HighLevelDialect:
    # An hour: the windows are aligned to the clock, and a test must not straddle two.
    return limited(burst=3, window_seconds=3600, daily=1000)


async def list_objects(client, location):
    return await client.get(
        "/objects/", params={"locationId": location.id}, headers=location.headers
    )


async def test_headers_count_down_and_the_burst_ends_in_429(client, location, database):
    first = await list_objects(client, location)
    assert first.status == 200
    assert first.headers["X-RateLimit-Max"] == "3"
    assert first.headers["X-RateLimit-Remaining"] == "2"
    assert first.headers["X-RateLimit-Interval-Milliseconds"] == "3600000"
    assert first.headers["X-RateLimit-Limit-Daily"] == "1000"
    assert first.headers["X-RateLimit-Daily-Remaining"] == "999"
    # Error answers carry them too.
    missing = await client.get(
        "/objects/custom_objects.ghost",
        params={"locationId": location.id},
        headers=location.headers,
    )
    assert missing.status == 404
    assert missing.headers["X-RateLimit-Remaining"] == "1"
    assert (await list_objects(client, location)).headers["X-RateLimit-Remaining"] == "0"
    spent = await list_objects(client, location)
    assert spent.status == 429
    body = await spent.json()
    assert body == {
        "statusCode": 429,
        "message": "Too Many Requests",
        "error": "Too Many Requests",
        "traceId": spent.headers["X-Request-ID"],
    }
    assert spent.headers["X-RateLimit-Remaining"] == "0"
    assert spent.headers["X-RateLimit-Daily-Remaining"] == "997"  # refusals are not counted
    # Another location has its own allowance.
    other = await make_location(database, "location-b")
    assert (await list_objects(client, other)).status == 200


async def test_the_window_turns_and_the_daily_cap_holds_until_the_next_day(database):
    now = [1_720_656_000.0]  # 2024-07-11T00:00:00Z
    meter = MeteredLimiter(database, clock=lambda: now[0])
    limiter = RateLimiter(burst=2, window_seconds=10, daily=3)
    assert [limiter.hit(meter, "loc")[0] for _ in range(3)] == [True, True, False]
    now[0] += 10
    allowed, headers = limiter.hit(meter, "loc")
    assert allowed and headers["X-RateLimit-Daily-Remaining"] == "0"
    now[0] += 10
    assert limiter.hit(meter, "loc")[0] is False  # the burst is back, the day is spent
    now[0] += 86_400
    allowed, headers = limiter.hit(meter, "loc")
    assert allowed and headers["X-RateLimit-Daily-Remaining"] == "2"


async def test_two_replicas_in_one_process_share_the_burst(aiohttp_client, database):
    clients = [
        await aiohttp_client(
            create_app(Settings(), database=database, dialects=[limited(4, 3600, 1000)])
        )
        for _ in range(2)
    ]
    location = await make_location(database, "shared")
    statuses = []
    for n in range(8):  # alternately, each replica flushing after its request
        client = clients[n % 2]
        statuses.append((await list_objects(client, location)).status)
        await client.app[STORE].metered_limits.flush()
    # A replica learns the total when it flushes, so it can miss the other's last request:
    # the bounded overshoot. Counted per replica, all 8 would pass.
    assert statuses[:4] == [200] * 4 and statuses[-3:] == [429] * 3


@pytest.fixture
async def two_services(db_uri, connection):
    """Two `python -m service` processes on one database, with a burst of 20 a day long."""
    variables = {
        "MONGODB_URI": db_uri,
        "MONGODB_DB": connection.database.name,
        "HIGHLEVEL_BURST": "20",
        "HIGHLEVEL_BURST_WINDOW_SECONDS": "86400",
    }
    async with replicas(2, client_seconds=60, **variables) as running:
        yield running


async def test_the_burst_limit_holds_across_two_service_processes(two_services, database):
    session, bases = two_services
    location: Location = await make_location(database, "two-replicas")

    async def call(base: str) -> int:
        url = f"{base}/objects/?locationId={location.id}"
        async with session.get(url, headers=location.headers) as response:
            return response.status

    admitted = 0
    for _ in range(10):  # rounds of 2 requests to each replica, flushes between them
        statuses = await asyncio.gather(*(call(base) for base in bases for _ in range(2)))
        admitted += statuses.count(200)
        assert set(statuses) <= {200, 429}
        await asyncio.sleep(1.2)
    # Counted per replica, all 40 would pass (20 each); shared, 20 and at most the 4 that
    # the two serve within one flush interval.
    assert 20 <= admitted <= 24
