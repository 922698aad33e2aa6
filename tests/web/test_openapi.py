"""The OpenAPI document and Swagger UI: valid, complete, and usable without the internet."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp import hdrs, web
from openapi_spec_validator import validate

from service.app import create_app
from service.config import Settings
from service.dialects.highlevel import objectschema
from service.dialects.jsonbin.dialect import JsonBinDialect
from service.web.dialect import Dialect
from service.web.openapi import collect_docs
from service.web.routedoc import Reply, Route, RouteDoc, definitions, documented

ADMIN_TOKEN = "admin-token-for-openapi-tests"


class GadgetDialect(Dialect):
    """A dialect written after the OpenAPI module: one documented route, one not."""

    name = "gadgets"
    prefixes = ("/gadgets",)

    def __init__(self) -> None:
        body = {"type": "object", "required": ["size"], "properties": {"size": {"type": "integer"}}}
        made = RouteDoc("Make a gadget", request=body, responses={201: Reply("Made")})
        self.table = [
            Route("POST", "/gadgets", _make_gadget, made),
            Route("GET", "/gadgets/{gid}", _read_gadget),
        ]

    def routes(self) -> list[web.RouteDef]:
        return definitions(self.table)

    def docs(self) -> dict[tuple[str, str], Any]:
        return documented(self.table)


async def _make_gadget(request: web.Request) -> web.Response:
    return web.json_response({}, status=201)


async def _read_gadget(request: web.Request) -> web.Response:
    """Read one gadget by its id.

    Longer text that is not the summary.
    """
    return web.json_response({})


@pytest.fixture
async def client(aiohttp_client, database):
    return await aiohttp_client(create_app(Settings(admin_token=ADMIN_TOKEN), database=database))


async def _spec(client) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status == 200
    assert response.content_type == "application/json"
    return await response.json()


def _client_routes(app: web.Application) -> set[tuple[str, str]]:
    """(method, template) of every route a client calls: no preflights, HEADs or files."""
    found = set()
    for route in app.router.routes():
        if route.method in (hdrs.METH_OPTIONS, hdrs.METH_HEAD):
            continue
        if isinstance(route.resource, web.StaticResource) or route.resource is None:
            continue
        found.add((route.method, route.resource.canonical))
    return found


def _operations(spec: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in spec["paths"].items() for method in item}


def _ref(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    name = schema["$ref"].rsplit("/", 1)[-1]
    return spec["components"]["schemas"][name]


async def test_openapi_json_is_a_valid_openapi_3_document(client):
    spec = await _spec(client)

    validate(spec)  # raises on any violation of the OpenAPI 3.1 meta-schema
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "RecordHub"


async def test_every_client_route_of_the_app_is_in_the_spec(client):
    spec = await _spec(client)

    routes = _client_routes(client.app)
    assert {("POST", "/v3/b"), ("PUT", "/v3/b/{id}"), ("POST", "/admin/projects")} <= routes
    assert routes == _operations(spec)


async def test_every_route_of_the_app_has_a_written_doc(client):
    # A route without one would fall back to its handler's docstring.
    assert _client_routes(client.app) == set(collect_docs(client.app))


async def test_no_preflight_or_head_operation_is_listed(client):
    spec = await _spec(client)

    methods = {method for _, item in spec["paths"].items() for method in item}
    assert "options" not in methods
    assert "head" not in methods


async def test_jsonbin_bodies_are_documented(client):
    spec = await _spec(client)
    paths = spec["paths"]

    bin_body = paths["/v3/b"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert bin_body["not"]["enum"] == [{}, [], None, ""]
    assert paths["/v3/b/{id}"]["put"]["requestBody"]["required"] is True
    key_body = paths["/v3/a"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    permissions = _ref(spec, key_body)
    assert permissions["required"] == ["bins"]
    assert set(_ref(spec, permissions["properties"]["bins"])["properties"]) == {
        "create",
        "read",
        "update",
        "delete",
    }
    assert "requestBody" in paths["/v3/s"]["post"]
    assert "requestBody" in paths["/v3/s/{sid}"]["put"]
    assert "requestBody" not in paths["/v3/b/{id}"]["get"]


async def test_admin_bodies_come_from_the_admin_schemas(client):
    spec = await _spec(client)
    paths = spec["paths"]

    def body(path: str, method: str) -> dict[str, Any]:
        return _ref(
            spec, paths[path][method]["requestBody"]["content"]["application/json"]["schema"]
        )

    create = body("/admin/projects", "post")
    assert create["required"] == ["name"]
    assert create["properties"]["plan"]["enum"] == ["free", "pro"]
    assert create["properties"]["allowedOrigins"]["type"] == "array"
    assert create["additionalProperties"] is False
    assert "name" not in body("/admin/projects/{id}", "patch")["properties"]
    assert set(body("/admin/projects/{id}/users", "post")["required"]) == {"email", "password"}
    assert body("/admin/projects/{id}/keys/rotate", "post")["properties"]["which"]["enum"] == [
        "apiKey",
        "masterKey",
    ]


async def test_jsonbin_headers_and_keys_are_documented(client):
    spec = await _spec(client)

    headers = {
        param["name"]
        for item in spec["paths"].values()
        for operation in item.values()
        for param in operation["parameters"]
        if param["in"] == "header"
    }
    schemes = spec["components"]["securitySchemes"]
    assert schemes["masterKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-Master-Key",
        "description": "Master key",
    }
    assert schemes["accessKey"]["name"] == "X-Access-Key"
    assert schemes["adminToken"]["scheme"] == "bearer"
    assert {
        "X-Bin-Private",
        "X-Bin-Name",
        "X-Collection-Id",
        "X-Bin-Versioning",
        "X-Bin-Meta",
        "X-JSON-Path",
        "X-Sort-Order",
        "X-Collection-Name",
        "X-Schema-Doc-Name",
        "X-Schema-Doc-Id",
        "X-Key-Name",
        "X-Preserve-Latest",
    } <= headers
    # A public bin is readable without a key: the anonymous alternative is listed.
    assert {} in spec["paths"]["/v3/b/{id}"]["get"]["security"]
    assert {} not in spec["paths"]["/v3/c"]["post"]["security"]


async def test_documented_operations_list_success_and_a_default_error(client):
    spec = await _spec(client)

    for path, item in spec["paths"].items():
        for method, operation in item.items():
            statuses = set(operation["responses"])
            assert "default" in statuses, (method, path)
            assert any(status.startswith("2") for status in statuses), (method, path)
    jsonbin_error = spec["paths"]["/v3/b"]["post"]["responses"]["default"]
    assert _ref(spec, jsonbin_error["content"]["application/json"]["schema"])["required"] == [
        "message"
    ]
    admin_error = spec["paths"]["/admin/projects"]["post"]["responses"]["default"]
    assert "error" in _ref(spec, admin_error["content"]["application/json"]["schema"])["required"]
    assert "401" in spec["paths"]["/v3/c"]["get"]["responses"]


async def test_a_new_dialect_is_listed_with_or_without_docs(aiohttp_client, database):
    app = create_app(Settings(), database=database, dialects=[JsonBinDialect(), GadgetDialect()])
    client = await aiohttp_client(app)

    spec = await _spec(client)

    validate(spec)
    made = spec["paths"]["/gadgets"]["post"]
    assert made["tags"] == ["gadgets"]
    assert made["requestBody"]["content"]["application/json"]["schema"]["required"] == ["size"]
    assert "201" in made["responses"]
    read = spec["paths"]["/gadgets/{gid}"]["get"]
    assert read["summary"] == "Read one gadget by its id."
    assert read["parameters"][0] == {
        "name": "gid",
        "in": "path",
        "required": True,
        "description": "gid",
        "schema": {"type": "string"},
    }
    assert "default" in read["responses"]


async def test_spec_is_built_once_and_served_as_is(client):
    first = await (await client.get("/openapi.json")).read()
    second = await (await client.get("/openapi.json")).read()

    assert first == second


async def test_docs_page_loads_only_local_assets(client):
    response = await client.get("/docs")
    assert response.status == 200
    assert response.content_type == "text/html"
    page = await response.text()

    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    assert any(asset.endswith(".css") for asset in assets)
    for asset in assets:
        assert asset.startswith("/") and not asset.startswith("//"), asset
        answer = await client.get(asset)
        assert answer.status == 200, asset
    assert not re.search(r"https?://", page)
    # The page loads this service's spec, and never the public validator service.
    assert 'url: "/openapi.json"' in page
    assert "validatorUrl: null" in page


async def test_unknown_asset_is_a_404(client):
    response = await client.get("/docs/static/no-such-file.js")

    assert response.status == 404


async def test_highlevel_bodies_say_what_the_api_validates(client):
    spec = await _spec(client)
    paths = spec["paths"]

    def body(path: str, method: str) -> dict[str, Any]:
        return paths[path][method]["requestBody"]["content"]["application/json"]["schema"]

    created = body("/objects/", "post")
    assert set(created["required"]) == {
        "labels",
        "key",
        "locationId",
        "primaryDisplayPropertyDetails",
    }
    assert created["additionalProperties"] is False
    assert re.fullmatch(created["properties"]["key"]["pattern"], "custom_objects.pet")
    assert not re.fullmatch(created["properties"]["key"]["pattern"], "Pets!")
    # One variant per group of data types: together they name every type exactly once.
    types = [
        t
        for v in body("/custom-fields/", "post")["oneOf"]
        for t in v["properties"]["dataType"]["enum"]
    ]
    assert sorted(types) == sorted(objectschema.DATA_TYPES)
    search = body("/objects/{key}/records/search", "post")["properties"]
    assert search["page"]["maximum"] == 10_000
    version = next(p for p in paths["/objects/"]["get"]["parameters"] if p["name"] == "Version")
    assert version["required"] is True and not re.search(version["schema"]["pattern"], "  ")


async def test_admin_origins_are_documented_as_origins(client):
    spec = await _spec(client)
    patch = spec["paths"]["/admin/projects/{id}"]["patch"]["requestBody"]["content"]
    schema = _ref(spec, patch["application/json"]["schema"])

    pattern = schema["properties"]["allowedOrigins"]["items"]["pattern"]
    assert re.fullmatch(pattern, "https://app.example.com:8443")
    assert not re.fullmatch(pattern, "app.example.com/path")
