"""JSONBin dialect tests: the whole app on a real database, a pro and a free project."""

from dataclasses import dataclass

import pytest

from service.app import create_app
from service.config import Settings
from service.store import projects


@dataclass
class Account:
    id: str
    master: str
    api: str

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Master-Key": self.master}

    @property
    def json_headers(self) -> dict[str, str]:
        return {"X-Master-Key": self.master, "Content-Type": "application/json"}


async def make_account(database, name: str, plan: str = "pro") -> Account:
    project, keys = await projects.create_project(database, name=name, plan=plan)
    return Account(project.id, keys["masterKey"], keys["apiKey"])


@pytest.fixture
def settings() -> Settings:
    return Settings(quota_free_requests=10_000)


@pytest.fixture
async def client(aiohttp_client, database, settings):
    return await aiohttp_client(create_app(settings, database=database))


@pytest.fixture
async def pro(database) -> Account:
    return await make_account(database, "pro-account")


@pytest.fixture
async def free(database) -> Account:
    return await make_account(database, "free-account", plan="free")


async def create_bin(client, account: Account, record, **headers):
    response = await client.post("/v3/b", json=record, headers={**account.headers, **headers})
    assert response.status == 200, await response.text()
    return (await response.json())["metadata"]["id"]
