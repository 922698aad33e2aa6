"""JSONBin's monthly request quota: the seed's "Requests exhausted" 403."""

import pytest

from service.config import Settings
from service.dialects.jsonbin import messages
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
