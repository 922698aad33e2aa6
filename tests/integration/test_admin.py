"""The admin API and the CLI on a real database: projects, keys, users."""

import json
import os
import subprocess
import sys

import pytest
from aiohttp import web

from service.app import create_app
from service.config import Settings
from service.store import projects
from service.web.appkeys import STORE
from service.web.dialect import CorsPolicy, Dialect

TOKEN = "test-admin-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


class KeyDialect(Dialect):
    """A minimal dialect: `X-Key` names the project; `/k/whoami` answers with its id."""

    name = "keyed"
    prefixes = ("/k",)
    cors = CorsPolicy(allow_credentials=True, expose_headers=("Authorization",))
    honours_no_origin = True

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/k/whoami", self.whoami)]

    async def identify(self, request):
        key = request.headers.get("X-Key") or request.query.get("key")
        if not key:
            return None
        found = await request.app[STORE].directory.resolve(key)
        return None if found is None else found[0]

    async def whoami(self, request: web.Request) -> web.Response:
        project = await self.identify(request)
        if project is None:
            return web.json_response({"who": None}, status=401)
        return web.json_response({"who": project.id})


@pytest.fixture
async def client(aiohttp_client, database):
    settings = Settings(admin_token=TOKEN, key_cache_seconds=60)
    app = create_app(settings, database=database, dialects=[KeyDialect()])
    return await aiohttp_client(app)


async def create(client, **body):
    response = await client.post("/admin/projects", json={"name": "acme", **body}, headers=AUTH)
    assert response.status == 201, await response.text()
    return await response.json()


async def test_admin_requires_the_bearer_token(client):
    assert (await client.post("/admin/projects", json={"name": "x"})).status == 401
    wrong = {"Authorization": "Bearer nope"}
    assert (await client.post("/admin/projects", json={"name": "x"}, headers=wrong)).status == 401


async def test_create_returns_keys_once_and_get_shows_no_secrets(client, database):
    created = await create(client, plan="free", allowedOrigins=["https://App.example.com"])
    assert set(created) == {
        "id",
        "name",
        "plan",
        "apiKey",
        "masterKey",
        "allowedOrigins",
        "disallowNoOrigin",
        "createdAt",
    }
    assert created["plan"] == "free"
    assert created["allowedOrigins"] == ["https://app.example.com"]
    shown = await (await client.get(f"/admin/projects/{created['id']}", headers=AUTH)).json()
    assert "apiKey" not in shown and "masterKey" not in shown
    assert shown["name"] == "acme"
    stored = json.dumps(
        [doc async for doc in database[projects.KEYS].find({}, {"_id": 0})], default=str
    )
    assert created["apiKey"] not in stored and created["masterKey"] not in stored


async def test_create_refuses_bad_input_with_field_details(client):
    response = await client.post(
        "/admin/projects",
        json={"name": "", "plan": "gold", "allowedOrigins": ["not-an-origin"], "extra": 1},
        headers=AUTH,
    )
    assert response.status == 400
    details = (await response.json())["error"]["details"]
    assert {"name", "plan", "allowedOrigins", "extra"} <= set(details)


async def test_duplicate_project_name_is_409(client):
    await create(client)
    response = await client.post("/admin/projects", json={"name": "acme"}, headers=AUTH)
    assert response.status == 409


async def test_patch_changes_plan_and_unknown_project_is_404(client):
    created = await create(client)
    response = await client.patch(
        f"/admin/projects/{created['id']}", json={"plan": "free"}, headers=AUTH
    )
    assert (await response.json())["plan"] == "free"
    missing = await client.patch("/admin/projects/nope", json={"plan": "free"}, headers=AUTH)
    assert missing.status == 404


async def test_rotated_key_stops_working_on_next_request(client):
    created = await create(client)
    old = created["masterKey"]
    assert (await client.get("/k/whoami", headers={"X-Key": old})).status == 200
    response = await client.post(
        f"/admin/projects/{created['id']}/keys/rotate", json={"which": "masterKey"}, headers=AUTH
    )
    new = (await response.json())["masterKey"]
    assert new != old
    assert (await client.get("/k/whoami", headers={"X-Key": old})).status == 401
    answer = await client.get("/k/whoami", headers={"X-Key": new})
    assert (await answer.json())["who"] == created["id"]
    assert (await client.get("/k/whoami", headers={"X-Key": created["apiKey"]})).status == 200


