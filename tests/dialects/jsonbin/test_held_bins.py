"""Private, schema-less bins are held by their project (service.store.holding): stored under
an `_id` naming the project, with a stub under the bin's id for everyone else, and moved
between the two forms as their privacy and schema change, versions and listing kept."""

import asyncio

from service.app import create_app
from service.config import Settings
from service.core.documents import encode_key, encode_version_key
from service.dialects.jsonbin.settings import JsonBinSettings
from service.store import projects
from service.store.catalog import CATALOG
from service.store.records import HOLDER, RECORDS
from tests.dialects.jsonbin.conftest import create_bin, make_account
from tests.dialects.jsonbin.test_collections_schemas_keys import make_collection, make_schema


def _ids(project, bin_id):
    return encode_key(project, "jsonbin", bin_id), encode_key(None, "jsonbin", bin_id)


async def _form(database, account, bin_id):
    """ "held", "global" or "gone", checking the stub agrees."""
    held_id, global_id = _ids(account.id, bin_id)
    held = await database[RECORDS].find_one({"_id": held_id})
    found = await database[RECORDS].find_one({"_id": global_id})
    if held is not None:
        assert found == {"_id": global_id, HOLDER: account.id}
        return "held"
    if found is not None:
        assert HOLDER not in found and found["project"] == account.id
        return "global"
    return "gone"


async def _privacy(client, account, bin_id, private):
    response = await client.put(
        f"/v3/b/{bin_id}/meta/privacy",
        headers={**account.headers, "X-Bin-Private": "true" if private else "false"},
    )
    assert response.status == 200, await response.text()


async def _put(client, account, bin_id, record, **headers):
    return await client.put(
        f"/v3/b/{bin_id}", json=record, headers={**account.json_headers, **headers}
    )


async def test_a_private_bin_is_held_and_others_meet_only_its_stub(client, database, pro):
    other = await make_account(database, "other")
    bin_id = await create_bin(client, pro, {"secret": 1})
    assert await _form(database, pro, bin_id) == "held"
    entry = await database[CATALOG].find_one({"_id": _ids(pro.id, bin_id)[1]})
    assert entry["private"] is True
    path = f"/v3/b/{bin_id}"
    assert (await client.get(path)).status == 401
    assert (await client.get(path, headers=other.headers)).status == 401
    refused = await _put(client, other, bin_id, {"secret": 2})
    assert refused.status == 401
    assert (await client.delete(path, headers=other.headers)).status == 404
    mine = await client.get(path, headers=pro.headers)
    assert (await mine.json())["record"] == {"secret": 1}
    listed = await (await client.get("/v3/c/uncategorized/bins", headers=pro.headers)).json()
    assert [row["record"] for row in listed] == [bin_id]


async def test_privacy_changes_move_the_bin_and_keep_its_versions(client, database, pro):
    bin_id = await create_bin(client, pro, {"n": 0})
    for n in (1, 2):
        response = await _put(client, pro, bin_id, {"n": n}, **{"X-Bin-Versioning": "true"})
        assert (await response.json())["metadata"]["version"] == n
    await _privacy(client, pro, bin_id, private=False)
    assert await _form(database, pro, bin_id) == "global"
    public = await (await client.get(f"/v3/b/{bin_id}/latest")).json()
    assert public["record"] == {"n": 2} and public["metadata"]["private"] is False
    assert (await (await client.get(f"/v3/b/{bin_id}/1")).json())["record"] == {"n": 0}
    await _privacy(client, pro, bin_id, private=True)
    assert await _form(database, pro, bin_id) == "held"
    assert (await client.get(f"/v3/b/{bin_id}/2")).status == 401
    second = await client.get(f"/v3/b/{bin_id}/2", headers=pro.headers)
    assert (await second.json())["record"] == {"n": 1}
    count = await (await client.get(f"/v3/b/{bin_id}/versions/count", headers=pro.headers)).json()
    assert count["metadata"]["versionCount"] == 2
    entry = await database[CATALOG].find_one({"_id": _ids(pro.id, bin_id)[1]})
    assert entry["private"] is True
    deleted = await client.delete(f"/v3/b/{bin_id}", headers=pro.headers)
    assert (await deleted.json())["metadata"]["versionsDeleted"] == 2
    assert await _form(database, pro, bin_id) == "gone"
    slots = [encode_version_key(None, "jsonbin", bin_id, n) for n in (1, 2, 3)]
    assert await database[RECORDS].count_documents({"_id": {"$in": slots}}) == 0
    assert await database[CATALOG].count_documents({"_id": _ids(pro.id, bin_id)[1]}) == 0


async def test_a_schema_releases_the_collections_held_bins_and_its_removal_lets_them_back(
    client, database, pro
):
    cid = await make_collection(client, pro)
    sid = await make_schema(client, pro)
    bin_id = await create_bin(client, pro, {"username": "ann"}, **{"X-Collection-Id": cid})
    assert await _form(database, pro, bin_id) == "held"
    schema_headers = {**pro.headers, "X-Schema-Doc-Id": sid}
    attached = await client.put(f"/v3/c/{cid}/schemadoc/add", headers=schema_headers)
    assert attached.status == 200
    assert await _form(database, pro, bin_id) == "global"
    assert (await _put(client, pro, bin_id, {"age": 3})).status == 400
    assert (await _put(client, pro, bin_id, {"username": "bo"})).status == 200
    assert (await client.put(f"/v3/c/{cid}/schemadoc/remove", headers=pro.headers)).status == 200
    assert (await _put(client, pro, bin_id, {"age": 3})).status == 200  # the owner's write holds it
    assert await _form(database, pro, bin_id) == "held"
    read = await client.get(f"/v3/b/{bin_id}", headers=pro.headers)
    assert (await read.json())["record"] == {"age": 3}


