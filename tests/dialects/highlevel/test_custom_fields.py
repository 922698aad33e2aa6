"""Custom fields over HTTP: create each data type with its settings, get, update, delete, list."""

import pytest

from service.dialects.highlevel import customfields
from tests.dialects.highlevel.conftest import (
    FIELDS,
    OBJECT,
    create_field,
    create_object,
    create_record,
    field_body,
    read_record,
    refused,
    update_record,
)


async def test_every_data_type_is_created_with_its_settings(client, location, ticket):
    response = await client.get(
        f"/custom-fields/object-key/{OBJECT}",
        params={"locationId": location.id},
        headers=location.headers,
    )
    assert response.status == 200
    body = await response.json()
    assert body["folders"] == []
    by_key = {field["fieldKey"]: field for field in body["fields"]}
    assert {field["dataType"] for field in body["fields"]} == {
        "TEXT", "LARGE_TEXT", "TEXTBOX_LIST", "NUMERICAL", "PHONE", "MONETORY", "SINGLE_OPTIONS",
        "RADIO", "MULTIPLE_OPTIONS", "CHECKBOX", "DATE", "FILE_UPLOAD",
    }  # fmt: skip
    radio = by_key[f"{OBJECT}.channel"]
    assert radio["allowCustomOption"] is True
    assert radio["options"] == [{"key": "email", "label": "EMAIL"}]
    assert radio["objectKey"] == OBJECT and radio["locationId"] == location.id
    images = by_key[f"{OBJECT}.images"]
    assert images["maxFileLimit"] == 2 and images["acceptedFormats"] == ".png,.jpg"
    assert "options" not in by_key[f"{OBJECT}.notes"]


A = {"fieldKey": "a"}


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ({**A, "dataType": "SINGLE_OPTIONS"}, "options should not be empty for a SINGLE_OPTIONS"),
        ({**A, "dataType": "TEXT", "options": ["x"]}, "options are only valid for SINGLE_OPTIONS"),
        (
            {**A, "dataType": "TEXTBOX_LIST", "options": ["x.y"]},
            "options.0.key must be a non-empty",
        ),
        ({**A, "dataType": "CHECKBOX", "options": ["x", "x"]}, "options must have unique keys"),
        (
            {**A, "dataType": "TEXT", "maxFileLimit": 2},
            "maxFileLimit is only valid for FILE_UPLOAD",
        ),
        (
            {**A, "dataType": "CHECKBOX", "options": ["x"], "allowCustomOption": True},
            "allowCustomOption is only valid for RADIO fields",
        ),
        ({**A, "dataType": "FILE_UPLOAD", "acceptedFormats": ".exe"}, "acceptedFormats must be"),
        ({**A, "dataType": "FILE_UPLOAD", "maxFileLimit": "2"}, "maxFileLimit must be an integer"),
        ({**A, "dataType": "EMAIL"}, "dataType must be one of the following values: TEXT,"),
        ({"fieldKey": "Bad Key", "dataType": "TEXT"}, "fieldKey must be lowercase letters"),
        (
            {"fieldKey": "custom_objects.other.a", "dataType": "TEXT"},
            f"fieldKey must belong to the object {OBJECT}",
        ),
    ],
)
async def test_create_refuses_settings_that_do_not_fit_the_type(
    client, location, ticket, spec, problem
):
    response = await client.post(
        "/custom-fields/", json=field_body(location, spec), headers=location.headers
    )
    problems = await refused(response)
    assert len(problems) == 1 and problems[0].startswith(problem), problems


async def test_create_refuses_duplicates_and_unknown_objects(client, location, ticket):
    again = field_body(location, FIELDS[0])
    response = await client.post("/custom-fields/", json=again, headers=location.headers)
    assert response.status == 409
    ghost = field_body(location, {"fieldKey": "a", "dataType": "TEXT"}, "custom_objects.ghost")
    response = await client.post("/custom-fields/", json=ghost, headers=location.headers)
    assert response.status == 404


async def test_a_new_field_is_usable_in_records_at_once(client, location, ticket):
    record = await create_record(client, location)
    body = {"properties": {"breed": "collie"}}
    await refused(await update_record(client, location, record["id"], body))
    await create_field(client, location, {"fieldKey": "breed", "dataType": "TEXT"})
    response = await update_record(client, location, record["id"], body)
    assert response.status == 200
    assert (await response.json())["record"]["properties"] == {"breed": "collie"}