async def test_origin_removed_by_patch_is_refused_on_next_request(client):
    created = await create(client, allowedOrigins=["https://a.example", "https://b.example"])
    key = {"X-Key": created["apiKey"]}
    ok = await client.get("/k/whoami", headers={**key, "Origin": "https://b.example"})
    assert ok.status == 200
    assert ok.headers["Access-Control-Allow-Origin"] == "https://b.example"
    assert ok.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in ok.headers["Vary"]
    await client.patch(
        f"/admin/projects/{created['id']}",
        json={"allowedOrigins": ["https://a.example"]},
        headers=AUTH,
    )
    refused = await client.get("/k/whoami", headers={**key, "Origin": "https://b.example"})
    assert refused.status == 403
    assert (await refused.json())["error"]["code"] == "origin"
    still = await client.get("/k/whoami", headers={**key, "Origin": "https://a.example"})
    assert still.status == 200


async def test_preflight_is_answered_and_refused_for_foreign_origin(client):
    created = await create(client, allowedOrigins=["https://a.example"])
    url = f"/k/whoami?key={created['apiKey']}"
    preflight = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "X-Key"}
    ok = await client.options(url, headers={**preflight, "Origin": "https://a.example"})
    assert ok.status == 200
    assert ok.headers["Access-Control-Allow-Origin"] == "https://a.example"
    assert ok.headers["Access-Control-Allow-Origin"] != "*"
    refused = await client.options(url, headers={**preflight, "Origin": "https://evil.example"})
    assert refused.status == 403
    assert "Access-Control-Allow-Origin" not in refused.headers


async def test_disallow_no_origin_refuses_requests_without_origin(client):
    created = await create(client, disallowNoOrigin=True)
    key = {"X-Key": created["apiKey"]}
    assert (await client.get("/k/whoami", headers=key)).status == 403
    with_origin = await client.get("/k/whoami", headers={**key, "Origin": "https://x.example"})
    assert with_origin.status == 200


async def test_delete_removes_project_and_its_data(client, database):
    created = await create(client)
    await database["records"].insert_one({"project": created["id"], "data": 1})
    await database["records"].insert_one({"project": "other", "data": 2})
    response = await client.delete(f"/admin/projects/{created['id']}", headers=AUTH)
    assert response.status == 204
    assert (await client.get(f"/admin/projects/{created['id']}", headers=AUTH)).status == 404
    assert await database["records"].count_documents({}) == 1
    assert (await client.get("/k/whoami", headers={"X-Key": created["apiKey"]})).status == 401


async def test_create_user_hides_password(client, database):
    created = await create(client)
    response = await client.post(
        f"/admin/projects/{created['id']}/users",
        json={"email": "Ann@Example.com", "password": "s3cret-pass"},
        headers=AUTH,
    )
    assert response.status == 201
    assert await response.json() == {
        "id": (await response.json())["id"],
        "email": "ann@example.com",
        "username": "ann@example.com",
    }
    stored = await database[projects.USERS].find_one({})
    assert "s3cret-pass" not in json.dumps(stored, default=str)
    again = await client.post(
        f"/admin/projects/{created['id']}/users",
        json={"email": "ann@example.com", "password": "other-pass"},
        headers=AUTH,
    )
    assert again.status == 409


def run_cli(uri: str, db_name: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "MONGODB_URI": uri, "MONGODB_DB": db_name}
    return subprocess.run(
        [sys.executable, "-m", "service", "admin", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


async def test_cli_provisions_through_the_same_code(db_uri, database, client):
    made = run_cli(db_uri, database.name, "create-project", "cli-proj", "--plan", "free")
    assert made.returncode == 0, made.stderr
    created = json.loads(made.stdout)
    assert created["plan"] == "free" and created["masterKey"].startswith("rhm_")
    patched = run_cli(
        db_uri, database.name, "update-project", created["id"], "--origins", "https://a.example"
    )
    assert json.loads(patched.stdout)["allowedOrigins"] == ["https://a.example"]
    rotated = run_cli(db_uri, database.name, "rotate-key", created["id"], "apiKey")
    new_key = json.loads(rotated.stdout)["apiKey"]
    assert (await client.get("/k/whoami", headers={"X-Key": new_key})).status == 200
    user = run_cli(
        db_uri,
        database.name,
        "create-user",
        created["id"],
        "u@example.com",
        stdin="a-long-password\n",
    )
    assert json.loads(user.stdout)["email"] == "u@example.com"
    deleted = run_cli(db_uri, database.name, "delete-project", created["id"])
    assert deleted.returncode == 0
    missing = run_cli(db_uri, database.name, "get-project", created["id"])
    assert missing.returncode == 1
    assert "not found" in missing.stderr


async def test_delete_removes_versions_of_the_projects_records(client, database):
    created = await create(client)
    await database["records"].insert_one({"_id": "r1", "project": created["id"], "ns": "x"})
    # Versions live beside their records, with their project and no namespace.
    await database["records"].insert_one({"_id": "r1/1", "project": created["id"], "version": 1})
    await database["records"].insert_one({"_id": "o/1", "project": "other", "version": 1})
    await client.delete(f"/admin/projects/{created['id']}", headers=AUTH)
    assert [doc["_id"] async for doc in database["records"].find()] == ["o/1"]
