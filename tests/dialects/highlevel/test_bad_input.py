"""Malformed input on every endpoint is a 4xx in HighLevel's envelope, never a 500."""

import json

from tests.dialects.highlevel.conftest import OBJECT, RECORDS, create_record

JUNK = [
    "null",
    "[]",
    '"text"',
    "1e400",
    '{"properties": []}',
    '{"properties": {"ticket_name": {"$set": 1}, "$where": 1, "": 2, "a.b.c": 3}}',
    '{"properties": {"customer_number": 1e400, "money": {"value": NaN}}}',
    '{"owner": {"add": [{"$gt": 1}]}, "followers": {"add": [null], "remove": 5}}',
    '{"owners": {"add": [], "remove": []}, "followers": {"add": [[1]]}}',
    '{"properties": {"my_files": {"add": [{"url": 5}, {"url": "https://[::1"}]}}}',
    '{"properties": {"section_of_app": {"add": [{"a": 1}], "remove": [[]]}}}',
    '{"labels": null, "key": 5, "searchableProperties": "x", "options": [1]}',
    '{"page": 1e10, "pageLimit": -1, "query": 5, "searchAfter": [1, 2, 3]}',
    '{"searchAfter": [99999999999999999999, "' + "a" * 24 + '"]}',
    '{"dataType": "TEXT", "fieldKey": "x", "objectKey": 5, "showInForms": "yes"}',
    '{"acceptedFormats": {"a": 1}, "maxFileLimit": 1.5, "options": [{"key": 1, "label": []}]}',
]


def with_location(raw: str, location_id: str) -> str:
    """The junk body, with the caller's locationId when it is an object (to get past it)."""
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    if isinstance(value, dict):
        return raw.replace("{", f'{{"locationId": "{location_id}", ', 1)
    return raw


async def test_junk_bodies_never_cause_a_server_error(client, location, ticket):
    record = await create_record(client, location)
    fields = await client.get(
        f"/custom-fields/object-key/{OBJECT}",
        params={"locationId": location.id},
        headers=location.headers,
    )
    field_id = (await fields.json())["fields"][1]["id"]
    endpoints = [
        ("POST", "/objects/"),
        ("PUT", f"/objects/{OBJECT}"),
        ("POST", RECORDS),
        ("PUT", f"{RECORDS}/{record['id']}"),
        ("POST", f"{RECORDS}/search"),
        ("POST", "/custom-fields/"),
        ("PUT", f"/custom-fields/{field_id}"),
    ]
    headers = {**location.headers, "Content-Type": "application/json"}
    for method, path in endpoints:
        for raw in JUNK:
            response = await client.request(
                method,
                path,
                params={"locationId": location.id},
                data=with_location(raw, location.id),
                headers=headers,
            )
            assert 400 <= response.status < 500, (method, path, raw, await response.text())
            body = await response.json()
            assert body["statusCode"] == response.status and body["traceId"]


async def test_lone_surrogate_escapes_are_a_400_not_a_server_error(client, location, ticket):
    """JSON may escape half of a surrogate pair; it parses, but cannot be stored or queried."""
    record = await create_record(client, location)
    at = f'"locationId": "{location.id}"'
    requests = [
        ("PUT", f"{RECORDS}/{record['id']}", '{"properties": {"ticket_name": "\\ud800"}}'),
        ("POST", RECORDS, f'{{{at}, "followers": ["\\udc00"]}}'),
        ("POST", f"{RECORDS}/search", f'{{{at}, "query": "ticket_name:\\ud800"}}'),
        ("PUT", f"/objects/{OBJECT}", f'{{{at}, "labels": {{"plural": "\\udfff"}}}}'),
    ]
    headers = {**location.headers, "Content-Type": "application/json"}
    for method, path, raw in requests:
        response = await client.request(
            method, path, params={"locationId": location.id}, data=raw, headers=headers
        )
        assert response.status == 400, (path, await response.text())
        assert (await response.json())["error"] == "Bad Request"
