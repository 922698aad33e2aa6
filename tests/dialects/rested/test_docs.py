"""The OpenAPI document describes the rested routes, and the fuzz provisioner can seed them."""

from __future__ import annotations

from tests.dialects.rested.conftest import ADMIN_TOKEN
from tests.web.provision import Tenant
from tests.web.provision_rested import provision_rested


async def test_the_spec_documents_every_rested_call(client):
    spec = await (await client.get("/openapi.json")).json()
    item = spec["paths"]["/api/1/ce/{endpoint}"]
    assert sorted(item) == ["delete", "get", "post", "put"]
    for operation in item.values():
        assert operation["tags"] == ["rested"]
        names = {parameter["name"] for parameter in operation["parameters"]}
        assert {"endpoint", "key", "masterKey"} <= names
        assert "400" in operation["responses"] and "default" in operation["responses"]
    put = {p["name"]: p for p in item["put"]["parameters"]}
    assert put["uniqueId"]["required"] and put["strategy"]["schema"]["enum"] == [
        "force",
        "merge",
        "replace",
    ]
    get = {p["name"] for p in item["get"]["parameters"]}
    assert {"fileOnly", "stream", "uniqueId"} <= get
    assert (
        "413" in item["post"]["responses"] and "multipart/form-data" in item["post"]["description"]
    )
    admin = spec["paths"]["/admin/projects/{id}/endpoints"]
    assert sorted(admin) == ["get", "post"] and admin["post"]["tags"] == ["admin"]


async def test_the_fuzz_provisioner_seeds_real_values(client):
    seeded = await provision_rested(client, Tenant("unused", "unused", ADMIN_TOKEN))
    values = seeded.values("GET", "/api/1/ce/{endpoint}")
    assert values["path.endpoint"] == ("fuzz/open", "fuzz/secure", "fuzz/auth")
    key = values["query.key"][0]
    for unique_id in values["query.uniqueId"]:
        response = await client.get(
            "/api/1/ce/fuzz/open", params={"key": key, "uniqueId": unique_id}
        )
        secure = await client.get(
            "/api/1/ce/fuzz/secure",
            params={"key": key, "uniqueId": unique_id},
            headers=dict(seeded.headers),
        )
        assert 200 in (response.status, secure.status)
    doomed = seeded.values("DELETE", "/api/1/ce/{endpoint}")["query.uniqueId"]
    assert not set(doomed) & set(values["query.uniqueId"])
