"""Custom object schemas over HTTP: list, create (key prefix), get (fields, cache), update."""

from tests.dialects.highlevel.conftest import OBJECT, create_object, create_record, refused


async def test_create_adds_the_prefix_and_answers_201_with_the_schema(client, location):
    body = {
        "labels": {"singular": "Pet", "plural": "Pets"},
        "key": "pet",
        "description": "Non vaccinated pets",
        "locationId": location.id,
        "primaryDisplayPropertyDetails": {"key": "name", "name": "Pet name", "dataType": "TEXT"},
    }
    response = await client.post("/objects/", json=body, headers=location.headers)
    assert response.status == 201
    obj = (await response.json())["object"]
    assert obj["key"] == "custom_objects.pet"
    assert obj["primaryDisplayProperty"] == "custom_objects.pet.name"
    assert obj["labels"] == {"singular": "Pet", "plural": "Pets"}
    assert obj["locationId"] == location.id
    assert obj["standard"] is False and obj["type"] == "USER_DEFINED"
    assert len(obj["id"]) == 24 and obj["dateAdded"].endswith("Z")
    again = await client.post("/objects/", json=body, headers=location.headers)
    assert again.status == 409


async def test_create_refuses_bad_keys_and_missing_parts(client, location):
    body = {
        "labels": {"singular": "Pet"},
        "key": "Pet Store",
        "locationId": location.id,
        "primaryDisplayPropertyDetails": {"key": "name", "name": "Name", "dataType": "DATE"},
    }
    await refused(
        await client.post("/objects/", json=body, headers=location.headers),
        "labels.plural should not be empty",
        "primaryDisplayPropertyDetails.dataType must be one of the following values: "
        "TEXT, NUMERICAL",
    )
    body["labels"]["plural"] = "Pets"
    body["primaryDisplayPropertyDetails"]["dataType"] = "NUMERICAL"
    await refused(
        await client.post("/objects/", json=body, headers=location.headers),
        "key must be lowercase letters, digits and underscores",
    )
    body["key"] = "pet"
    body["primaryDisplayPropertyDetails"]["key"] = "custom_objects.cat.name"
    await refused(
        await client.post("/objects/", json=body, headers=location.headers),
        "primaryDisplayPropertyDetails.key must belong to the object custom_objects.pet",
    )


async def test_list_shows_the_locations_objects_only(client, location, database):
    from tests.dialects.highlevel.conftest import make_location

    other = await make_location(database, "location-b")
    await create_object(client, location)
    await create_object(client, other, "custom_objects.other")
    response = await client.get(
        "/objects/", params={"locationId": location.id}, headers=location.headers
    )
    assert response.status == 200
    assert [obj["key"] for obj in (await response.json())["objects"]] == [OBJECT]


async def test_get_with_fetch_properties_lists_fields_and_says_when_cached(
    client, location, ticket
):
    params = {"locationId": location.id, "fetchProperties": "true"}
    first = await client.get(f"/objects/{OBJECT}", params=params, headers=location.headers)
    assert first.status == 200
    body = await first.json()
    assert body["object"]["key"] == OBJECT
    assert body["cache"] is False
    keys = [field["fieldKey"] for field in body["fields"]]
    assert keys[0] == f"{OBJECT}.ticket_name"
    assert f"{OBJECT}.my_textbox_list" in keys and len(keys) == 14
    second = await client.get(f"/objects/{OBJECT}", params=params, headers=location.headers)
    assert (await second.json())["cache"] is True
    plain = await client.get(
        f"/objects/{OBJECT}", params={"locationId": location.id}, headers=location.headers
    )
    assert "fields" not in await plain.json()
    by_id = await client.get(
        f"/objects/{body['object']['id']}",
        params={"locationId": location.id},
        headers=location.headers,
    )
    assert (await by_id.json())["object"]["key"] == OBJECT
    missing = await client.get(
        "/objects/custom_objects.ghost",
        params={"locationId": location.id},
        headers=location.headers,
    )
    assert missing.status == 404


async def test_update_changes_labels_description_and_searchable_properties(
    client, location, ticket
):
    body = {
        "locationId": location.id,
        "labels": {"plural": "All tickets"},
        "description": None,
        "searchableProperties": [f"{OBJECT}.ticket_name", "customer_number"],
    }
    response = await client.put(f"/objects/{OBJECT}", json=body, headers=location.headers)
    assert response.status == 200
    obj = (await response.json())["object"]
    assert obj["labels"] == {"singular": "Ticket", "plural": "All tickets"}
    assert obj["description"] is None
    assert obj["searchableProperties"] == [f"{OBJECT}.ticket_name", f"{OBJECT}.customer_number"]
    bad = {"locationId": location.id, "searchableProperties": ["ghost", "money"]}
    await refused(
        await client.put(f"/objects/{OBJECT}", json=bad, headers=location.headers),
        f"searchableProperties: ghost is not a field of {OBJECT}",
        "searchableProperties: money of type MONETORY cannot be searched",
    )


async def test_records_of_two_objects_are_kept_apart(client, location, ticket):
    await create_object(client, location, "custom_objects.other")
    record = await create_record(client, location)
    response = await client.get(
        f"/objects/custom_objects.other/records/{record['id']}", headers=location.headers
    )
    assert response.status == 404
