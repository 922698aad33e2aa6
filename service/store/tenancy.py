"""The Store's parts for tenants: projects and their keys, users, sessions (the work is
done in service.store.projects, .users and .sessions; these bind it to one database)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from service.store import projects, sessions, users
from service.store.client import Database
from service.store.errors import mapped
from service.store.projects import Project
from service.store.sessions import Session
from service.store.users import RealmUser, User


@mapped
class Projects:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        *,
        name: str,
        plan: str = "pro",
        allowed_origins: frozenset[str] = frozenset(),
        disallow_no_origin: bool = False,
    ) -> tuple[Project, dict[str, str]]:
        return await projects.create_project(
            self._db,
            name=name,
            plan=plan,
            allowed_origins=allowed_origins,
            disallow_no_origin=disallow_no_origin,
        )

    async def get(self, project_id: str) -> Project:
        return await projects.get_project(self._db, project_id)

    async def find_by_name(self, name: str) -> Project | None:
        return await projects.find_project_by_name(self._db, name)

    async def update(self, project_id: str, **changes: Any) -> Project:
        return await projects.update_project(self._db, project_id, **changes)

    async def delete(self, project_id: str) -> None:
        await projects.delete_project(self._db, project_id)

    async def rotate_key(self, project_id: str, which: str) -> str:
        return await projects.rotate_key(self._db, project_id, which)

    async def create_access_key(
        self, project_id: str, *, name: str, grants: frozenset[str], limit: int
    ) -> tuple[dict[str, Any], str] | None:
        return await projects.create_access_key(
            self._db, project_id, name=name, grants=grants, limit=limit
        )

    async def list_access_keys(self, project_id: str) -> list[dict[str, Any]]:
        return await projects.list_access_keys(self._db, project_id)

    async def delete_access_key(self, project_id: str, key_id: str) -> dict[str, Any]:
        return await projects.delete_access_key(self._db, project_id, key_id)


@mapped
class Users:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self, project_id: str, *, email: str, password: str, username: str | None = None
    ) -> dict[str, Any]:
        return await projects.create_user(
            self._db, project_id, email=email, password=password, username=username
        )

    async def get(self, project_id: str, user_id: str) -> User | None:
        return await users.get_user(self._db, project_id, user_id)

    async def find(
        self, project_id: str, *, email: str | None = None, username: str | None = None
    ) -> User | None:
        return await users.find_user(self._db, project_id, email=email, username=username)

    async def check_login(
        self,
        project_id: str,
        *,
        password: str,
        email: str | None = None,
        username: str | None = None,
    ) -> User | None:
        return await users.check_login(
            self._db, project_id, password=password, email=email, username=username
        )

    # Users of a realm (a dialect's own logins): service.store.users.

    async def ensure_realm_indexes(self) -> None:
        await users.ensure_realm_indexes(self._db)

    async def create_in_realm(
        self,
        project_id: str,
        realm: str,
        *,
        user_id: str,
        password: str,
        username: str | None = None,
        email: str | None = None,
    ) -> RealmUser:
        return await users.create_realm_user(
            self._db,
            project_id,
            realm,
            user_id=user_id,
            password=password,
            username=username,
            email=email,
        )

    async def check_realm_login(
        self,
        project_id: str,
        realm: str,
        *,
        password: str,
        username: str | None = None,
        email: str | None = None,
    ) -> RealmUser | None:
        return await users.check_realm_login(
            self._db, project_id, realm, password=password, username=username, email=email
        )

    async def update_in_realm(
        self,
        project_id: str,
        realm: str,
        user_id: str,
        *,
        names: Mapping[str, str | None],
        password: str | None = None,
    ) -> None:
        await users.update_realm_user(
            self._db, project_id, realm, user_id, names=names, password=password
        )

    async def delete_from_realm(self, project_id: str, realm: str, user_id: str) -> bool:
        """The user and its sessions; the caller forgets them in the directory."""
        return await users.delete_realm_user(self._db, project_id, realm, user_id)

    async def delete_realm(
        self, project_id: str, realm: str, *, created_before: datetime | None = None
    ) -> list[str]:
        return await users.delete_realm(self._db, project_id, realm, created_before=created_before)


@mapped
class Sessions:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        *,
        project_id: str,
        user_id: str | None,
        kind: str,
        idle: timedelta,
        lifetime: timedelta,
        now: datetime | None = None,
    ) -> tuple[str, Session]:
        return await sessions.create_session(
            self._db,
            project_id=project_id,
            user_id=user_id,
            kind=kind,
            idle=idle,
            lifetime=lifetime,
            now=now,
        )

    async def revoke(self, session_id: str) -> bool:
        return await sessions.revoke(self._db, session_id)

    async def revoke_user(self, project_id: str, user_id: str, *, keep: str | None = None) -> int:
        return await sessions.revoke_user(self._db, project_id, user_id, keep=keep)
