"""Records over HTTP: create, get, the seed's update, delete, and their refusals."""

from service.core.documents import encode_key
from service.dialects.highlevel.objectschema import NS_PREFIX
from service.web.appkeys import STORE
from tests.dialects.highlevel.conftest import (
    OBJECT,
    RECORDS,
    create_record,
    read_record,
    refused,
    update_record,
)

SEED_BODY = {
    "owner": {"add": ["v5cEPM428h8vShlRW1KT"], "remove": ["sx6wyHhbFdRXh302Lunr"]},
    "followers": {
        "add": ["v5cEPM428h8vShlRW1KT", "17asdaashqw6wbsd7qwhe"],
        "remove": ["sx6wyHhbFdRXh302Lunr"],
    },
    "properties": {
        "customer_number": 1424,
        "ticket_name": "Customer not able to login",
        "phone_number": "+917000000000",
        "money": {"currency": "default", "value": 100},
        "type_of_ticket": "option_1_internal_key",
        "section_of_app": {
            "add": ["option_3_internal_key", "option_4_internal_key"],
            "remove": ["option_1_internal_key"],
        },
        "recieved_on": "2024-07-11",
        "my_files": {
            "add": [{"url": "https://example.com/new-file.pdf"}],
            "remove": [{"url": "https://example.com/old-file.pdf"}],
        },
        "my_textbox_list.option_a": "Value 1",
        "my_textbox_list.option_b": "Value 2",
    },
}


async def seeded_record(client, location):
    """A record holding what the seed's example removes, so every remove has work to do."""
    return await create_record(
        client,
        location,
        {
            "owners": ["sx6wyHhbFdRXh302Lunr"],
            "followers": ["sx6wyHhbFdRXh302Lunr", "keptFollower"],
            "properties": {
                "ticket_name": "old name",
                "section_of_app": ["option_1_internal_key", "option_2_internal_key"],
                "my_files": [{"url": "https://example.com/old-file.pdf"}],
                "notes": "kept as it was",
            },
        },
    )


async def test_seed_example_body_applies_field_by_field(client, location, ticket):
    record = await seeded_record(client, location)
    response = await update_record(client, location, record["id"], SEED_BODY)
    assert response.status == 200, await response.text()
    answered = (await response.json())["record"]
    stored = await read_record(client, location, record["id"])
    assert answered == stored
    assert stored["id"] == record["id"]
    # owner: the single owner swapped in one call (remove first, then add)
    assert stored["owner"] == ["v5cEPM428h8vShlRW1KT"]
    assert stored["followers"] == ["keptFollower", "v5cEPM428h8vShlRW1KT", "17asdaashqw6wbsd7qwhe"]
    properties = stored["properties"]
    assert properties["customer_number"] == 1424
    assert properties["ticket_name"] == "Customer not able to login"
    assert properties["phone_number"] == "+917000000000"
    assert properties["money"] == {"currency": "default", "value": 100}
    assert properties["type_of_ticket"] == "option_1_internal_key"
    assert properties["section_of_app"] == [
        "option_2_internal_key",
        "option_3_internal_key",
        "option_4_internal_key",
    ]
    assert properties["recieved_on"] == "2024-07-11"
    assert properties["my_files"] == [{"url": "https://example.com/new-file.pdf"}]
    assert properties["my_textbox_list.option_a"] == "Value 1"
    assert properties["my_textbox_list.option_b"] == "Value 2"
    assert properties["notes"] == "kept as it was"  # partial: untouched properties stay
    assert len(properties) == 11
    assert stored["dateAdded"] == record["dateAdded"]
    assert stored["dateUpdated"] >= record["dateUpdated"]


async def test_create_answers_201_with_the_record_and_accepts_owners_spelling(
    client, location, ticket
):
    body = {
        "locationId": location.id,
        "owners": ["user1"],
        "followers": ["user2", "user3", "user2"],
        "properties": {"ticket_name": "Printer on fire", "customer_number": 7},
    }
    response = await client.post(RECORDS, json=body, headers=location.headers)
    assert response.status == 201
    record = (await response.json())["record"]
    assert set(record) == {"id", "owner", "followers", "properties", "dateAdded", "dateUpdated"}
    assert len(record["id"]) == 24 and int(record["id"], 16) >= 0
    assert record["owner"] == ["user1"]
    assert record["followers"] == ["user2", "user3"]
    assert record["properties"] == {"ticket_name": "Printer on fire", "customer_number": 7}
    assert record["dateAdded"].endswith("Z")
    assert await read_record(client, location, record["id"]) == record


async def test_create_refuses_two_owners_and_unknown_properties(client, location, ticket):
    body = {"locationId": location.id, "owner": ["a", "b"], "properties": {"nope": 1}}
    response = await client.post(RECORDS, json=body, headers=location.headers)
    await refused(
        response,
        "owner must contain no more than 1 elements",
        "property properties.nope should not exist",
    )


async def test_null_removes_a_property_and_a_textbox_option(client, location, ticket):
    record = await create_record(
        client,
        location,
        {"properties": {"ticket_name": "x", "notes": "y", "my_textbox_list.option_a": "z"}},
    )
    body = {"properties": {"notes": None, "my_textbox_list.option_a": None}}
    response = await update_record(client, location, record["id"], body)
    assert response.status == 200
    assert (await response.json())["record"]["properties"] == {"ticket_name": "x"}


async def test_plain_array_on_update_replaces_the_values(client, location, ticket):
    record = await create_record(
        client, location, {"followers": ["a", "b"], "properties": {"tags": ["vip"]}}
    )
    body = {"followers": ["c"], "properties": {"tags": ["urgent"]}}
    response = await update_record(client, location, record["id"], body)
    stored = (await response.json())["record"]
    assert stored["followers"] == ["c"]
    assert stored["properties"]["tags"] == ["urgent"]


