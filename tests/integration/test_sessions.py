"""Sessions on the real database: tokens stored as digests, lookups through the directory,
sliding and absolute expiry, revocation of one session or all of a user's."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from service.store import projects, sessions
from service.store.directory import Directory

IDLE = timedelta(seconds=100)
LIFETIME = timedelta(seconds=1000)


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
async def project(database):
    await projects.ensure_indexes(database)
    created, _ = await projects.create_project(database, name="sessions")
    return created


@pytest.fixture
def clock() -> Clock:
    return Clock(sessions.now_utc())


async def login(db, project, clock, user="u1", *, idle=IDLE, lifetime=LIFETIME, kind="buzz"):
    token, _ = await sessions.create_session(
        db,
        project_id=project.id,
        user_id=user,
        kind=kind,
        idle=idle,
        lifetime=lifetime,
        now=clock(),
    )
    return token


def stored(commands) -> list[str]:
    return [name for name in commands.names if name not in ("hello", "ismaster")]


async def test_a_token_has_at_least_128_random_bits_and_only_its_digest_is_stored(
    database, project, clock
):
    token = await login(database, project, clock)
    other = await login(database, project, clock)
    assert token != other
    random_part = token.removeprefix(f"{sessions.TOKEN_PREFIX}_")
    assert len(base64.urlsafe_b64decode(random_part + "==")) * 8 >= 128
    docs = await database[sessions.SESSIONS].find().to_list(None)
    assert {doc["_id"] for doc in docs} == {
        hashlib.sha256(t.encode()).hexdigest() for t in (token, other)
    }
    assert all(token not in repr(doc) and other not in repr(doc) for doc in docs)


async def test_a_session_is_found_by_its_token_and_an_unknown_token_finds_nothing(
    database, project, clock
):
    token = await login(database, project, clock, user="ann")
    found = await sessions.find_session(database, token, now=clock())
    assert found is not None
    assert (found.project_id, found.user_id, found.kind) == (project.id, "ann", "buzz")
    assert found.expires_at == clock() + IDLE
    assert await sessions.find_session(database, token + "x", now=clock()) is None


async def test_the_directory_reads_a_session_once_per_ttl_and_caches_a_miss(
    counted_database, project, clock
):
    db, commands = counted_database
    token = await login(db, project, clock)
    directory = Directory(db, ttl=60, clock=clock)
    commands.names.clear()
    found = await asyncio.gather(*(directory.resolve_session(token) for _ in range(10)))
    assert stored(commands) == ["find", "find"]  # the session, then its project
    assert {(p.id, s.user_id) for p, s in filter(None, found)} == {(project.id, "u1")}
    assert all(item is not None for item in found)
    commands.names.clear()
    assert await directory.resolve_session(token) is not None
    assert await directory.resolve_session("rhs_unknown") is None
    assert await directory.resolve_session("rhs_unknown") is None
    assert stored(commands) == ["find"]  # only the first lookup of the unknown token


async def test_use_renews_the_idle_expiry_with_a_write_only_once_a_quarter_has_passed(
    counted_database, project, clock
):
    db, commands = counted_database
    token = await login(db, project, clock)
    directory = Directory(db, ttl=3600, clock=clock)
    await directory.resolve_session(token)
    commands.names.clear()
    clock.advance(20)  # a fifth of the idle window: no write
    assert await directory.resolve_session(token) is not None
    assert stored(commands) == []
    clock.advance(10)  # 30 s: renewal due
    resolved = await directory.resolve_session(token)
    assert resolved is not None
    assert stored(commands) == ["update"]
    doc = await db[sessions.SESSIONS].find_one({"_id": resolved[1].id})
    assert doc["expiresAt"] == clock() + IDLE
    clock.advance(99)  # used within the new window: still alive, and renewed again
    assert await directory.resolve_session(token) is not None
    clock.advance(101)  # idle longer than the window: gone, though still cached
    assert await directory.resolve_session(token) is None


async def test_concurrent_uses_due_for_renewal_share_one_write(counted_database, project, clock):
    db, commands = counted_database
    token = await login(db, project, clock)
    directory = Directory(db, ttl=3600, clock=clock)
    await directory.resolve_session(token)
    clock.advance(50)
    commands.names.clear()
    found = await asyncio.gather(*(directory.resolve_session(token) for _ in range(10)))
    assert all(item is not None for item in found)
    assert stored(commands) == ["update"]


async def test_a_session_ends_at_its_absolute_expiry_however_often_it_is_used(
    database, project, clock
):
    token = await login(database, project, clock, idle=IDLE, lifetime=timedelta(seconds=150))
    directory = Directory(database, ttl=3600, clock=clock)
    for _ in range(4):  # used every 30 s, always within the idle window
        clock.advance(30)
        resolved = await directory.resolve_session(token)
        assert resolved is not None
        assert resolved[1].expires_at <= resolved[1].absolute_at
    clock.advance(29)
    assert await directory.resolve_session(token) is not None
    clock.advance(1)  # 150 s after the login
    assert await directory.resolve_session(token) is None
    assert await sessions.find_session(database, token, now=clock()) is None


async def test_a_revoked_session_stops_at_once_here_and_within_the_ttl_on_another_replica(
    database, project, clock
):
    token = await login(database, project, clock)
    here = Directory(database, ttl=3600, clock=clock)
    elsewhere = Directory(database, ttl=0.2, clock=clock)
    resolved = await here.resolve_session(token)
    assert resolved is not None and await elsewhere.resolve_session(token) is not None
    assert await sessions.revoke(database, resolved[1].id) is True
    here.forget_session(resolved[1].id)
    assert await here.resolve_session(token) is None
    assert await elsewhere.resolve_session(token) is not None  # its cached copy, for now
    await asyncio.sleep(0.3)
    assert await elsewhere.resolve_session(token) is None
    assert await sessions.revoke(database, resolved[1].id) is False


async def test_a_renewal_of_a_session_revoked_elsewhere_ends_it(database, project, clock):
    token = await login(database, project, clock)
    directory = Directory(database, ttl=3600, clock=clock)
    resolved = await directory.resolve_session(token)
    assert resolved is not None
    await sessions.revoke(database, resolved[1].id)  # by another replica
    clock.advance(50)  # the next use renews, and the renewal finds nothing
    assert await directory.resolve_session(token) is None


async def test_revoking_a_user_ends_every_session_of_that_user_only(database, project, clock):
    directory = Directory(database, ttl=3600, clock=clock)
    first = await login(database, project, clock, "ann")
    second = await login(database, project, clock, "ann")
    bob = await login(database, project, clock, "bob")
    for token in (first, second, bob):
        assert await directory.resolve_session(token) is not None
    assert await sessions.revoke_user(database, project.id, "ann") == 2
    directory.forget_user(project.id, "ann")
    assert await directory.resolve_session(first) is None
    assert await directory.resolve_session(second) is None
    resolved = await directory.resolve_session(bob)
    assert resolved is not None and resolved[1].user_id == "bob"


async def test_deleting_the_project_deletes_its_sessions(database, project, clock):
    token = await login(database, project, clock)
    directory = Directory(database, ttl=3600, clock=clock)
    assert await directory.resolve_session(token) is not None
    await projects.delete_project(database, project.id)
    directory.forget_project(project.id)
    assert await directory.resolve_session(token) is None
    assert await database[sessions.SESSIONS].count_documents({}) == 0


async def test_expired_sessions_have_a_ttl_index_on_their_expiry(database, project):
    indexes = await database[sessions.SESSIONS].index_information()
    ttl = [spec for spec in indexes.values() if "expireAfterSeconds" in spec]
    assert [(spec["key"], spec["expireAfterSeconds"]) for spec in ttl] == [([("expiresAt", 1)], 0)]
