"""Inputs that answered 500 while probing the documented API: each must answer 4xx."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from service.app import create_app
from service.config import Settings
from service.store import projects

Probe = Callable[[Any, dict[str, str]], Awaitable[Any]]


@pytest.fixture
async def client(aiohttp_client, database):
    return await aiohttp_client(create_app(Settings(), database=database))


@pytest.fixture
async def master(database) -> dict[str, str]:
    _, keys = await projects.create_project(database, name="fuzz-findings")
    return {"X-Master-Key": keys["masterKey"]}


async def _bin(client, master: dict[str, str], **headers: str) -> str:
    response = await client.post("/v3/b", json={"a": "x"}, headers={**master, **headers})
    assert response.status == 200, await response.text()
    return (await response.json())["metadata"]["id"]


async def _bin_under_schema(client, master: dict[str, str], schema: dict[str, Any]) -> Any:
    """Attach `schema` to a collection (if accepted), then write a bin into that collection."""
    created = await client.post("/v3/s", json=schema, headers={**master, "X-Schema-Doc-Name": "s"})
    if created.status != 200:
        return created
    schema_id = (await created.json())["metadata"]["id"]
    collection = await client.post("/v3/c", headers={**master, "X-Collection-Name": "c"})
    collection_id = (await collection.json())["record"]
    attached = await client.put(
        f"/v3/c/{collection_id}/schemadoc/add", headers={**master, "X-Schema-Doc-Id": schema_id}
    )
    assert attached.status == 200, await attached.text()
    return await client.post(
        "/v3/b", json={"a": "x"}, headers={**master, "X-Collection-Id": collection_id}
    )


async def _read_unicode_digit_version(client, master):
    return await client.get(f"/v3/b/{await _bin(client, master)}/\u00b2", headers=master)


async def _read_version_beyond_int64(client, master):
    return await client.get(f"/v3/b/{await _bin(client, master)}/{2**70}", headers=master)


async def _read_with_bad_regex_in_json_path(client, master):
    headers = {**master, "X-JSON-Path": "$[?(@ =~ '(')]"}
    return await client.get(f"/v3/b/{await _bin(client, master)}", headers=headers)


async def _create_bin_with_lone_surrogate(client, master):
    headers = {**master, "Content-Type": "application/json"}
    return await client.post("/v3/b", data=b'{"a": "\\ud800"}', headers=headers)


async def _write_under_unresolvable_ref(client, master):
    return await _bin_under_schema(client, master, {"$ref": "#/definitions/missing"})


async def _write_under_remote_ref(client, master):
    # Port 9 on loopback is closed: the server must not try to fetch it at all.
    return await _bin_under_schema(client, master, {"$ref": "http://127.0.0.1:9/schema.json"})


@pytest.mark.parametrize(
    "probe",
    [
        pytest.param(_read_unicode_digit_version, id="read_unicode_digit_version"),
        pytest.param(_read_version_beyond_int64, id="read_version_beyond_int64"),
        pytest.param(_read_with_bad_regex_in_json_path, id="read_with_bad_regex_in_json_path"),
        pytest.param(_create_bin_with_lone_surrogate, id="create_bin_with_lone_surrogate"),
        pytest.param(_write_under_unresolvable_ref, id="write_under_unresolvable_ref"),
        pytest.param(_write_under_remote_ref, id="write_under_remote_ref"),
    ],
)
async def test_found_input_answers_4xx_in_jsonbin_envelope(client, master, probe: Probe):
    response = await probe(client, master)

    assert 400 <= response.status < 500, (response.status, await response.text())
    assert set(await response.json()) == {"message"}
