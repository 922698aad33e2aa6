"""JSONBin bins over HTTP: create, read, the seed's update, versions, meta, delete, errors."""

import asyncio
import json

import pytest

from service.config import Settings
from service.dialects.jsonbin import messages
from tests.dialects.jsonbin.conftest import create_bin

JSON = {"Content-Type": "application/json"}


async def expect(response, status, message):
    assert response.status == status, await response.text()
    assert await response.json() == {"message": message}


# --- the seed's code samples, as they send them ------------------------------------------


async def test_seed_curl_request(client, pro):
    bin_id = await create_bin(client, pro, {"sample": "start"})
    response = await client.put(
        f"/v3/b/{bin_id}",
        data='{"sample": "Hello World"}',
        headers={"Content-Type": "application/json", "X-Master-key": pro.master},
    )
    assert response.status == 200
    assert await response.json() == {
        "record": {"sample": "Hello World"},
        "metadata": {"parentId": bin_id, "private": True},
    }


async def test_seed_requests_and_fetch_forms(client, pro):
    bin_id = await create_bin(client, pro, {"sample": "start"})
    # python requests: json=data sets the Content-Type itself
    by_requests = await client.put(
        f"/v3/b/{bin_id}",
        json={"sample": "Hello World"},
        headers={"Content-Type": "application/json", "X-Master-Key": pro.master},
    )
    assert (await by_requests.json())["record"] == {"sample": "Hello World"}
    # XMLHttpRequest/fetch from a browser: an Origin, a string body
    by_browser = await client.put(
        f"/v3/b/{bin_id}",
        data=json.dumps({"sample": "from the browser"}),
        headers={**JSON, "X-Master-Key": pro.master, "Origin": "https://app.example"},
    )
    assert by_browser.status == 200
    assert by_browser.headers["Access-Control-Allow-Origin"] == "https://app.example"
    read = await client.get(f"/v3/b/{bin_id}/latest", headers=pro.headers)
    assert (await read.json())["record"] == {"sample": "from the browser"}


async def test_cors_preflight_is_open_to_every_origin(client, pro):
    response = await client.options(
        f"/v3/b/{'a' * 24}",
        headers={
            "Origin": "https://anywhere.example",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "X-Master-Key, Content-Type",
        },
    )
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == "https://anywhere.example"


# --- create and read ----------------------------------------------------------------------


async def test_create_returns_record_and_exact_metadata(client, pro):
    response = await client.post(
        "/v3/b", json={"a": 1}, headers={**pro.headers, "X-Bin-Name": "first"}
    )
    body = await response.json()
    assert set(body) == {"record", "metadata"}
    assert set(body["metadata"]) == {"id", "createdAt", "private", "name"}
    assert body["metadata"]["private"] is True
    assert len(body["metadata"]["id"]) == 24
    assert body["metadata"]["createdAt"].endswith("Z")


async def test_read_latest_meta_false_and_json_path(client, pro):
    bin_id = await create_bin(client, pro, {"users": [{"firstName": "Ann"}]})
    full = await (await client.get(f"/v3/b/{bin_id}/latest", headers=pro.headers)).json()
    assert set(full["metadata"]) == {"id", "private", "createdAt"}
    raw = await client.get(f"/v3/b/{bin_id}?meta=false", headers=pro.headers)
    assert await raw.json() == {"users": [{"firstName": "Ann"}]}
    no_meta = await client.get(f"/v3/b/{bin_id}", headers={**pro.headers, "X-Bin-Meta": "false"})
    assert await no_meta.json() == {"users": [{"firstName": "Ann"}]}
    picked = await client.get(
        f"/v3/b/{bin_id}", headers={**pro.headers, "X-JSON-Path": "users[0].firstName"}
    )
    assert (await picked.json())["record"] == ["Ann"]


async def test_private_bin_read_needs_the_owners_key(client, pro, free):
    bin_id = await create_bin(client, pro, {"a": 1})
    await expect(await client.get(f"/v3/b/{bin_id}"), 401, messages.MASTER_KEY_MISSING_READ)
    await expect(
        await client.get(f"/v3/b/{bin_id}", headers=free.headers),
        401,
        messages.MASTER_KEY_INVALID_READ,
    )


