"""JSONBin collections, schema docs and access keys over HTTP."""

import pytest

from service.dialects.jsonbin import messages
from tests.dialects.jsonbin.conftest import create_bin

SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["username"],
    "properties": {"username": {"type": "string"}, "age": {"type": "integer"}},
}


async def make_collection(client, account, name="things"):
    response = await client.post("/v3/c", headers={**account.headers, "X-Collection-Name": name})
    assert response.status == 200, await response.text()
    body = await response.json()
    assert set(body) == {"record", "metadata"}
    assert set(body["metadata"]) == {"name", "createdAt"}
    return body["record"]


async def make_schema(client, account, schema=SCHEMA, name="users"):
    response = await client.post(
        "/v3/s", json=schema, headers={**account.json_headers, "X-Schema-Doc-Name": name}
    )
    assert response.status == 200, await response.text()
    return (await response.json())["metadata"]["id"]


async def test_collection_create_list_and_rename(client, pro):
    cid = await make_collection(client, pro)
    listed = await (await client.get("/v3/c", headers=pro.headers)).json()
    assert [set(item) for item in listed] == [{"record", "collectionMeta", "createdAt"}]
    assert listed[0]["record"] == cid and listed[0]["collectionMeta"] == {"name": "things"}
    renamed = await client.put(
        f"/v3/c/{cid}/meta/name", headers={**pro.headers, "X-Collection-Name": "stuff"}
    )
    assert await renamed.json() == {"record": cid, "metadata": {"name": "stuff"}}


@pytest.mark.parametrize(
    ("headers", "status", "message"),
    [
        ({}, 400, messages.COLLECTION_NAME_MISSING),
        ({"X-Collection-Name": "x" * 33}, 400, messages.COLLECTION_NAME_LONG),
    ],
)
async def test_collection_name_rules(client, pro, headers, status, message):
    response = await client.post("/v3/c", headers={**pro.headers, **headers})
    assert response.status == status
    assert await response.json() == {"message": message}


async def test_collection_requires_master_key(client, pro):
    missing = await client.post("/v3/c", headers={"X-Collection-Name": "a"})
    assert (missing.status, await missing.json()) == (401, {"message": messages.MASTER_KEY_MISSING})
    wrong = await client.post("/v3/c", headers={"X-Master-Key": "nope", "X-Collection-Name": "a"})
    assert (wrong.status, await wrong.json()) == (401, {"message": messages.MASTER_KEY_INVALID})


async def test_free_plan_has_one_collection(client, free):
    await make_collection(client, free)
    second = await client.post("/v3/c", headers={**free.headers, "X-Collection-Name": "two"})
    assert second.status == 403


async def test_bad_and_unknown_collection_ids(client, pro):
    bad = await client.get("/v3/c/xyz/bins", headers=pro.headers)
    assert (bad.status, await bad.json()) == (400, {"message": messages.INVALID_COLLECTION_ID})
    unknown = await client.get(f"/v3/c/{'a' * 24}/bins", headers=pro.headers)
    assert (unknown.status, await unknown.json()) == (
        404,
        {"message": messages.COLLECTION_NOT_FOUND},
    )


async def test_schema_doc_create_read_update_rename(client, pro):
    sid = await make_schema(client, pro)
    read = await (await client.get(f"/v3/s/{sid}", headers=pro.headers)).json()
    assert read["record"] == SCHEMA
    assert set(read["metadata"]) == {"id", "createdAt", "name"}
    changed = {**SCHEMA, "required": ["age"]}
    updated = await client.put(f"/v3/s/{sid}", json=changed, headers=pro.json_headers)
    assert (await updated.json())["record"] == changed
    renamed = await client.put(
        f"/v3/s/{sid}/meta/name", headers={**pro.headers, "X-Schema-Doc-Name": "people"}
    )
    assert await renamed.json() == {"record": sid, "metadata": {"name": "people"}}


async def test_schema_doc_refuses_invalid_schema_and_ids(client, pro):
    invalid = await client.post(
        "/v3/s", json={"type": "nonsense"}, headers={**pro.json_headers, "X-Schema-Doc-Name": "x"}
    )
    assert invalid.status == 400
    bad_id = await client.get("/v3/s/123", headers=pro.headers)
    assert (bad_id.status, await bad_id.json()) == (400, {"message": messages.INVALID_SCHEMA_ID})
    missing = await client.get(f"/v3/s/{'b' * 24}", headers=pro.headers)
    assert (missing.status, await missing.json()) == (404, {"message": messages.SCHEMA_NOT_FOUND})
    no_name = await client.post("/v3/s", json=SCHEMA, headers=pro.json_headers)
    assert (no_name.status, await no_name.json()) == (
        400,
        {"message": messages.SCHEMA_NAME_MISSING},
    )


