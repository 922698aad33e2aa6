"""rested dialect tests: the whole app with the rested dialect on a real database, a project
and its keys, endpoints defined through the admin API, and calls as rested clients make them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from service.app import create_app
from service.config import Settings
from service.dialects.rested import messages
from service.dialects.rested.dialect import RestedDialect
from service.dialects.rested.settings import RestedSettings

ADMIN_TOKEN = "admin-token-for-rested-tests"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
BASE = "/api/1/ce"
UNIQUE_ID = re.compile(r"[0-9a-f]{32}")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@dataclass
class Project:
    id: str
    api_key: str
    master_key: str


@dataclass
class Rested:
    """Calls to one project's endpoints, with its API key unless told otherwise."""

    client: Any
    project: Project
    headers: dict[str, str] = field(default_factory=dict)

    def url(self, endpoint: str) -> str:
        return f"{BASE}/{endpoint}"

    def params(self, master: bool, key: bool, given: Any) -> list[tuple[str, str]]:
        """The key (or master key) and the call's own parameters (a dict or pairs)."""
        found: list[tuple[str, str]] = []
        if master:
            found.append(("masterKey", self.project.master_key))
        elif key:
            found.append(("key", self.project.api_key))
        pairs = given.items() if isinstance(given, dict) else given
        return found + [(name, str(value)) for name, value in pairs]

    async def call(
        self,
        method: str,
        endpoint: str,
        *,
        master: bool = False,
        key: bool = True,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ):
        params = self.params(master, key, kwargs.pop("params", {}))
        sent = {**self.headers, **(headers or {})}
        return await self.client.request(
            method, self.url(endpoint), params=params, headers=sent, **kwargs
        )

    async def ok(self, method: str, endpoint: str, **kwargs: Any) -> Any:
        response = await self.call(method, endpoint, **kwargs)
        assert response.status == 200, (response.status, await response.text())
        return await response.json()

    async def create(self, endpoint: str, data: Any, **kwargs: Any) -> dict[str, Any]:
        sent = as_json(data)
        sent["headers"] |= kwargs.pop("headers", None) or {}
        return await self.ok("POST", endpoint, **sent, **kwargs)


def as_json(value: Any) -> dict[str, Any]:
    """Request arguments sending `value` as JSON (aiohttp's `json=None` sends no body)."""
    return {"data": json.dumps(value), "headers": {"Content-Type": "application/json"}}


async def refused(response, status: int, message: str | None = None) -> str:
    """Assert an error answer in rested's envelope: `{"message": ...}` and nothing else."""
    assert response.status == status, (response.status, await response.text())
    body = await response.json()
    assert list(body) == ["message"] and isinstance(body["message"], str), body
    if message is not None:
        assert body["message"] == message
    return str(body["message"])


def assert_envelope(envelope: dict[str, Any], data: Any) -> None:
    assert list(envelope) == ["uniqueId", "data", "createdAt", "updatedAt"]
    assert UNIQUE_ID.fullmatch(envelope["uniqueId"])
    assert TIMESTAMP.fullmatch(envelope["createdAt"]) and TIMESTAMP.fullmatch(envelope["updatedAt"])
    assert envelope["data"] == data


@pytest.fixture
def rested_settings() -> RestedSettings:
    # Plain-HTTP tests: no client sends a Secure cookie over http://.
    return RestedSettings(cookie_secure=False)


@pytest.fixture
def dialect(rested_settings) -> RestedDialect:
    return RestedDialect(rested_settings)


@pytest.fixture
async def client(aiohttp_client, database, dialect):
    app = create_app(Settings(admin_token=ADMIN_TOKEN), database=database, dialects=[dialect])
    return await aiohttp_client(app)


async def make_project(client, name: str = "rested-app", **options: Any) -> Project:
    response = await client.post("/admin/projects", json={"name": name, **options}, headers=ADMIN)
    assert response.status == 201, await response.text()
    made = await response.json()
    return Project(made["id"], made["apiKey"], made["masterKey"])


async def make_endpoint(client, project: Project, name: str, **flags: bool) -> dict[str, Any]:
    path = f"/admin/projects/{project.id}/endpoints"
    response = await client.post(path, json={"name": name, **flags}, headers=ADMIN)
    assert response.status == 201, await response.text()
    return await response.json()


@pytest.fixture
async def project(client) -> Project:
    return await make_project(client)


@pytest.fixture
async def rested(client, project) -> Rested:
    return Rested(client, project)


@pytest.fixture
async def cars(client, project) -> str:
    """An open endpoint whose name holds a `/`, as rested's examples do."""
    await make_endpoint(client, project, "my-project/cars")
    return "my-project/cars"


@pytest.fixture
async def auth(client, project) -> str:
    """An authentication endpoint (users)."""
    await make_endpoint(client, project, "examples/auth", authentication=True)
    return "examples/auth"


@pytest.fixture
async def notes(client, project) -> str:
    """A secure endpoint with the default toggles: owners only."""
    await make_endpoint(client, project, "examples/notes", secure=True)
    return "examples/notes"


async def register(rested: Rested, auth: str, username: str, password: str = "pw-1234", **extra):
    return await rested.create(auth, {"username": username, "password": password, **extra})


async def login_token(rested: Rested, auth: str, username: str, password: str = "pw-1234") -> str:
    """Log in with noATCookie=true: the token as the Authorization response header gives it."""
    response = await rested.call(
        "POST",
        auth,
        params={"login": "true", "noATCookie": "true"},
        json={"username": username, "password": password},
    )
    assert response.status == 200, await response.text()
    return response.headers["Authorization"]


__all__ = ["messages"]
