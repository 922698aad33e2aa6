"""HighLevel dialect tests: the whole app on a real database, a location and the seed's object."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from service.app import create_app
from service.config import Settings
from service.dialects.highlevel.dialect import HighLevelDialect
from service.store import projects

OBJECT = "custom_objects.event_ticket"
RECORDS = f"/objects/{OBJECT}/records"

# The seed's example object: one field per property of its example body, and the types the
# example leaves out (LARGE_TEXT, RADIO with and without custom values, CHECKBOX).
FIELDS: list[dict[str, Any]] = [
    {"fieldKey": "customer_number", "dataType": "NUMERICAL"},
    {"fieldKey": "phone_number", "dataType": "PHONE"},
    {"fieldKey": "money", "dataType": "MONETORY"},
    {
        "fieldKey": "type_of_ticket",
        "dataType": "SINGLE_OPTIONS",
        "options": ["option_1_internal_key", "option_2_internal_key"],
    },
    {
        "fieldKey": "section_of_app",
        "dataType": "MULTIPLE_OPTIONS",
        "options": [f"option_{n}_internal_key" for n in range(1, 5)],
    },
    {"fieldKey": "recieved_on", "dataType": "DATE"},
    {
        "fieldKey": "my_files",
        "dataType": "FILE_UPLOAD",
        "maxFileLimit": 3,
        "acceptedFormats": "all",
    },
    {
        "fieldKey": "my_textbox_list",
        "dataType": "TEXTBOX_LIST",
        "options": ["option_a", "option_b"],
    },
    {"fieldKey": "notes", "dataType": "LARGE_TEXT"},
    {"fieldKey": "priority", "dataType": "RADIO", "options": ["low", "high"]},
    {"fieldKey": "channel", "dataType": "RADIO", "options": ["email"], "allowCustomOption": True},
    {"fieldKey": "tags", "dataType": "CHECKBOX", "options": ["vip", "urgent"]},
    {
        "fieldKey": "images",
        "dataType": "FILE_UPLOAD",
        "maxFileLimit": 2,
        "acceptedFormats": ".png,.jpg",
    },
]


@dataclass
class Location:
    """A project seen as a HighLevel location: its id and its token (the master key)."""

    id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Version": "2021-07-28"}


async def make_location(database, name: str) -> Location:
    project, keys = await projects.create_project(database, name=name)
    return Location(project.id, keys["masterKey"])


@pytest.fixture
def dialect() -> HighLevelDialect:
    return HighLevelDialect()


@pytest.fixture
async def client(aiohttp_client, database, dialect):
    return await aiohttp_client(create_app(Settings(), database=database, dialects=[dialect]))


@pytest.fixture
async def location(database) -> Location:
    return await make_location(database, "location-a")


def field_body(
    location: Location, spec: dict[str, Any], object_key: str = OBJECT
) -> dict[str, Any]:
    body = {**spec, "locationId": location.id, "objectKey": object_key, "showInForms": True}
    body.setdefault("name", spec["fieldKey"].replace("_", " ").title())
    if "options" in spec:
        body["options"] = [{"key": key, "label": key.upper()} for key in spec["options"]]
    return body


async def create_object(client, location: Location, key: str = OBJECT) -> dict[str, Any]:
    body = {
        "labels": {"singular": "Ticket", "plural": "Tickets"},
        "key": key,
        "description": "Support tickets",
        "locationId": location.id,
        "primaryDisplayPropertyDetails": {
            "key": "ticket_name",
            "name": "Ticket name",
            "dataType": "TEXT",
        },
    }
    response = await client.post("/objects/", json=body, headers=location.headers)
    assert response.status == 201, await response.text()
    return (await response.json())["object"]


async def create_field(
    client, location: Location, spec: dict[str, Any], object_key: str = OBJECT
) -> dict[str, Any]:
    body = field_body(location, spec, object_key)
    response = await client.post("/custom-fields/", json=body, headers=location.headers)
    assert response.status == 201, await response.text()
    return (await response.json())["field"]


@pytest.fixture
async def ticket(client, location) -> dict[str, Any]:
    """The seed's object with every field type; returns the object schema."""
    obj = await create_object(client, location)
    for spec in FIELDS:
        await create_field(client, location, spec)
    return obj


async def create_record(
    client, location: Location, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    payload = {"locationId": location.id, "properties": {}, **(body or {})}
    response = await client.post(RECORDS, json=payload, headers=location.headers)
    assert response.status == 201, await response.text()
    return (await response.json())["record"]


async def update_record(client, location: Location, record_id: str, body: Any):
    return await client.put(
        f"{RECORDS}/{record_id}",
        params={"locationId": location.id},
        json=body,
        headers=location.headers,
    )


async def read_record(client, location: Location, record_id: str) -> dict[str, Any]:
    response = await client.get(f"{RECORDS}/{record_id}", headers=location.headers)
    assert response.status == 200, await response.text()
    return (await response.json())["record"]


async def refused(response, *expected: str) -> list[str]:
    """Assert a 422 in HighLevel's envelope holding (at least) the expected messages."""
    assert response.status == 422, await response.text()
    body = await response.json()
    assert body["statusCode"] == 422 and body["error"] == "Unprocessable Entity"
    assert isinstance(body["message"], list) and body["traceId"]
    for message in expected:
        assert message in body["message"], body["message"]
    return body["message"]
