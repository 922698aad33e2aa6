"""JSONBin's monthly request quota: the seed's "Requests exhausted" 403, on every replica."""

import pytest

from service.app import create_app
from service.config import Settings
from service.dialects.jsonbin import messages
from service.dialects.jsonbin.plans import requests_used
from service.web.appkeys import STORE
from tests.dialects.jsonbin.conftest import create_bin
from tests.dialects.jsonbin.test_bins import expect


@pytest.fixture
def settings() -> Settings:
    return Settings(quota_free_requests=3)


async def test_requests_exhausted_is_403(client, free):
    bin_id = await create_bin(client, free, {"a": 1})
    for n in range(2):
        ok = await client.put(f"/v3/b/{bin_id}", json={"a": n}, headers=free.json_headers)
        assert ok.status == 200
    response = await client.put(f"/v3/b/{bin_id}", json={"a": 9}, headers=free.json_headers)
    await expect(response, 403, messages.REQUESTS_EXHAUSTED)


async def test_the_quota_is_shared_by_two_replicas_on_one_database(
    aiohttp_client, client, database, settings, free
):
    other = await aiohttp_client(create_app(settings, database=database))
    replicas = [client, other]
    bin_id = await create_bin(client, free, {"a": 0})
    await client.app[STORE].metered_limits.flush()
    statuses = []
    for n in range(6):  # alternately, each replica flushing after its request
        replica = replicas[(n + 1) % 2]
        response = await replica.put(f"/v3/b/{bin_id}", json={"a": n}, headers=free.json_headers)
        statuses.append(response.status)
        await replica.app[STORE].metered_limits.flush()
    # 3 requests a month: the create and two writes, and at most one more that a replica
    # admits before it learns the other's last count; counted per replica, 5 would pass.
    assert statuses[:2] == [200, 200] and statuses.count(200) <= 3
    assert statuses[-2:] == [403, 403]
    assert requests_used(other.app, free.id) >= 6
