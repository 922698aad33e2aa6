"""Database round trips of JSONBin updates, counted with a command listener: an unversioned
private PUT is one write, filtered on the held bin's `_id` alone; a versioned PUT is the bin
read, the version claim and the swap."""

import pytest

from service.app import create_app
from service.config import Settings
from service.core.documents import encode_key
from service.dialects.jsonbin.dialect import JsonBinDialect
from tests.dialects.jsonbin.conftest import create_bin


@pytest.fixture
async def counted(aiohttp_client, counted_database):
    listened, commands = counted_database
    app = create_app(Settings(), database=listened, dialects=[JsonBinDialect()])
    return await aiohttp_client(app), commands


async def test_unversioned_private_put_is_one_round_trip(counted, pro):
    client, commands = counted
    bin_id = await create_bin(client, pro, {"n": 0})
    await client.put(f"/v3/b/{bin_id}", json={"n": 1}, headers=pro.json_headers)  # warm caches
    commands.names.clear()
    response = await client.put(f"/v3/b/{bin_id}", json={"n": 2}, headers=pro.json_headers)
    assert response.status == 200
    assert commands.names == ["update"]
    (statement,) = commands.bodies[-1]["updates"]
    assert statement["q"] == {"_id": encode_key(pro.id, "jsonbin", bin_id)}


async def test_versioned_put_is_two_round_trips(counted, pro):
    client, commands = counted
    bin_id = await create_bin(client, pro, {"n": 0})
    versioned = {**pro.json_headers, "X-Bin-Versioning": "true"}
    await client.put(f"/v3/b/{bin_id}", json={"n": 1}, headers=versioned)  # warm caches
    commands.names.clear()
    response = await client.put(f"/v3/b/{bin_id}", json={"n": 2}, headers=versioned)
    assert (await response.json())["metadata"]["version"] == 2
    data_commands = [name for name in commands.names if name not in ("hello", "ismaster")]
    assert data_commands == ["find", "update"]  # the read, then the claim and the swap


@pytest.mark.parametrize("private", [True, False])
async def test_a_keyed_read_asks_for_the_one_id_the_bin_was_last_found_under(counted, pro, private):
    client, commands = counted
    bin_id = await create_bin(client, pro, {"n": 0}, **{"X-Bin-Private": str(private).lower()})
    await client.get(f"/v3/b/{bin_id}", headers=pro.headers)  # warms caches and the hint
    commands.names.clear()
    commands.bodies.clear()
    response = await client.get(f"/v3/b/{bin_id}", headers=pro.headers)
    assert (await response.json())["record"] == {"n": 0}
    assert commands.names == ["find"]
    owner = pro.id if private else None
    assert commands.bodies[0]["filter"] == {"_id": encode_key(owner, "jsonbin", bin_id)}
