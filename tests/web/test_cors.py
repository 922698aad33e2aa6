"""CORS at the edge: preflights, echoed origins, Vary and credentials, per dialect and project."""

import pytest
from aiohttp import web

from service.app import create_app
from service.config import Settings
from service.store import projects
from service.web.appkeys import STORE
from service.web.cors import allows_origin
from service.web.dialect import CorsPolicy, Dialect

ALLOW_ORIGIN = "Access-Control-Allow-Origin"
ALLOW_CREDENTIALS = "Access-Control-Allow-Credentials"
MINE = "https://mine.example"
EVIL = "https://evil.example"
BIN = "/v3/b/" + "a" * 24


def preflight(origin: str, method: str = "PUT", headers: str = "X-Master-Key, Content-Type"):
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": headers,
    }


def assert_no_cors(response) -> None:
    assert not [name for name in response.headers if name.startswith("Access-Control-")]
    assert "Origin" in response.headers["Vary"]


class CookieDialect(Dialect):
    """A credentialed dialect, as rested is: `?key=` or `X-Key` names the project."""

    name = "cookie"
    prefixes = ("/c",)
    cors = CorsPolicy(
        allow_methods=frozenset({"GET", "POST"}),
        allow_headers=frozenset({"x-key", "authorization"}),
        expose_headers=("Authorization",),
        allow_credentials=True,
    )

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/c/echo", self.echo),
            web.post("/c/echo", self.echo),
            web.delete("/c/echo", self.echo),
        ]

    async def identify(self, request):
        key = request.headers.get("X-Key") or request.query.get("key")
        found = await request.app[STORE].directory.resolve(key) if key else None
        return None if found is None else found[0]

    async def echo(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True}, headers={"Vary": "Accept-Encoding"})


@pytest.fixture
async def client(aiohttp_client, database):
    return await aiohttp_client(create_app(Settings(), database=database))


@pytest.fixture
async def cookie_client(aiohttp_client, database):
    app = create_app(Settings(), database=database, dialects=[CookieDialect()])
    return await aiohttp_client(app)


async def make_project(database, name: str, origins: frozenset[str] = frozenset()) -> str:
    _, keys = await projects.create_project(database, name=name, allowed_origins=origins)
    return keys["masterKey"]


# --- JSONBin and HighLevel: every origin, never credentials ------------------------------


async def test_jsonbin_preflight_echoes_any_origin_with_the_requested_headers(client):
    response = await client.options(BIN, headers=preflight("https://anywhere.example"))
    assert response.status == 200
    assert response.headers[ALLOW_ORIGIN] == "https://anywhere.example"
    assert set(response.headers["Access-Control-Allow-Methods"].split(", ")) >= {"GET", "PUT"}
    assert response.headers["Access-Control-Allow-Headers"] == "x-master-key, content-type"
    assert response.headers["Access-Control-Max-Age"] == "600"
    assert response.headers["Vary"] == "Origin"
    assert ALLOW_CREDENTIALS not in response.headers


async def test_preflight_of_a_method_the_path_does_not_serve_is_the_dialects_405(client):
    response = await client.options(BIN, headers=preflight(MINE, method="PATCH"))
    assert response.status == 405
    assert "message" in await response.json()  # JSONBin's envelope
    assert "PUT" in response.headers["Allow"]
    assert_no_cors(response)


async def test_preflight_of_a_path_no_route_serves_is_the_dialects_404(client):
    response = await client.options("/v3/nothing-here", headers=preflight(MINE))
    assert response.status == 404
    assert await response.json() == {"message": "Route not found"}
    assert_no_cors(response)


async def test_jsonbin_errors_carry_the_cors_headers_so_a_page_can_read_them(client):
    unknown = await client.get("/v3/nothing-here", headers={"Origin": MINE})
    assert unknown.status == 404
    assert unknown.headers[ALLOW_ORIGIN] == MINE
    no_key = await client.post("/v3/b", json={"a": 1}, headers={"Origin": MINE})
    assert no_key.status == 401
    assert await no_key.json() == {"message": "You need to pass X-Master-Key in the header"}
    assert no_key.headers[ALLOW_ORIGIN] == MINE
    assert no_key.headers["Vary"] == "Origin"
    assert ALLOW_CREDENTIALS not in no_key.headers


async def test_vary_origin_is_on_cors_responses_without_an_origin_too(client, database):
    master = await make_project(database, "plain")
    created = await client.post("/v3/b", json={"a": 1}, headers={"X-Master-Key": master})
    assert created.status == 200
    assert created.headers["Vary"] == "Origin"
    assert ALLOW_ORIGIN not in created.headers
    missing = await client.get(BIN, headers={"X-Master-Key": master})
    assert missing.status == 404
    assert missing.headers["Vary"] == "Origin"


async def test_routes_without_cors_get_no_cors_headers(client):
    response = await client.get("/livez", headers={"Origin": MINE})
    assert response.status == 200
    assert ALLOW_ORIGIN not in response.headers
    assert "Vary" not in response.headers


async def test_an_allow_list_narrows_jsonbin_cors_and_agrees_with_the_403(client, database):
    master = await make_project(database, "listed", frozenset({MINE}))
    headers = {"X-Master-Key": master}
    allowed = await client.post("/v3/b", json={"a": 1}, headers={**headers, "Origin": MINE})
    assert allowed.status == 200
    assert allowed.headers[ALLOW_ORIGIN] == MINE
    refused = await client.post("/v3/b", json={"a": 1}, headers={**headers, "Origin": EVIL})
    assert refused.status == 403
    assert await refused.json() == {"message": "origin not allowed"}
    assert_no_cors(refused)


