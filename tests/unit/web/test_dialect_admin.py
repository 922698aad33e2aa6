"""Admin routes a dialect contributes: served under /admin behind the admin token, answered
in the admin envelope, and documented in /openapi.json like the admin API's own routes."""

import pytest
from aiohttp import web
from mongomock_motor import AsyncMongoMockClient

from service.app import create_app
from service.config import Settings
from service.web.dialect import Dialect
from service.web.routedoc import Reply, Route, RouteDoc

TOKEN = "admin-token-for-dialect-admin-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
COUNT = {"type": "object", "required": ["gadgets"], "properties": {"gadgets": {"type": "integer"}}}


class GadgetDialect(Dialect):
    """A dialect with one public route and one admin route of its own."""

    name = "gadgets"
    prefixes = ("/gadgets",)

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/gadgets", self.list_gadgets)]

    def admin_routes(self) -> list[Route]:
        doc = RouteDoc("Count every project's gadgets", responses={200: Reply("The count", COUNT)})
        return [Route("GET", "/gadgets/count", self.count_gadgets, doc)]

    async def list_gadgets(self, request: web.Request) -> web.Response:
        return web.json_response([])

    async def count_gadgets(self, request: web.Request) -> web.Response:
        return web.json_response({"gadgets": 3})


class UndocumentedDialect(Dialect):
    name = "widgets"
    prefixes = ("/widgets",)

    def admin_routes(self) -> list[Route]:
        return [Route("GET", "/widgets/stats", self.widget_stats)]

    async def widget_stats(self, request: web.Request) -> web.Response:
        """Widget statistics across projects.

        Not part of the summary.
        """
        return web.json_response({})


async def _client(aiohttp_client, settings: Settings):
    database = AsyncMongoMockClient()["dialect_admin"]
    dialects: list[Dialect] = [GadgetDialect(), UndocumentedDialect()]
    return await aiohttp_client(create_app(settings, database=database, dialects=dialects))


@pytest.fixture
async def client(aiohttp_client):
    return await _client(aiohttp_client, Settings(admin_token=TOKEN))


async def test_a_dialect_admin_route_is_served_under_admin_with_the_token(client):
    response = await client.get("/admin/gadgets/count", headers=AUTH)

    assert response.status == 200
    assert await response.json() == {"gadgets": 3}


async def test_a_dialect_admin_route_is_not_served_outside_admin(client):
    response = await client.get("/gadgets/count", headers=AUTH)

    assert response.status == 404


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong-token-of-enough-length"}, {"X-Admin": TOKEN}]
)
async def test_a_dialect_admin_route_refuses_a_missing_or_wrong_token_in_the_admin_envelope(
    client, headers
):
    response = await client.get("/admin/gadgets/count", headers=headers)

    assert response.status == 401
    body = await response.json()
    assert body["error"]["code"] == "unauthorized"
    assert body["error"]["message"] == "admin bearer token missing or invalid"


async def test_a_dialect_admin_route_is_404_while_the_admin_api_is_disabled(aiohttp_client):
    client = await _client(aiohttp_client, Settings(admin_token=None))

    response = await client.get("/admin/gadgets/count", headers=AUTH)

    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"


async def test_a_dialect_admin_route_is_documented_as_an_admin_route(client):
    spec = await (await client.get("/openapi.json")).json()
    ours = spec["paths"]["/admin/gadgets/count"]["get"]
    theirs = spec["paths"]["/admin/projects/{id}"]["get"]

    assert ours["summary"] == "Count every project's gadgets"
    assert ours["tags"] == theirs["tags"] == ["admin"]
    assert ours["security"] == theirs["security"] == [{"adminToken": []}]
    assert ours["responses"]["200"]["content"]["application/json"]["schema"] == COUNT
    assert {"401", "404"} <= set(ours["responses"])
    assert ours["responses"]["default"] == theirs["responses"]["default"]
    assert "/gadgets/count" not in spec["paths"]


async def test_an_undocumented_dialect_admin_route_gets_its_docstring_and_the_admin_token(client):
    spec = await (await client.get("/openapi.json")).json()
    stats = spec["paths"]["/admin/widgets/stats"]["get"]

    assert stats["summary"] == "Widget statistics across projects."
    assert stats["tags"] == ["admin"]
    assert stats["security"] == [{"adminToken": []}]
    assert "401" in stats["responses"]