async def test_public_bin_is_read_and_updated_without_key(client, pro):
    bin_id = await create_bin(client, pro, {"v": 0}, **{"X-Bin-Private": "false"})
    read = await client.get(f"/v3/b/{bin_id}")
    assert (await read.json())["record"] == {"v": 0}
    update = await client.put(f"/v3/b/{bin_id}", json={"v": 1}, headers=JSON)
    body = await update.json()
    # public bins are versioned by default
    assert body["metadata"] == {"parentId": bin_id, "private": False, "version": 1}
    first = await client.get(f"/v3/b/{bin_id}/1")
    assert (await first.json())["record"] == {"v": 0}


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/v3/b/not-an-id", 400, messages.INVALID_BIN_ID),
        (f"/v3/b/{'c' * 24}", 404, messages.BIN_NOT_FOUND_OR_FOREIGN),
    ],
)
async def test_read_bad_or_unknown_id(client, pro, path, status, message):
    await expect(await client.get(path, headers=pro.headers), status, message)


# --- the seed's update: every error row ---------------------------------------------------


async def test_update_without_content_type_is_400(client, pro):
    bin_id = await create_bin(client, pro, {"a": 1})
    response = await client.put(
        f"/v3/b/{bin_id}", data=b'{"a": 2}', headers={**pro.headers, "Content-Type": "text/plain"}
    )
    await expect(response, 400, messages.CONTENT_TYPE)


async def test_update_invalid_bin_id_is_400(client, pro):
    response = await client.put("/v3/b/123", json={"a": 1}, headers=pro.json_headers)
    await expect(response, 400, messages.INVALID_BIN_ID)


@pytest.mark.parametrize("blank", [b"", b"{}", b"[]", b"null", b'""', b"   "])
async def test_update_with_blank_bin_is_400(client, pro, blank):
    bin_id = await create_bin(client, pro, {"a": 1})
    response = await client.put(f"/v3/b/{bin_id}", data=blank, headers=pro.json_headers)
    await expect(response, 400, messages.BIN_BLANK)


async def test_update_unknown_bin_is_404(client, pro):
    response = await client.put(f"/v3/b/{'d' * 24}", json={"a": 1}, headers=pro.json_headers)
    await expect(response, 404, messages.BIN_NOT_FOUND)


async def test_update_private_bin_without_key_is_401(client, pro):
    bin_id = await create_bin(client, pro, {"a": 1})
    response = await client.put(f"/v3/b/{bin_id}", json={"a": 2}, headers=JSON)
    await expect(response, 401, messages.MASTER_KEY_MISSING_UPDATE)


async def test_update_with_wrong_or_foreign_key_is_401(client, pro, free):
    bin_id = await create_bin(client, pro, {"a": 1})
    wrong = await client.put(
        f"/v3/b/{bin_id}", json={"a": 2}, headers={**JSON, "X-Master-Key": "bogus"}
    )
    await expect(wrong, 401, messages.MASTER_KEY_INVALID_UPDATE)
    foreign = await client.put(f"/v3/b/{bin_id}", json={"a": 2}, headers=free.json_headers)
    await expect(foreign, 401, messages.MASTER_KEY_INVALID_UPDATE)
    still = await client.get(f"/v3/b/{bin_id}", headers=pro.headers)
    assert (await still.json())["record"] == {"a": 1}


async def test_free_plan_update_over_500kb_is_403(client, free):
    bin_id = await create_bin(client, free, {"a": 1})
    big = {"blob": "x" * (500 * 1024)}
    response = await client.put(f"/v3/b/{bin_id}", json=big, headers=free.json_headers)
    await expect(response, 403, messages.FREE_UPDATE_SIZE)


async def test_pro_plan_allows_up_to_1mb(client, pro):
    bin_id = await create_bin(client, pro, {"a": 1})
    ok = await client.put(
        f"/v3/b/{bin_id}", json={"blob": "x" * (900 * 1024)}, headers=pro.json_headers
    )
    assert ok.status == 200
    over = await client.put(
        f"/v3/b/{bin_id}", json={"blob": "x" * (1024 * 1024)}, headers=pro.json_headers
    )
    assert over.status == 413


