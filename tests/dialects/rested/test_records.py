"""Data calls on an open endpoint: create, read, the seed's update, delete, and every error
of the seed, over HTTP on the real database."""

from __future__ import annotations

import pytest

from service.dialects.rested import messages
from service.dialects.rested.endpoints import RECORDS
from tests.dialects.rested.conftest import assert_envelope, make_endpoint, refused


async def test_post_json_answers_an_envelope_and_data_only_the_body(rested, cars):
    made = await rested.create(cars, {"make": "VW", "seats": 4})
    assert_envelope(made, {"make": "VW", "seats": 4})
    assert made["createdAt"] == made["updatedAt"]
    bare = await rested.create(cars, [1, "two"], params={"dataOnly": "true"})
    assert bare == [1, "two"]


async def test_plain_text_is_stored_as_a_json_string(rested, cars):
    made = await rested.ok(
        "POST", cars, data="hello, plain text", headers={"Content-Type": "text/plain"}
    )
    assert made["data"] == "hello, plain text"
    again = await rested.ok("GET", cars, params={"uniqueId": made["uniqueId"]})
    assert again["data"] == "hello, plain text"


async def test_get_reads_all_one_or_several_records(rested, cars):
    ids = [(await rested.create(cars, {"n": n}))["uniqueId"] for n in range(3)]
    every = await rested.ok("GET", cars)
    assert [item["uniqueId"] for item in every] == ids  # oldest first
    assert [item["data"] for item in every] == [{"n": 0}, {"n": 1}, {"n": 2}]
    one = await rested.ok("GET", cars, params={"uniqueId": ids[1]})
    assert_envelope(one, {"n": 1})
    repeated = await rested.ok("GET", cars, params=[("uniqueId", ids[0]), ("uniqueId", ids[2])])
    assert [item["data"] for item in repeated] == [{"n": 0}, {"n": 2}]
    commas = await rested.ok("GET", cars, params={"uniqueId": f"{ids[2]},{ids[0]}"})
    assert [item["uniqueId"] for item in commas] == [ids[2], ids[0]]
    bare = await rested.ok("GET", cars, params={"dataOnly": "true"})
    assert bare == [{"n": 0}, {"n": 1}, {"n": 2}]


async def test_the_seed_update_replaces_and_answers_the_updated_record(rested, cars):
    made = await rested.create(cars, {"make": "VW"})
    response = await rested.call(
        "PUT", cars, params={"uniqueId": made["uniqueId"]}, json={"newProperty": "data"}
    )
    assert response.status == 200
    updated = await response.json()
    assert_envelope(updated, {"newProperty": "data"})
    assert updated["uniqueId"] == made["uniqueId"]
    assert updated["createdAt"] == made["createdAt"] and updated["updatedAt"] >= made["updatedAt"]
    bare = await rested.ok(
        "PUT",
        cars,
        params={"uniqueId": made["uniqueId"], "dataOnly": "true"},
        data="now text",
        headers={"Content-Type": "text/plain"},
    )
    assert bare == "now text"
    assert (await rested.ok("GET", cars, params={"uniqueId": made["uniqueId"]}))["data"] == (
        "now text"
    )


async def test_delete_answers_the_deleted_record_and_it_is_gone(rested, cars):
    made = await rested.create(cars, {"make": "VW"})
    deleted = await rested.ok("DELETE", cars, params={"uniqueId": made["uniqueId"]})
    assert deleted == made
    gone = await rested.call("GET", cars, params={"uniqueId": made["uniqueId"]})
    await refused(gone, 400, messages.NO_RECORD)
    assert await rested.ok("GET", cars) == []


async def test_listings_read_the_catalog_so_a_put_maintains_no_index(database, rested, cars):
    await rested.create(cars, {"n": 1})
    indexes = [index["name"] async for index in await database[RECORDS].list_indexes()]
    assert indexes == ["_id_"]


async def test_a_missing_key_is_403_and_an_invalid_key_or_endpoint_400(rested, cars):
    await refused(await rested.call("GET", cars, key=False), 403, messages.FORBIDDEN)
    wrong = await rested.client.get(f"/api/1/ce/{cars}", params={"key": "rha_not-a-key"})
    await refused(wrong, 400, messages.INVALID_KEY)
    master_as_key = await rested.client.get(
        f"/api/1/ce/{cars}", params={"key": rested.project.master_key}
    )
    await refused(master_as_key, 400, messages.INVALID_KEY)
    await refused(await rested.call("GET", "no-such/endpoint"), 400, messages.INVALID_KEY)


