"""Per-location rate limits: the X-RateLimit-* headers on every answer, 429 when spent."""

import pytest

from service.dialects.highlevel.dialect import HighLevelDialect
from service.dialects.highlevel.ratelimit import RateLimiter
from tests.dialects.highlevel.conftest import make_location


@pytest.fixture
def dialect() -> HighLevelDialect:
    return HighLevelDialect(burst=3, window_seconds=10, daily=1000)


async def list_objects(client, location):
    return await client.get(
        "/objects/", params={"locationId": location.id}, headers=location.headers
    )


async def test_headers_count_down_and_the_burst_ends_in_429(client, location, database):
    first = await list_objects(client, location)
    assert first.status == 200
    assert first.headers["X-RateLimit-Max"] == "3"
    assert first.headers["X-RateLimit-Remaining"] == "2"
    assert first.headers["X-RateLimit-Interval-Milliseconds"] == "10000"
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


def test_the_window_turns_and_the_daily_cap_holds_until_the_next_day():
    now, day = [0.0], ["2024-07-11"]
    limiter = RateLimiter(
        burst=2, window_seconds=10, daily=3, clock=lambda: now[0], today=lambda: day[0]
    )
    assert [limiter.hit("loc")[0] for _ in range(3)] == [True, True, False]
    now[0] = 10.0
    allowed, headers = limiter.hit("loc")
    assert allowed and headers["X-RateLimit-Daily-Remaining"] == "0"
    now[0] = 20.0
    assert limiter.hit("loc")[0] is False  # the burst is back, the day is spent
    day[0] = "2024-07-12"
    allowed, headers = limiter.hit("loc")
    assert allowed and headers["X-RateLimit-Daily-Remaining"] == "2"