async def test_a_private_bin_stored_in_the_global_form_is_held_by_its_owners_next_write(
    client, database, pro
):
    # As a bin written before bins were held is stored: public, then made private in place.
    bin_id = await create_bin(client, pro, {"n": 0}, **{"X-Bin-Private": "false"})
    global_id = _ids(pro.id, bin_id)[1]
    await database[RECORDS].update_one({"_id": global_id}, {"$set": {"private": True}})
    assert await _form(database, pro, bin_id) == "global"
    assert (await _put(client, pro, bin_id, {"n": 1})).status == 200
    assert await _form(database, pro, bin_id) == "held"
    assert (await (await client.get(f"/v3/b/{bin_id}", headers=pro.headers)).json())["record"] == {
        "n": 1
    }


async def test_deleting_a_project_deletes_its_stubs(client, database):
    doomed = await make_account(database, "doomed")
    await create_bin(client, doomed, {"n": 0})
    assert await database[RECORDS].count_documents({HOLDER: doomed.id}) == 1
    await projects.delete_project(database, doomed.id)
    assert await database[RECORDS].count_documents({HOLDER: doomed.id}) == 0


async def test_writes_racing_privacy_changes_lose_nothing(client, database, pro):
    """Owner PUTs, versioned and not, while the bin moves between its forms: each answers
    200, each versioned answer's number is a version that exists, none twice, and the bin
    keeps the content of the last write."""
    bin_id = await create_bin(client, pro, {"n": -1})

    async def write(n):
        await asyncio.sleep(n / 500)
        versioning = {"X-Bin-Versioning": "true"} if n % 3 == 0 else {}
        response = await _put(client, pro, bin_id, {"n": n}, **versioning)
        assert response.status == 200, await response.text()
        return (await response.json())["metadata"].get("version")

    async def flip():
        for private in (False, True, False, True):
            await asyncio.sleep(0.01)
            await _privacy(client, pro, bin_id, private=private)

    *numbers, _ = await asyncio.gather(*(write(n) for n in range(40)), flip())
    versions = sorted(number for number in numbers if number is not None)
    count = await (await client.get(f"/v3/b/{bin_id}/versions/count", headers=pro.headers)).json()
    assert versions == list(range(1, count["metadata"]["versionCount"] + 1))
    assert (await _put(client, pro, bin_id, {"n": "last"})).status == 200
    assert await _form(database, pro, bin_id) == "held"
    read = await client.get(f"/v3/b/{bin_id}", headers=pro.headers)
    assert (await read.json())["record"] == {"n": "last"}


async def test_puts_racing_a_schema_attach_are_validated_once_it_lands(client, database, pro):
    """Owner PUTs of held bins while their collection gets a schema: each answers 200 or
    400, and once the attach has answered, none writes what the schema refuses."""
    cid = await make_collection(client, pro)
    sid = await make_schema(client, pro)
    bins = [
        await create_bin(client, pro, {"username": "ann"}, **{"X-Collection-Id": cid})
        for _ in range(4)
    ]

    async def write(n):
        await asyncio.sleep(n / 1000)
        response = await _put(client, pro, bins[n % 4], {"age": n})
        assert response.status in (200, 400), await response.text()

    async def attach():
        await asyncio.sleep(0.01)
        response = await client.put(
            f"/v3/c/{cid}/schemadoc/add", headers={**pro.headers, "X-Schema-Doc-Id": sid}
        )
        assert response.status == 200, await response.text()

    await asyncio.gather(attach(), *(write(n) for n in range(40)))
    for bin_id in bins:
        assert await _form(database, pro, bin_id) == "global"
        assert (await _put(client, pro, bin_id, {"age": 99})).status == 400


async def test_with_holding_off_bins_stay_in_the_global_form_and_the_put_is_one_write(
    aiohttp_client, counted_database, database, pro
):
    listened, commands = counted_database
    settings = Settings(sections=(JsonBinSettings(hold_bins=False),))
    client = await aiohttp_client(create_app(settings, database=listened))
    bin_id = await create_bin(client, pro, {"n": 0})
    assert await _form(database, pro, bin_id) == "global"
    assert (await _put(client, pro, bin_id, {"n": 1})).status == 200  # warms the caches
    commands.names.clear()
    assert (await _put(client, pro, bin_id, {"n": 2})).status == 200
    assert commands.names == ["update"]
    await _privacy(client, pro, bin_id, private=False)
    await _privacy(client, pro, bin_id, private=True)
    assert (await _put(client, pro, bin_id, {"n": 3})).status == 200
    assert await _form(database, pro, bin_id) == "global"
    read = await client.get(f"/v3/b/{bin_id}", headers=pro.headers)
    assert (await read.json())["record"] == {"n": 3}
