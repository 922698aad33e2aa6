"""Looking up a project's users and checking their passwords, and the users of a realm (a
namespace of logins inside a project, such as a dialect's authentication endpoint): create,
log in, update, delete.

Project users are created by the admin API (service.store.projects.create_user)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from service.core import credentials
from service.errors import AlreadyExists, NotFound
from service.store.client import Database
from service.store.errors import translated
from service.store.projects import USERS
from service.store.sessions import SESSIONS


@dataclass(frozen=True)
class User:
    """A login of a project; never carries the password or its hash."""

    id: str
    project_id: str
    email: str
    username: str


def _user_from(doc: dict[str, Any]) -> User:
    return User(doc["_id"], doc["project"], doc["email"], doc["username"])


async def _user_doc(
    db: Database, project_id: str, *, email: str | None, username: str | None
) -> dict[str, Any] | None:
    if (email is None) == (username is None):
        raise ValueError("give exactly one of email and username")
    if email is not None:
        return await db[USERS].find_one({"project": project_id, "email": email.strip().lower()})
    # Usernames are not unique (they were never checked): an ambiguous one matches nobody.
    found = await db[USERS].find({"project": project_id, "username": username}).to_list(2)
    return found[0] if len(found) == 1 else None


@translated
async def get_user(db: Database, project_id: str, user_id: str) -> User | None:
    doc = await db[USERS].find_one({"_id": user_id, "project": project_id})
    return None if doc is None else _user_from(doc)


@translated
async def find_user(
    db: Database, project_id: str, *, email: str | None = None, username: str | None = None
) -> User | None:
    """The project's user with this email (case-insensitive) or username, or None."""
    doc = await _user_doc(db, project_id, email=email, username=username)
    return None if doc is None else _user_from(doc)


@translated
async def check_login(
    db: Database,
    project_id: str,
    *,
    password: str,
    email: str | None = None,
    username: str | None = None,
) -> User | None:
    """The user whose login and password these are, or None (either may be wrong)."""
    doc = await _user_doc(db, project_id, email=email, username=username)
    if doc is None:
        # Hash anyway, so the answer takes as long as for a wrong password: the time
        # must not tell who has an account.
        await asyncio.to_thread(credentials.hash_password, password)
        return None
    matches = await asyncio.to_thread(credentials.verify_password, password, doc["passwordHash"])
    return _user_from(doc) if matches else None


# Users of a realm: a namespace of logins inside a project (the users of one of a
# dialect's authentication endpoints, say). A user has a username, an email or both, each
# unique in its realm; their own collection, as the project users' unique email index
# cannot hold users without one.
REALM_USERS = "realmusers"


@dataclass(frozen=True)
class RealmUser:
    id: str
    project_id: str
    realm: str
    username: str | None
    email: str | None


def _realm_user_from(doc: dict[str, Any]) -> RealmUser:
    return RealmUser(
        doc["_id"], doc["project"], doc["realm"], doc.get("username"), doc.get("email")
    )


def _email(email: str | None) -> str | None:
    return None if email is None else email.strip().lower()


@translated
async def ensure_realm_indexes(db: Database) -> None:
    for name in ("username", "email"):
        await db[REALM_USERS].create_index(
            [("project", 1), ("realm", 1), (name, 1)],
            unique=True,
            partialFilterExpression={name: {"$type": "string"}},
            name=f"realm_{name}",
        )


async def _taken(db: Database, project_id: str, realm: str, **names: str | None) -> AlreadyExists:
    """Which of the names another user of the realm holds (after a duplicate key)."""
    for field, value in names.items():
        if value is None:
            continue
        query = {"project": project_id, "realm": realm, field: value}
        if await db[REALM_USERS].find_one(query, {"_id": 1}) is not None:
            return AlreadyExists(f"the {field} is already in use", details={"field": field})
    return AlreadyExists("the username or email is already in use", details={"field": None})


