"""Each field type of the seed's table: values it accepts (and how they are stored) and values
it refuses with a 422 naming the property, without writing anything."""

from typing import Any

import pytest

from tests.dialects.highlevel.conftest import (
    RECORDS,
    create_record,
    read_record,
    refused,
    update_record,
)

OPT = "option_{}_internal_key".format

# key -> (accepted: [(sent, stored)], refused: [(sent, message)])
CASES: dict[str, tuple[list[tuple[Any, Any]], list[tuple[Any, str]]]] = {
    "ticket_name": (  # TEXT
        [("hello", "hello"), ("", "")],
        [(5, "must be a string"), (True, "must be a string"), (["a"], "must be a string")],
    ),
    "notes": (  # LARGE_TEXT
        [("line 1\nline 2", "line 1\nline 2")],
        [(1.5, "must be a string"), ({"a": 1}, "must be a string")],
    ),
    "customer_number": (  # NUMERICAL
        [(0, 0), (-3, -3), (2.5, 2.5), (10**15, 10**15)],
        [
            ("12", "must be a number"),
            (True, "must be a number"),
            ({"value": 1}, "must be a number"),
        ],
    ),
    "phone_number": (  # PHONE
        [("+917000000000", "+917000000000"), ("+14155550123", "+14155550123")],
        [
            ("917000000000", "must be a phone number"),
            ("+0917000000", "must be a phone number"),
            ("+91 7000000000", "must be a phone number"),
            ("+1234", "must be a phone number"),
            ("+1234567890123456", "must be a phone number"),
            (917000000000, "must be a phone number"),
        ],
    ),
    "money": (  # MONETORY
        [
            ({"currency": "default", "value": 100}, {"currency": "default", "value": 100}),
            ({"value": 9.5, "currency": "USD"}, {"currency": "USD", "value": 9.5}),
            ({"value": 5}, {"currency": "default", "value": 5}),
        ],
        [
            (100, "must be an object"),
            ({"currency": "default", "value": "100"}, "must be an object"),
            ({"currency": "default", "value": True}, "must be an object"),
            ({"currency": "default"}, "must be an object"),
            ({"currency": "default", "value": 1, "extra": 2}, "must be an object"),
        ],
    ),
    "type_of_ticket": (  # SINGLE_OPTIONS
        [(OPT(2), OPT(2))],
        [
            ("OPTION_1_INTERNAL_KEY", "must be a valid option key"),  # a label, not a key
            ("nope", "must be a valid option key"),
            (1, "must be a valid option key"),
        ],
    ),
    "priority": (  # RADIO
        [("high", "high")],
        [("HIGH", "must be a valid option key"), ("medium", "must be a valid option key")],
    ),
    "channel": (  # RADIO with allowCustomOption
        [("email", "email"), ("carrier pigeon", "carrier pigeon")],
        [("", "must be a valid option key"), (3, "must be a valid option key")],
    ),
    "section_of_app": (  # MULTIPLE_OPTIONS
        [({"add": [OPT(1), OPT(2)]}, [OPT(1), OPT(2)]), ([OPT(4)], [OPT(4)])],
        [
            ({"add": ["OPTION_1_INTERNAL_KEY"]}, "must be a valid option key"),
            ({"remove": ["nope"]}, "must be a valid option key"),
            (OPT(1), "must be an object"),
            ({"add": OPT(1)}, "must be an object"),
            ({"replace": [OPT(1)]}, "must be an object"),
            ({}, "must be an object"),
        ],
    ),
    "tags": (  # CHECKBOX
        [
            ({"add": ["vip"], "remove": []}, ["vip"]),
            ({"add": ["urgent"], "remove": ["vip"]}, ["urgent"]),
        ],
        [({"add": ["VIP"]}, "must be a valid option key"), ("vip", "must be an object")],
    ),
    "recieved_on": (  # DATE
        [("2024-02-29", "2024-02-29")],
        [
            ("2023-02-29", "must be a valid date"),
            ("2024-13-01", "must be a valid date"),
            ("11/07/2024", "must be a valid date"),
            ("2024-7-1", "must be a valid date"),
            ("20240711", "must be a valid date"),
            ("2024-07-11T00:00:00Z", "must be a valid date"),
            (20240711, "must be a valid date"),
        ],
    ),
    "images": (  # FILE_UPLOAD, .png/.jpg, at most 2
        [
            (
                {"add": [{"url": "https://cdn.example.com/a.png"}]},
                [{"url": "https://cdn.example.com/a.png"}],
            ),
            ([{"url": "http://files.example/b.JPG"}], [{"url": "http://files.example/b.JPG"}]),
        ],
        [
            ({"add": [{"url": "ftp://files.example/a.png"}]}, "must hold file objects"),
            ({"add": [{"url": "not a url.png"}]}, "must hold file objects"),
            ({"add": [{"url": "https://x.example/a.png", "name": "a"}]}, "must hold file objects"),
            ({"add": ["https://x.example/a.png"]}, "must hold file objects"),
            (
                {"add": [{"url": "https://x.example/a.pdf"}]},
                "accepts only these file formats: .jpg, .png",
            ),
            (
                [{"url": f"https://x.example/{n}.png"} for n in range(3)],
                "must contain no more than 2 elements",
            ),
        ],
    ),
}