async def test_schema_attached_to_collection_validates_bins(client, pro):
    cid = await make_collection(client, pro)
    sid = await make_schema(client, pro)
    attached = await client.put(
        f"/v3/c/{cid}/schemadoc/add", headers={**pro.headers, "X-Schema-Doc-Id": sid}
    )
    body = await attached.json()
    assert set(body) == {"collectionName", "schemaDocId", "metadata"}
    assert body["schemaDocId"] == sid
    refused = await client.post(
        "/v3/b", json={"age": 3}, headers={**pro.json_headers, "X-Collection-Id": cid}
    )
    assert refused.status == 400
    assert (await refused.json())["message"] == (
        "Schema Doc Validation Mismatch: should have required property 'username'"
    )
    bin_id = await create_bin(client, pro, {"username": "ann"}, **{"X-Collection-Id": cid})
    bad_update = await client.put(f"/v3/b/{bin_id}", json={"username": 5}, headers=pro.json_headers)
    assert bad_update.status == 400
    assert (await bad_update.json())["message"].startswith("Schema Doc Validation Mismatch: ")
    detached = await client.put(f"/v3/c/{cid}/schemadoc/remove", headers=pro.headers)
    assert set(await detached.json()) == {"collectionName", "metadata"}
    ok = await client.put(f"/v3/b/{bin_id}", json={"username": 5}, headers=pro.json_headers)
    assert ok.status == 200


async def test_collection_bins_are_listed_ten_a_page_with_cursor(client, pro):
    cid = await make_collection(client, pro)
    ids = [
        await create_bin(client, pro, {"n": n}, **{"X-Collection-Id": cid, "X-Bin-Name": f"b{n}"})
        for n in range(12)
    ]
    await create_bin(client, pro, {"loose": True})
    first = await (await client.get(f"/v3/c/{cid}/bins", headers=pro.headers)).json()
    assert [item["record"] for item in first] == ids[::-1][:10]
    assert set(first[0]) == {"record", "private", "snippetMeta", "createdAt"}
    assert first[0]["snippetMeta"] == {"name": "b11"}
    second = await (
        await client.get(f"/v3/c/{cid}/bins/{first[-1]['record']}", headers=pro.headers)
    ).json()
    assert [item["record"] for item in second] == ids[::-1][10:]
    ascending = await (
        await client.get(f"/v3/c/{cid}/bins", headers={**pro.headers, "X-Sort-Order": "ascending"})
    ).json()
    assert ascending[0]["record"] == ids[0]
    loose = await (await client.get("/v3/c/uncategorized/bins", headers=pro.headers)).json()
    assert len(loose) == 1


async def test_access_keys_grant_only_what_they_say(client, pro):
    created = await client.post(
        "/v3/a",
        json={"bins": {"read": True, "create": False, "update": False, "delete": False}},
        headers={**pro.json_headers, "X-Key-Name": "reader"},
    )
    assert created.status == 200, await created.text()
    body = await created.json()
    assert body["keyPermissions"] == {
        "bins": {"create": False, "read": True, "update": False, "delete": False}
    }
    reader = {"X-Access-Key": body["accessKey"]}
    bin_id = await create_bin(client, pro, {"secret": 1})
    read = await client.get(f"/v3/b/{bin_id}", headers=reader)
    assert read.status == 200
    denied = await client.put(
        f"/v3/b/{bin_id}", json={"x": 1}, headers={**reader, "Content-Type": "application/json"}
    )
    assert (denied.status, await denied.json()) == (403, {"message": messages.ACCESS_KEY_DENIED})
    listed = await (await client.get("/v3/a", headers=pro.headers)).json()
    assert listed[0]["accessKeyId"] == body["accessKeyId"]
    assert body["accessKey"] not in str(listed)
    deleted = await client.delete(f"/v3/a/{body['accessKeyId']}", headers=pro.headers)
    assert (await deleted.json())["message"] == messages.ACCESS_KEY_DELETED
    gone = await client.get(f"/v3/b/{bin_id}", headers=reader)
    assert (gone.status, await gone.json()) == (401, {"message": messages.ACCESS_KEY_INVALID})


async def test_access_keys_need_master_key_and_valid_permissions(client, pro):
    no_master = await client.get("/v3/a")
    assert no_master.status == 401
    bad = await client.post(
        "/v3/a", json={"bins": {"read": "yes"}}, headers={**pro.json_headers, "X-Key-Name": "k"}
    )
    assert bad.status == 400
    for n in range(4):
        ok = await client.post(
            "/v3/a",
            json={"bins": {"read": True}},
            headers={**pro.json_headers, "X-Key-Name": f"k{n}"},
        )
        assert ok.status == 200
    fifth = await client.post(
        "/v3/a", json={"bins": {"read": True}}, headers={**pro.json_headers, "X-Key-Name": "k5"}
    )
    assert fifth.status == 403