async def test_get_and_update_a_field(client, location, ticket):
    field = await create_field(
        client, location, {"fieldKey": "size", "dataType": "SINGLE_OPTIONS", "options": ["s"]}
    )
    path = f"/custom-fields/{field['id']}"
    got = await client.get(path, headers=location.headers)
    assert (await got.json())["field"] == field
    change = {
        "locationId": location.id,
        "showInForms": False,
        "name": "Shirt size",
        "options": [{"key": "s", "label": "Small"}, {"key": "m", "label": "Medium"}],
        "dataType": "SINGLE_OPTIONS",
    }
    response = await client.put(path, json=change, headers=location.headers)
    assert response.status == 200
    updated = (await response.json())["field"]
    assert updated["name"] == "Shirt size" and updated["showInForms"] is False
    assert [option["key"] for option in updated["options"]] == ["s", "m"]
    # The new option is valid in records straight away (the cache was dropped).
    record = await create_record(client, location, {"properties": {"size": "m"}})
    assert record["properties"] == {"size": "m"}
    dropping = {**change, "options": [{"key": "m", "label": "Medium"}], "dataType": "TEXT"}
    await refused(
        await client.put(path, json=dropping, headers=location.headers),
        "dataType cannot be changed",
        "options cannot be removed: include every existing option (s)",
    )
    missing = await client.get(f"/custom-fields/{'0' * 24}", headers=location.headers)
    assert missing.status == 404


async def test_delete_answers_succeded_and_clears_the_fields_values(client, location, ticket):
    fields = await client.get(
        f"/custom-fields/object-key/{OBJECT}",
        params={"locationId": location.id},
        headers=location.headers,
    )
    by_key = {field["fieldKey"]: field for field in (await fields.json())["fields"]}
    record = await create_record(
        client,
        location,
        {"properties": {"notes": "n", "my_textbox_list.option_a": "a", "ticket_name": "t"}},
    )
    for key in ("notes", "my_textbox_list"):
        field = by_key[f"{OBJECT}.{key}"]
        response = await client.delete(f"/custom-fields/{field['id']}", headers=location.headers)
        assert response.status == 200
        assert await response.json() == {
            "succeded": True,
            "id": field["id"],
            "key": field["fieldKey"],
        }
    assert (await read_record(client, location, record["id"]))["properties"] == {"ticket_name": "t"}
    await refused(
        await update_record(client, location, record["id"], {"properties": {"notes": "x"}}),
        "property properties.notes should not exist",
    )
    primary = by_key[f"{OBJECT}.ticket_name"]
    await refused(
        await client.delete(f"/custom-fields/{primary['id']}", headers=location.headers),
        "the primary display property cannot be deleted",
    )


async def test_fields_of_another_location_are_not_visible(client, location, database, ticket):
    from tests.dialects.highlevel.conftest import make_location

    other = await make_location(database, "location-b")
    await create_object(client, other)
    theirs = await create_field(client, other, {"fieldKey": "x", "dataType": "TEXT"})
    response = await client.get(f"/custom-fields/{theirs['id']}", headers=location.headers)
    assert response.status == 404
    deleted = await client.delete(f"/custom-fields/{theirs['id']}", headers=location.headers)
    assert deleted.status == 404


@pytest.mark.parametrize("then", ["create the key again", "delete again", "load the object"])
async def test_a_delete_cut_short_after_its_mark_is_finished_by_whoever_comes_next(
    client, location, ticket, monkeypatch, then
):
    """A crash between the delete's transaction and the clearing of the values: the field
    is gone at once, and the next schema load, same-key create or delete clears them."""
    fields = await client.get(
        f"/custom-fields/object-key/{OBJECT}",
        params={"locationId": location.id},
        headers=location.headers,
    )
    notes = {f["fieldKey"]: f for f in (await fields.json())["fields"]}[f"{OBJECT}.notes"]
    record = await create_record(
        client, location, {"properties": {"notes": "n", "ticket_name": "t"}}
    )
    finish = customfields.finish_delete

    async def crash(*args, **kwargs):
        raise RuntimeError("the process died here")

    monkeypatch.setattr(customfields, "finish_delete", crash)
    response = await client.delete(f"/custom-fields/{notes['id']}", headers=location.headers)
    assert response.status == 500
    monkeypatch.setattr(customfields, "finish_delete", finish)
    gone = await client.get(f"/custom-fields/{notes['id']}", headers=location.headers)
    assert gone.status == 404
    if then == "create the key again":
        again = await create_field(client, location, {"fieldKey": "notes", "dataType": "TEXT"})
        assert again["id"] != notes["id"]
    elif then == "delete again":
        response = await client.delete(f"/custom-fields/{notes['id']}", headers=location.headers)
        assert response.status == 404
    else:
        await refused(
            await update_record(client, location, record["id"], {"properties": {"notes": "x"}}),
            "property properties.notes should not exist",
        )
    assert (await read_record(client, location, record["id"]))["properties"] == {"ticket_name": "t"}