@pytest.mark.parametrize("key", list(CASES))
async def test_field_type_accepts_valid_values_and_refuses_others(client, location, ticket, key):
    accepted, refusals = CASES[key]
    record = await create_record(client, location)
    for sent, stored in accepted:
        response = await update_record(client, location, record["id"], {"properties": {key: sent}})
        assert response.status == 200, (key, sent, await response.text())
        assert (await response.json())["record"]["properties"][key] == stored
    before = await read_record(client, location, record["id"])
    for sent, message in refusals:
        response = await update_record(client, location, record["id"], {"properties": {key: sent}})
        problems = await refused(response)
        assert problems == [f"properties.{key} {message}"] or (
            len(problems) == 1 and problems[0].startswith(f"properties.{key} {message}")
        ), (key, sent, problems)
    assert await read_record(client, location, record["id"]) == before


async def test_textbox_list_takes_field_dot_option_keys_only(client, location, ticket):
    record = await create_record(client, location)
    response = await update_record(
        client, location, record["id"], {"properties": {"my_textbox_list.option_b": "text"}}
    )
    assert (await response.json())["record"]["properties"] == {"my_textbox_list.option_b": "text"}
    body = {
        "properties": {
            "my_textbox_list.option_z": "x",
            "my_textbox_list": {"option_a": "x"},
            "my_textbox_list.option_a": 3,
            "notes.sub": "x",
        }
    }
    await refused(
        await update_record(client, location, record["id"], body),
        "properties.my_textbox_list.option_z must be a valid option key",
        "properties.my_textbox_list must be set per option, as my_textbox_list.<option key>",
        "properties.my_textbox_list.option_a must be a string",
        "property properties.notes.sub should not exist",
    )


async def test_not_a_number_literal_is_refused_not_stored(client, location, ticket):
    """NaN and integers beyond 64 bits are not JSON the edge accepts (web/body.py): a 400,
    as HighLevel's body parser answers for NaN, before any field is checked."""
    record = await create_record(client, location)
    for number in ("NaN", str(2**64)):
        response = await client.put(
            f"{RECORDS}/{record['id']}",
            params={"locationId": location.id},
            data=f'{{"properties": {{"customer_number": {number}}}}}',
            headers={**location.headers, "Content-Type": "application/json"},
        )
        assert response.status == 400, await response.text()
        assert (await response.json())["error"] == "Bad Request"
    assert await read_record(client, location, record["id"]) == record


async def test_file_limit_holds_against_files_already_stored(client, location, ticket):
    files = [{"url": "https://x.example/1.png"}, {"url": "https://x.example/2.jpg"}]
    record = await create_record(client, location, {"properties": {"images": files}})
    more = {"properties": {"images": {"add": [{"url": "https://x.example/3.png"}]}}}
    await refused(
        await update_record(client, location, record["id"], more),
        "properties.images must contain no more than 2 elements",
    )
    swap = {
        "properties": {
            "images": {
                "add": [{"url": "https://x.example/3.png"}],
                "remove": [{"url": "https://x.example/1.png"}],
            }
        }
    }
    response = await update_record(client, location, record["id"], swap)
    assert (await response.json())["record"]["properties"]["images"] == [
        {"url": "https://x.example/2.jpg"},
        {"url": "https://x.example/3.png"},
    ]
