"""Looking up a project's users and checking their passwords (the logins of buzz, sas_lists).

Users are created by the admin API (service.store.projects.create_user)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from service.core import credentials
from service.store.client import Database
from service.store.errors import translated
from service.store.projects import USERS


@dataclass(frozen=True)
class User:
    """A login of a project (buzz, sas_lists); never carries the password or its hash."""

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