async def test_free_plan_versioning_is_403(client, free):
    bin_id = await create_bin(client, free, {"a": 1})
    response = await client.put(
        f"/v3/b/{bin_id}", json={"a": 2}, headers={**free.json_headers, "X-Bin-Versioning": "true"}
    )
    await expect(response, 403, messages.FREE_VERSIONING)


async def test_bad_boolean_header_is_400(client, pro):
    response = await client.post(
        "/v3/b", json={"a": 1}, headers={**pro.headers, "X-Bin-Private": "maybe"}
    )
    await expect(response, 400, messages.BAD_BOOLEAN_HEADER.format(header="X-Bin-Private"))


async def test_invalid_json_is_400_and_writes_nothing(client, pro):
    bin_id = await create_bin(client, pro, {"a": 1})
    response = await client.put(f"/v3/b/{bin_id}", data=b'{"a": ', headers=pro.json_headers)
    assert response.status == 400
    still = await client.get(f"/v3/b/{bin_id}", headers=pro.headers)
    assert (await still.json())["record"] == {"a": 1}


async def test_oversized_body_is_refused_before_reading(aiohttp_client, database, pro):
    from service.app import create_app

    small = await aiohttp_client(create_app(Settings(max_body_bytes=2048), database=database))
    response = await small.post("/v3/b", data=b"x" * 5000, headers=pro.json_headers)
    assert response.status == 413
    assert await response.json() == {"message": messages.BIN_TOO_LARGE}


# --- versions -----------------------------------------------------------------------------


async def test_private_bin_versioning_on_request(client, pro):
    bin_id = await create_bin(client, pro, {"n": 0})
    plain = await client.put(f"/v3/b/{bin_id}", json={"n": 1}, headers=pro.json_headers)
    assert "version" not in (await plain.json())["metadata"]
    versioned = {**pro.json_headers, "X-Bin-Versioning": "true"}
    for n in (2, 3):
        response = await client.put(f"/v3/b/{bin_id}", json={"n": n}, headers=versioned)
        assert (await response.json())["metadata"]["version"] == n - 1
    count = await (await client.get(f"/v3/b/{bin_id}/versions/count", headers=pro.headers)).json()
    assert count == {"metadata": {"id": bin_id, "versionCount": 2, "private": True}}
    assert (await (await client.get(f"/v3/b/{bin_id}/1", headers=pro.headers)).json())[
        "record"
    ] == {"n": 1}
    assert (await (await client.get(f"/v3/b/{bin_id}/2", headers=pro.headers)).json())[
        "record"
    ] == {"n": 2}
    await expect(
        await client.get(f"/v3/b/{bin_id}/3", headers=pro.headers),
        404,
        messages.BIN_VERSION_NOT_FOUND,
    )


async def test_owner_can_skip_versioning_of_public_bin(client, pro):
    bin_id = await create_bin(client, pro, {"n": 0}, **{"X-Bin-Private": "false"})
    response = await client.put(
        f"/v3/b/{bin_id}", json={"n": 1}, headers={**pro.json_headers, "X-Bin-Versioning": "false"}
    )
    assert (await response.json())["metadata"] == {"parentId": bin_id, "private": False}
    count = await (await client.get(f"/v3/b/{bin_id}/versions/count")).json()
    assert count["metadata"]["versionCount"] == 0


async def test_delete_versions_with_and_without_preserve_latest(client, pro):
    bin_id = await create_bin(client, pro, {"n": 0})
    versioned = {**pro.json_headers, "X-Bin-Versioning": "true"}
    for n in (1, 2):
        await client.put(f"/v3/b/{bin_id}", json={"n": n}, headers=versioned)
    deleted = await client.delete(
        f"/v3/b/{bin_id}/versions", headers={**pro.headers, "X-Preserve-Latest": "true"}
    )
    assert await deleted.json() == {
        "metadata": {"id": bin_id, "versionsDeleted": 2},
        "message": messages.VERSIONS_DELETED_PRESERVED,
    }
    none_left = await client.delete(f"/v3/b/{bin_id}/versions", headers=pro.headers)
    assert await none_left.json() == {"message": messages.NO_VERSIONS}