async def test_a_refused_update_writes_nothing(client, location, ticket):
    record = await create_record(client, location, {"properties": {"ticket_name": "before"}})
    body = {
        "followers": {"add": ["ok"]},
        "properties": {"ticket_name": "after", "customer_number": "12", "ghost": 1},
    }
    messages = await refused(
        await update_record(client, location, record["id"], body),
        "properties.customer_number must be a number",
        "property properties.ghost should not exist",
    )
    assert len(messages) == 2
    assert await read_record(client, location, record["id"]) == record


async def test_owner_beyond_one_is_refused_atomically_with_the_rest(client, location, ticket):
    record = await create_record(client, location, {"owner": ["first"]})
    body = {"owner": {"add": ["second"]}, "properties": {"ticket_name": "changed"}}
    await refused(
        await update_record(client, location, record["id"], body),
        "owner must contain no more than 1 elements",
    )
    stored = await read_record(client, location, record["id"])
    assert stored["owner"] == ["first"]
    assert "ticket_name" not in stored["properties"]


async def test_followers_beyond_ten_are_refused_and_owner_and_owners_clash(
    client, location, ticket
):
    record = await create_record(client, location, {"followers": [f"u{n}" for n in range(9)]})
    over = {"followers": {"add": ["x", "y"]}}
    await refused(
        await update_record(client, location, record["id"], over),
        "followers must contain no more than 10 elements",
    )
    both = {"owner": ["a"], "owners": ["a"]}
    await refused(
        await update_record(client, location, record["id"], both),
        "owner and owners cannot both be given",
    )
    response = await update_record(client, location, record["id"], {"followers": {"add": ["x"]}})
    assert len((await response.json())["record"]["followers"]) == 10


async def test_update_of_a_missing_record_is_404_in_highlevels_shape(client, location, ticket):
    response = await update_record(client, location, "0" * 24, {"properties": {"notes": "x"}})
    assert response.status == 404
    body = await response.json()
    assert body == {
        "statusCode": 404,
        "message": "Record not found",
        "error": "Not Found",
        "traceId": response.headers["X-Request-ID"],
    }
    malformed = await client.get(f"{RECORDS}/not-an-id", headers=location.headers)
    assert malformed.status == 404


async def test_update_requires_the_location_in_the_query(client, location, ticket):
    record = await create_record(client, location)
    response = await client.put(
        f"{RECORDS}/{record['id']}", json={"properties": {}}, headers=location.headers
    )
    await refused(response, "locationId should not be empty")


async def test_delete_answers_id_and_success_then_the_record_is_gone(client, location, ticket):
    record = await create_record(client, location)
    response = await client.delete(f"{RECORDS}/{record['id']}", headers=location.headers)
    assert response.status == 200
    assert await response.json() == {"id": record["id"], "success": True}
    again = await client.get(f"{RECORDS}/{record['id']}", headers=location.headers)
    assert again.status == 404
    second = await client.delete(f"{RECORDS}/{record['id']}", headers=location.headers)
    assert second.status == 404


async def test_records_of_an_unknown_object_are_404(client, location, ticket):
    body = {"locationId": location.id, "properties": {}}
    response = await client.post(
        "/objects/custom_objects.ghost/records", json=body, headers=location.headers
    )
    assert response.status == 404
    assert (await response.json())["message"] == "Custom object not found"


async def test_records_live_apart_from_jsonbin_bins_with_no_index_but_their_id(
    client, database, location, ticket
):
    """SecantusDB rewrites every index entry of a record on every write of it, so the
    records carry none: a search's pages walk the catalog, whose entries change only on
    create and delete."""
    created = await create_record(client, location, {"properties": {"ticket_name": "t"}})
    stored_id = encode_key(location.id, NS_PREFIX + OBJECT, created["id"])
    assert await database["objectrecords"].count_documents({"_id": stored_id}) == 1
    assert await database["records"].count_documents({}) == 0
    for collection in ("objectrecords", "records"):
        assert list(await database[collection].index_information()) in ([], ["_id_"])
    assert await database["catalog"].count_documents({"_id": stored_id}) == 1
    response = await client.delete(f"{RECORDS}/{created['id']}", headers=location.headers)
    assert response.status == 200
    assert await database["catalog"].count_documents({"_id": stored_id}) == 0


async def test_an_earlier_releases_records_get_catalog_entries_and_lose_their_index(
    client, database, location, dialect, ticket
):
    """Before 2026-12 search pages walked an index on the records and no record had an
    entry or migration mark; starting up adds the entries and drops the index (on
    SecantusDB, which the tests run on), once."""
    records = [
        await create_record(client, location, {"properties": {"ticket_name": n}}) for n in "ab"
    ]
    await database["catalog"].delete_many({})
    await database["migrations"].delete_many({})
    old_index = [("project", 1), ("ns", 1), ("createdAt", -1), ("_id", -1)]
    await database["objectrecords"].create_index(old_index)
    await dialect.ensure_indexes(client.app[STORE])
    assert list(await database["objectrecords"].index_information()) == ["_id_"]
    assert await database["catalog"].count_documents({}) == 2
    await dialect.ensure_indexes(client.app[STORE])  # nothing left to do: no scan, no change
    assert await database["catalog"].count_documents({}) == 2
    response = await client.post(
        f"{RECORDS}/search", json={"locationId": location.id}, headers=location.headers
    )
    found = await response.json()
    assert found["total"] == 2
    assert [item["id"] for item in found["records"]] == [r["id"] for r in reversed(records)]