@translated
async def create_realm_user(
    db: Database,
    project_id: str,
    realm: str,
    *,
    user_id: str,
    password: str,
    username: str | None = None,
    email: str | None = None,
) -> RealmUser:
    """A new user of the realm (AlreadyExists, details naming the field, for a taken name)."""
    if username is None and email is None:
        raise ValueError("a realm user needs a username or an email")
    doc: dict[str, Any] = {"_id": user_id, "project": project_id, "realm": realm}
    if username is not None:
        doc["username"] = username
    if email is not None:
        doc["email"] = _email(email)
    doc["passwordHash"] = await asyncio.to_thread(credentials.hash_password, password)
    doc["createdAt"] = datetime.now(UTC)
    try:
        await db[REALM_USERS].insert_one(doc)
    except DuplicateKeyError:
        raise await _taken(db, project_id, realm, username=username, email=_email(email)) from None
    return _realm_user_from(doc)


@translated
async def check_realm_login(
    db: Database,
    project_id: str,
    realm: str,
    *,
    password: str,
    username: str | None = None,
    email: str | None = None,
) -> RealmUser | None:
    """The realm's user with this username or email and password, or None."""
    if (email is None) == (username is None):
        raise ValueError("give exactly one of email and username")
    query: dict[str, Any] = {"project": project_id, "realm": realm}
    query |= {"username": username} if username is not None else {"email": _email(email)}
    doc = await db[REALM_USERS].find_one(query)
    if doc is None:
        # Hash anyway: the time taken must not tell who has an account.
        await asyncio.to_thread(credentials.hash_password, password)
        return None
    matches = await asyncio.to_thread(credentials.verify_password, password, doc["passwordHash"])
    return _realm_user_from(doc) if matches else None


@translated
async def update_realm_user(
    db: Database,
    project_id: str,
    realm: str,
    user_id: str,
    *,
    names: Mapping[str, str | None],
    password: str | None = None,
) -> None:
    """Change the user's `username` and `email` as `names` says (a value sets it, None
    removes it, an absent name stays) and, when given, its password, in one write;
    NotFound, or AlreadyExists for a name another user holds. The caller keeps one name."""
    if set(names) - {"username", "email"}:
        raise ValueError("names are username and email")
    wanted = {k: _email(v) if k == "email" else v for k, v in names.items()}
    change: dict[str, Any] = {"$set": {k: v for k, v in wanted.items() if v is not None}}
    removed = [k for k, v in wanted.items() if v is None]
    if removed:
        change["$unset"] = dict.fromkeys(removed, "")
    if password is not None:
        hashed = await asyncio.to_thread(credentials.hash_password, password)
        change["$set"]["passwordHash"] = hashed
    change["$set"]["updatedAt"] = datetime.now(UTC)
    selector = {"_id": user_id, "project": project_id, "realm": realm}
    try:
        result = await db[REALM_USERS].update_one(selector, change)
    except DuplicateKeyError:
        raise await _taken(db, project_id, realm, **wanted) from None
    if result.matched_count == 0:
        raise NotFound("user not found")


@translated
async def delete_realm_user(db: Database, project_id: str, realm: str, user_id: str) -> bool:
    """Delete the user and end its sessions; False when there was no such user."""
    selector = {"_id": user_id, "project": project_id, "realm": realm}
    deleted = (await db[REALM_USERS].delete_one(selector)).deleted_count == 1
    await db[SESSIONS].delete_many({"project": project_id, "user": user_id})
    return deleted


@translated
async def delete_realm(
    db: Database, project_id: str, realm: str, *, created_before: datetime | None = None
) -> list[str]:
    """Delete every user of the realm (or those created before a moment) and end their
    sessions; the ids of those deleted."""
    selector: dict[str, Any] = {"project": project_id, "realm": realm}
    if created_before is not None:
        selector["createdAt"] = {"$lt": created_before}
    ids = [doc["_id"] async for doc in db[REALM_USERS].find(selector, {"_id": 1})]
    if ids:
        await db[SESSIONS].delete_many({"project": project_id, "user": {"$in": ids}})
        await db[REALM_USERS].delete_many({**selector, "_id": {"$in": ids}})
    return ids