async def test_concurrent_versioned_puts_number_versions_without_gaps(client, pro):
    bin_id = await create_bin(client, pro, {"writer": -1})
    versioned = {**pro.json_headers, "X-Bin-Versioning": "true"}

    async def write(n):
        response = await client.put(f"/v3/b/{bin_id}", json={"writer": n}, headers=versioned)
        assert response.status == 200, await response.text()
        return (await response.json())["metadata"]["version"]

    numbers = await asyncio.gather(*(write(n) for n in range(12)))
    assert sorted(numbers) == list(range(1, 13))
    archived = []
    for number in range(1, 13):
        read = await client.get(f"/v3/b/{bin_id}/{number}", headers=pro.headers)
        archived.append((await read.json())["record"]["writer"])
    latest = (await (await client.get(f"/v3/b/{bin_id}", headers=pro.headers)).json())["record"]
    # every write is either archived exactly once or is the live content
    assert sorted([*archived, latest["writer"]]) == list(range(-1, 12))


# --- meta and delete ----------------------------------------------------------------------


async def test_rename_and_privacy(client, pro):
    bin_id = await create_bin(client, pro, {"a": 1})
    renamed = await client.put(
        f"/v3/b/{bin_id}/meta/name", headers={**pro.headers, "X-Bin-Name": "new name"}
    )
    assert await renamed.json() == {"record": bin_id, "metadata": {"name": "new name"}}
    blank = await client.put(f"/v3/b/{bin_id}/meta/name", headers={**pro.headers, "X-Bin-Name": ""})
    await expect(blank, 400, messages.BIN_NAME)
    public = await client.put(
        f"/v3/b/{bin_id}/meta/privacy", headers={**pro.headers, "X-Bin-Private": "false"}
    )
    assert await public.json() == {"record": bin_id, "metadata": {"private": False}}
    assert (await client.get(f"/v3/b/{bin_id}")).status == 200


async def test_delete_bin_reports_versions_and_is_gone(client, pro, free):
    bin_id = await create_bin(client, pro, {"n": 0})
    await client.put(
        f"/v3/b/{bin_id}", json={"n": 1}, headers={**pro.json_headers, "X-Bin-Versioning": "true"}
    )
    await expect(await client.delete(f"/v3/b/{bin_id}"), 401, messages.MASTER_KEY_MISSING)
    await expect(
        await client.delete(f"/v3/b/{bin_id}", headers=free.headers),
        404,
        messages.BIN_NOT_FOUND_OR_FOREIGN,
    )
    deleted = await client.delete(f"/v3/b/{bin_id}", headers=pro.headers)
    assert await deleted.json() == {
        "metadata": {"id": bin_id, "versionsDeleted": 1},
        "message": messages.BIN_DELETED,
    }
    await expect(
        await client.get(f"/v3/b/{bin_id}", headers=pro.headers),
        404,
        messages.BIN_NOT_FOUND_OR_FOREIGN,
    )


async def test_keys_with_odd_characters_round_trip(client, pro):
    record = {"a.b": 1, "$x": {"%y": [1, {"": None}]}, "ü": "ß"}
    bin_id = await create_bin(client, pro, record)
    await client.put(f"/v3/b/{bin_id}", json=record, headers=pro.json_headers)
    read = await client.get(f"/v3/b/{bin_id}?meta=false", headers=pro.headers)
    assert await read.json() == record


async def test_unknown_route_under_v3_is_json_404(client):
    response = await client.get("/v3/nothing")
    assert response.status == 404
    assert await response.json() == {"message": messages.ROUTE_NOT_FOUND}


async def test_update_echoes_the_record_as_valid_json_whatever_its_encoding(client, pro):
    bin_id = await create_bin(client, pro, {"a": 1})
    spaced = b'  {"a" :  [1, 2.50, "\\u00e9"]}  '
    response = await client.put(f"/v3/b/{bin_id}", data=spaced, headers=pro.json_headers)
    assert (await response.json())["record"] == {"a": [1, 2.5, "é"]}
    with_bom = b"\xef\xbb\xbf" + b'{"b": "\xc3\xa9"}'
    response = await client.put(f"/v3/b/{bin_id}", data=with_bom, headers=pro.json_headers)
    assert response.status == 200
    assert (await response.json())["record"] == {"b": "é"}