async def test_another_projects_key_does_not_reach_the_endpoint(client, rested, cars):
    from tests.dialects.rested.conftest import Rested, make_project

    other = Rested(client, await make_project(client, "other-app"))
    await refused(await other.call("GET", cars), 400, messages.INVALID_KEY)


@pytest.mark.parametrize("method", ["POST", "PUT"])
async def test_wrong_content_type_and_empty_body_are_400(rested, cars, method):
    made = await rested.create(cars, {"a": 1})
    params = {"uniqueId": made["uniqueId"]}
    wrong = ["application/xml", ""]
    if method == "PUT":  # a multipart POST is an upload (test_files)
        wrong.append("multipart/form-data; boundary=x")
    for content_type in wrong:
        response = await rested.call(
            method, cars, params=params, data=b"<a/>", headers={"Content-Type": content_type}
        )
        await refused(response, 400, messages.WRONG_CONTENT_TYPE)
    for content_type in ("application/json", "text/plain"):
        response = await rested.call(
            method, cars, params=params, data=b"", headers={"Content-Type": content_type}
        )
        await refused(response, 400, messages.EMPTY_BODY)
    blank = await rested.call(
        method, cars, params=params, data=b"  \n", headers={"Content-Type": "application/json"}
    )
    await refused(blank, 400, messages.EMPTY_BODY)
    assert (await rested.ok("GET", cars, params=params))["data"] == {"a": 1}


async def test_put_and_delete_without_unique_id_are_400(rested, cars):
    await refused(await rested.call("PUT", cars, json={"a": 1}), 400, messages.UNIQUE_ID_MISSING)
    await refused(await rested.call("DELETE", cars), 400, messages.UNIQUE_ID_MISSING)
    blank = await rested.call("PUT", cars, params={"uniqueId": " , "}, json={"a": 1})
    await refused(blank, 400, messages.UNIQUE_ID_MISSING)


async def test_no_record_is_400_on_get_put_and_delete_alike(rested, cars):
    missing = {"uniqueId": "0" * 32}
    await refused(await rested.call("GET", cars, params=missing), 400, messages.NO_RECORD)
    put = await rested.call("PUT", cars, params=missing, json={"a": 1})
    await refused(put, 400, messages.NO_RECORD)
    await refused(await rested.call("DELETE", cars, params=missing), 400, messages.NO_RECORD)
    several = await rested.call("GET", cars, params={"uniqueId": f"{'1' * 32},{'2' * 32}"})
    await refused(several, 400, messages.NO_RECORD)


async def test_bad_strategy_json_or_several_ids_are_400_and_write_nothing(rested, cars):
    made = await rested.create(cars, {"a": 1})
    params = {"uniqueId": made["uniqueId"]}
    bad = await rested.call("PUT", cars, params={**params, "strategy": "upsert"}, json={"b": 2})
    await refused(bad, 400, messages.STRATEGY)
    broken = await rested.call(
        "PUT", cars, params=params, data=b'{"a": ', headers={"Content-Type": "application/json"}
    )
    await refused(broken, 400)
    two = await rested.call("PUT", cars, params={"uniqueId": f"{made['uniqueId']},x"}, json={})
    await refused(two, 400, messages.ONE_UNIQUE_ID)
    not_utf8 = await rested.call(
        "POST", cars, data=b"\xff\xfe", headers={"Content-Type": "text/plain"}
    )
    await refused(not_utf8, 400, messages.TEXT_NOT_UTF8)
    assert (await rested.ok("GET", cars, params=params))["data"] == {"a": 1}
    assert len(await rested.ok("GET", cars)) == 1


async def test_login_flags_on_an_ordinary_endpoint_are_400(rested, cars):
    response = await rested.call("POST", cars, params={"login": "true"}, json={"username": "u"})
    await refused(response, 400, messages.LOGIN_ELSEWHERE)


async def test_endpoints_do_not_share_records(client, rested, project, cars):
    await make_endpoint(client, project, "my-project/bikes")
    await rested.create(cars, {"car": 1})
    assert await rested.ok("GET", "my-project/bikes") == []


async def test_unknown_paths_under_api_answer_in_rested_envelope(rested):
    await refused(await rested.client.get("/api/2/ce/x"), 404, messages.NOT_FOUND)
    await refused(await rested.client.patch("/api/1/ce/x/y"), 405, messages.METHOD_NOT_ALLOWED)
