"""Database round trips of JSONBin updates, counted with a command listener: an unversioned
private PUT is one write, filtered on the held bin's `_id` alone; a versioned PUT is the bin
read, the version claim and the swap, or the claim and swap alone once a read showed the bin
as this replica's last write left it."""

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


async def test_a_versioned_put_after_a_quiet_one_starts_from_what_it_left(counted, pro):
    """Once a read showed the bin as this replica's last write left it, the claim and swap
    alone; a write the memory did not see (the unversioned PUT's one update) makes that
    command miss once, and the PUT reads and writes after all, under the number the bin's
    count says."""
    client, commands = counted
    bin_id = await create_bin(client, pro, {"n": 0})
    versioned = {**pro.json_headers, "X-Bin-Versioning": "true"}
    sent = [{"n": 0}]

    async def put(headers: dict, expected: list[str]) -> dict:
        sent.append({"n": len(sent)})
        commands.names.clear()
        response = await client.put(f"/v3/b/{bin_id}", json=sent[-1], headers=headers)
        assert response.status == 200, await response.text()
        data_commands = [name for name in commands.names if name not in ("hello", "ismaster")]
        assert data_commands == expected
        return await response.json()

    await put(versioned, ["find", "update"])  # first sight
    await put(versioned, ["find", "update"])  # found as left: trusted
    await put(versioned, ["update"])
    await put(pro.json_headers, ["update"])  # unversioned, unseen by the memory
    # The missed command claimed slot 4 for the content the memory had: an orphan above
    # the count, which the read's claim then replaces (a second command for the slot).
    await put(versioned, ["update", "find", "update", "update"])
    await put(versioned, ["find", "update"])
    assert (await put(versioned, ["update"]))["metadata"]["version"] == 6
    # Versions 1..6 are the contents the versioned PUTs replaced, the bin the last one sent.
    replaced = [sent[n] for n in (0, 1, 2, 4, 5, 6)]
    for number, content in enumerate(replaced, start=1):
        response = await client.get(f"/v3/b/{bin_id}/{number}", headers=pro.headers)
        assert (await response.json())["record"] == content
    response = await client.get(f"/v3/b/{bin_id}/7", headers=pro.headers)
    assert response.status == 404  # no orphan shows
    response = await client.get(f"/v3/b/{bin_id}/latest", headers=pro.headers)
    assert (await response.json())["record"] == sent[-1]


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