async def test_highlevel_preflight_and_errors_answer_every_origin_without_credentials(client):
    response = await client.options("/objects/", headers=preflight(MINE, "GET", "Authorization"))
    assert response.status == 200
    assert response.headers[ALLOW_ORIGIN] == MINE
    assert response.headers["Access-Control-Allow-Headers"] == "authorization"
    assert ALLOW_CREDENTIALS not in response.headers
    unauthorised = await client.get("/objects/", headers={"Origin": MINE, "Version": "2021-07-28"})
    assert unauthorised.status == 401
    assert (await unauthorised.json())["statusCode"] == 401
    assert unauthorised.headers[ALLOW_ORIGIN] == MINE
    assert "X-RateLimit-Remaining" in unauthorised.headers["Access-Control-Expose-Headers"]
    assert ALLOW_CREDENTIALS not in unauthorised.headers


# --- a credentialed dialect: credentials only with an allow-listed origin ------------------


async def test_credentialed_cors_echoes_only_an_allow_listed_origin(cookie_client, database):
    key = await make_project(database, "cookies", frozenset({MINE}))
    allowed = await cookie_client.get("/c/echo", headers={"X-Key": key, "Origin": MINE})
    assert allowed.status == 200
    assert allowed.headers[ALLOW_ORIGIN] == MINE
    assert allowed.headers[ALLOW_CREDENTIALS] == "true"
    assert allowed.headers["Access-Control-Expose-Headers"] == "Authorization"
    assert allowed.headers["Vary"] == "Accept-Encoding, Origin"
    refused = await cookie_client.get("/c/echo", headers={"X-Key": key, "Origin": EVIL})
    assert refused.status == 403
    assert_no_cors(refused)


async def test_credentialed_preflight_with_the_key_in_the_url(cookie_client, database):
    key = await make_project(database, "cookies", frozenset({MINE}))
    url = f"/c/echo?key={key}"
    allowed = await cookie_client.options(url, headers=preflight(MINE, "POST", "X-Key"))
    assert allowed.status == 200
    assert allowed.headers[ALLOW_ORIGIN] == MINE
    assert allowed.headers[ALLOW_CREDENTIALS] == "true"
    assert allowed.headers["Access-Control-Allow-Methods"] == "GET, POST"  # not DELETE
    assert allowed.headers["Access-Control-Allow-Headers"] == "authorization, x-key"
    foreign = await cookie_client.options(url, headers=preflight(EVIL, "POST", "X-Key"))
    assert foreign.status == 403  # the origin policy's refusal
    assert (await foreign.json())["error"]["code"] == "origin"
    assert_no_cors(foreign)


async def test_credentialed_preflight_without_a_project_echoes_no_origin(cookie_client):
    response = await cookie_client.options("/c/echo", headers=preflight(MINE, "GET", "X-Key"))
    assert response.status == 200
    assert response.headers[ALLOW_ORIGIN] == MINE
    assert ALLOW_CREDENTIALS not in response.headers


async def test_an_empty_allow_list_gives_no_credentialed_cors(cookie_client, database):
    key = await make_project(database, "open")
    actual = await cookie_client.get("/c/echo", headers={"X-Key": key, "Origin": EVIL})
    assert actual.status == 200
    assert actual.headers[ALLOW_ORIGIN] == EVIL
    assert ALLOW_CREDENTIALS not in actual.headers
    url = f"/c/echo?key={key}"
    answered = await cookie_client.options(url, headers=preflight(EVIL, "GET", "X-Key"))
    assert answered.status == 200
    assert ALLOW_CREDENTIALS not in answered.headers


@pytest.mark.parametrize(
    ("method", "headers"),
    [("DELETE", "X-Key"), ("GET", "X-Key, X-Other"), ("GET", "X-Other")],
)
async def test_preflight_of_a_method_or_header_outside_the_policy_is_403_without_cors(
    cookie_client, database, method, headers
):
    key = await make_project(database, "strict", frozenset({MINE}))
    url = f"/c/echo?key={key}"
    response = await cookie_client.options(url, headers=preflight(MINE, method, headers))
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "cors"
    assert_no_cors(response)


async def test_safelisted_request_headers_need_no_listing(cookie_client, database):
    key = await make_project(database, "strict", frozenset({MINE}))
    url = f"/c/echo?key={key}"
    response = await cookie_client.options(url, headers=preflight(MINE, "POST", "Content-Type"))
    assert response.status == 200
    assert response.headers[ALLOW_ORIGIN] == MINE


# --- the origin rule itself ---------------------------------------------------------------


def test_credentials_are_never_combined_with_every_origin():
    assert not allows_origin(CorsPolicy(allow_credentials=True), MINE)
    assert allows_origin(CorsPolicy(), MINE)


def test_listed_origins_match_in_any_spelling_and_null_never_does():
    policy = CorsPolicy(allow_credentials=True, allow_origins=frozenset({MINE}))
    assert allows_origin(policy, "HTTPS://Mine.example:443")
    assert not allows_origin(policy, EVIL)
    assert not allows_origin(policy, "null")
    assert not allows_origin(CorsPolicy(allow_origins=frozenset()), MINE)
