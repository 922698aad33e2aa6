"""The per-request principal: resolved from each kind of credential source a dialect
declares, once per request, and not at all when no handler asks for it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from mongomock_motor import AsyncMongoMockClient

from service.app import create_app
from service.config import Settings
from service.store.projects import KeyRecord, Project
from service.store.sessions import Session
from service.web.appkeys import STORE
from service.web.dialect import CorsPolicy, Dialect
from service.web.principal import CredentialSource, principal

MASTER, API, ACCESS, FOREIGN = "rhm_master", "rha_api", "rhx_access", "rhm_foreign"
TOKEN, OTHER_KIND, FOREIGN_TOKEN = "rhs_token", "rhs_other_kind", "rhs_foreign"
HOME = Project(id="p1", name="home", allowed_origins=frozenset({"https://app.example"}))
ABROAD = Project(id="p2", name="abroad")
KEYS = {
    MASTER: (HOME, KeyRecord("d1", HOME.id, "masterKey")),
    API: (HOME, KeyRecord("d2", HOME.id, "apiKey")),
    ACCESS: (HOME, KeyRecord("d3", HOME.id, "access", frozenset({"read"}))),
    FOREIGN: (ABROAD, KeyRecord("d4", ABROAD.id, "masterKey")),
}


def _session(sid: str, project: Project, kind: str) -> tuple[Project, Session]:
    now = datetime.now(UTC)
    later = now + timedelta(hours=1)
    return project, Session(sid, project.id, "ann", kind, now, later, later, timedelta(hours=1))


SESSIONS = {
    TOKEN: _session("s1", HOME, "fake"),
    OTHER_KIND: _session("s2", HOME, "elsewhere"),
    FOREIGN_TOKEN: _session("s3", ABROAD, "fake"),
}


class FakeDirectory:
    """The directory's two lookups over fixed tables, counting every call."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def resolve(self, key: str) -> tuple[Project, KeyRecord] | None:
        self.calls.append(key)
        return KEYS.get(key)

    async def resolve_session(self, token: str) -> tuple[Project, Session] | None:
        self.calls.append(token)
        return SESSIONS.get(token)


def _key(via: str, where: str, name: str, *kinds: str) -> CredentialSource:
    return CredentialSource(via, where, name, keys=frozenset(kinds))


def _session_source(via: str, where: str, name: str = "") -> CredentialSource:
    return CredentialSource(via, where, name, sessions=frozenset({"fake"}))


class FakeDialect(Dialect):
    """A dialect whose one route answers with the principal (asked for twice)."""

    cors = CorsPolicy()

    def __init__(self, prefix: str, sources: tuple[CredentialSource, ...]) -> None:
        self.name = prefix.strip("/")
        self.prefixes = (prefix,)
        self.credential_sources = sources

    def routes(self) -> list[web.RouteDef]:
        return [web.get(f"{self.prefixes[0]}/who", self.who), web.get(self.prefixes[0], self.none)]

    async def who(self, request: web.Request) -> web.Response:
        first, second = await principal(request), await principal(request)
        assert first is second
        return web.json_response(
            {
                "project": first.project.id if first.project else None,
                "via": first.via,
                "grants": sorted(first.grants),
                "user": first.user,
                "session": first.session,
            }
        )

    async def none(self, request: web.Request) -> web.Response:
        return web.json_response({})  # a route that needs no credential


# Rested-like: masterKey before key in the query, and a session cookie or Authorization.
QUERY = (
    _key("masterKey", "query", "masterKey", "masterKey"),
    _key("key", "query", "key", "apiKey"),
    _session_source("cookie", "cookie", "fake-token"),
    _session_source("authorization", "authorization"),
)
# JSONBin-like headers and a HighLevel-like bearer.
HEADERS = (
    _key("master", "header", "X-Master-Key", "masterKey"),
    _key("access", "header", "X-Access-Key", "access"),
)
BEARER = (_key("bearer", "bearer", "", "masterKey"),)


@pytest.fixture
async def app_and_client(aiohttp_client):
    dialects = [
        FakeDialect("/query", QUERY),
        FakeDialect("/headers", HEADERS),
        FakeDialect("/bearer", BEARER),
    ]
    app = create_app(Settings(), database=AsyncMongoMockClient()["p"], dialects=dialects)
    directory = FakeDirectory()
    app[STORE].directory = directory
    return directory, await aiohttp_client(app)


async def who(client, path: str, **kwargs) -> dict:
    response = await client.get(path, **kwargs)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_without_any_credential_the_principal_is_anonymous_and_nothing_is_looked_up(
    app_and_client,
):
    directory, client = app_and_client
    got = await who(client, "/headers/who")
    assert got == {"project": None, "via": None, "grants": [], "user": None, "session": None}
    assert directory.calls == []


async def test_a_route_that_never_asks_costs_no_lookup_even_with_a_key(app_and_client):
    directory, client = app_and_client
    response = await client.get("/headers", headers={"X-Master-Key": MASTER})
    assert response.status == 200
    assert directory.calls == []


async def test_a_header_key_of_its_kind_gives_the_project_and_the_source(app_and_client):
    _, client = app_and_client
    got = await who(client, "/headers/who", headers={"X-Master-Key": f"  {MASTER} "})
    assert (got["project"], got["via"]) == (HOME.id, "master")


async def test_an_access_key_carries_its_grants(app_and_client):
    _, client = app_and_client
    got = await who(client, "/headers/who", headers={"X-Access-Key": ACCESS})
    assert (got["project"], got["via"], got["grants"]) == (HOME.id, "access", ["read"])


async def test_a_key_of_another_kind_is_presented_but_resolves_to_no_project(app_and_client):
    _, client = app_and_client
    got = await who(client, "/headers/who", headers={"X-Master-Key": API})
    assert (got["project"], got["via"]) == (None, "master")
    got = await who(client, "/headers/who", headers={"X-Master-Key": "rhm_unknown"})
    assert (got["project"], got["via"]) == (None, "master")


async def test_the_first_declared_source_wins_and_the_others_are_not_looked_up(app_and_client):
    directory, client = app_and_client
    headers = {"X-Master-Key": "rhm_unknown", "X-Access-Key": ACCESS}
    got = await who(client, "/headers/who", headers=headers)
    assert (got["project"], got["via"]) == (None, "master")
    assert directory.calls == ["rhm_unknown"]
    params = {"masterKey": MASTER, "key": "rha_wrong"}
    assert (await who(client, "/query/who", params=params))["via"] == "masterKey"


async def test_an_empty_header_counts_as_absent(app_and_client):
    _, client = app_and_client
    headers = {"X-Master-Key": "  ", "X-Access-Key": ACCESS}
    assert (await who(client, "/headers/who", headers=headers))["via"] == "access"


async def test_a_query_key_gives_the_project(app_and_client):
    _, client = app_and_client
    got = await who(client, "/query/who", params={"key": API})
    assert (got["project"], got["via"], got["user"]) == (HOME.id, "key", None)


async def test_a_bearer_token_is_read_only_after_the_bearer_scheme(app_and_client):
    directory, client = app_and_client
    got = await who(client, "/bearer/who", headers={"Authorization": f"bearer  {MASTER}"})
    assert (got["project"], got["via"]) == (HOME.id, "bearer")
    directory.calls.clear()
    got = await who(client, "/bearer/who", headers={"Authorization": f"Basic {MASTER}"})
    assert (got["project"], got["via"]) == (None, None)
    assert directory.calls == []


async def test_a_session_cookie_alone_gives_the_project_user_and_session(app_and_client):
    _, client = app_and_client
    got = await who(client, "/query/who", headers={"Cookie": f"fake-token={TOKEN}"})
    assert got == {
        "project": HOME.id,
        "via": "cookie",
        "grants": [],
        "user": "ann",
        "session": "s1",
    }


async def test_a_cookie_header_that_carries_attributes_still_yields_the_token(app_and_client):
    _, client = app_and_client
    cookie = f"fake-token={TOKEN}; Path=/; HttpOnly; Expires=Wed, 21 Oct 2037 07:28:00 GMT"
    assert (await who(client, "/query/who", headers={"Cookie": cookie}))["user"] == "ann"


async def test_an_authorization_token_is_accepted_with_or_without_bearer(app_and_client):
    _, client = app_and_client
    for value in (TOKEN, f"Bearer {TOKEN}"):
        got = await who(client, "/query/who", headers={"Authorization": value})
        assert (got["project"], got["via"], got["user"]) == (HOME.id, "authorization", "ann")


async def test_another_dialects_session_or_an_unknown_token_is_presented_but_invalid(
    app_and_client,
):
    _, client = app_and_client
    for token in (OTHER_KIND, "rhs_unknown"):
        got = await who(client, "/query/who", headers={"Cookie": f"fake-token={token}"})
        assert (got["project"], got["via"], got["user"]) == (None, "cookie", None)


async def test_a_key_and_a_session_of_its_project_give_the_keys_project_and_the_user(
    app_and_client,
):
    _, client = app_and_client
    got = await who(client, "/query/who", params={"key": API}, headers={"Authorization": TOKEN})
    assert (got["project"], got["via"], got["user"], got["session"]) == (
        HOME.id,
        "key",
        "ann",
        "s1",
    )


async def test_a_session_of_another_project_adds_no_user_to_a_key(app_and_client):
    _, client = app_and_client
    headers = {"Authorization": FOREIGN_TOKEN}
    got = await who(client, "/query/who", params={"key": API}, headers=headers)
    assert (got["project"], got["via"], got["user"]) == (HOME.id, "key", None)
    got = await who(
        client, "/query/who", params={"key": "rha_bad"}, headers={"Authorization": TOKEN}
    )
    assert (got["project"], got["via"], got["user"]) == (None, "key", None)


async def test_the_origin_check_and_the_handler_share_one_resolution(app_and_client):
    directory, client = app_and_client
    headers = {"X-Master-Key": MASTER, "Origin": "https://app.example"}
    assert (await who(client, "/headers/who", headers=headers))["project"] == HOME.id
    assert directory.calls == [MASTER]
    refused = await client.get(
        "/headers/who", headers={"X-Master-Key": MASTER, "Origin": "https://evil.example"}
    )
    assert refused.status == 403  # identify() gave the project, whose allow-list refuses


def test_a_source_must_accept_keys_or_sessions_and_name_what_it_reads():
    with pytest.raises(ValueError, match="keys or sessions"):
        CredentialSource("x", "bearer", keys=frozenset({"masterKey"}), sessions=frozenset({"a"}))
    with pytest.raises(ValueError, match="keys or sessions"):
        CredentialSource("x", "bearer")
    with pytest.raises(ValueError, match="needs its name"):
        CredentialSource("x", "header", keys=frozenset({"masterKey"}))
