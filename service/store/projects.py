"""Projects (tenants), their keys and users: the admin API and the CLI both call these."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from service.core import credentials
from service.core.times import iso_utc
from service.errors import AlreadyExists, Invalid, NotFound, ProjectNotFound
from service.store import sessions, transactions
from service.store.client import Database
from service.store.errors import translated
from service.store.records import HOLDER

PROJECTS = "projects"
KEYS = "keys"
USERS = "users"
PLANS = ("free", "pro")
KEY_KINDS = {"apiKey": "rha", "masterKey": "rhm"}
ACCESS = "access"  # the kind of keys limited to grants (a dialect's access keys)


@dataclass(frozen=True)
class Project:
    id: str
    name: str
    plan: str = "pro"
    allowed_origins: frozenset[str] = field(default_factory=frozenset)
    disallow_no_origin: bool = False
    created_at: datetime | None = None

    def public(self) -> dict[str, Any]:
        """The project as the admin API shows it: never any secret."""
        return {
            "id": self.id,
            "name": self.name,
            "plan": self.plan,
            "allowedOrigins": sorted(self.allowed_origins),
            "disallowNoOrigin": self.disallow_no_origin,
            "createdAt": iso_utc(self.created_at),
        }


@dataclass(frozen=True)
class KeyRecord:
    """What a presented key resolves to: its project, its kind and (access keys) grants."""

    digest: str
    project_id: str
    kind: str
    grants: frozenset[str] = frozenset()
    key_id: str | None = None
    name: str | None = None


def _project_from(doc: dict[str, Any]) -> Project:
    return Project(
        id=doc["_id"],
        name=doc["name"],
        plan=doc.get("plan", "pro"),
        allowed_origins=frozenset(doc.get("allowedOrigins", ())),
        disallow_no_origin=bool(doc.get("disallowNoOrigin", False)),
        created_at=doc.get("createdAt"),
    )


@translated
async def ensure_indexes(db: Database) -> None:
    await db[PROJECTS].create_index("name", unique=True)
    await db[KEYS].create_index("digest", unique=True)
    await db[KEYS].create_index([("project", 1), ("kind", 1)])
    await db[USERS].create_index([("project", 1), ("email", 1)], unique=True)
    await db[USERS].create_index([("project", 1), ("username", 1)])
    await sessions.ensure_indexes(db)


@translated
async def create_project(
    db: Database,
    *,
    name: str,
    plan: str = "pro",
    allowed_origins: frozenset[str] = frozenset(),
    disallow_no_origin: bool = False,
) -> tuple[Project, dict[str, str]]:
    """Create a project and its API and master keys; the keys are returned once, here."""
    if plan not in PLANS:
        raise Invalid(f"plan must be one of {', '.join(PLANS)}")
    now = datetime.now(UTC)
    doc = {
        "_id": str(ObjectId()),
        "name": name,
        "plan": plan,
        "allowedOrigins": sorted(allowed_origins),
        "disallowNoOrigin": disallow_no_origin,
        "createdAt": now,
    }
    keys = {which: credentials.new_key(prefix) for which, prefix in KEY_KINDS.items()}
    try:
        await db[PROJECTS].insert_one(doc)
        await db[KEYS].insert_many(
            [
                {
                    "digest": credentials.key_digest(key),
                    "project": doc["_id"],
                    "kind": which,
                    "createdAt": now,
                }
                for which, key in keys.items()
            ]
        )
    except DuplicateKeyError:
        raise AlreadyExists(f"a project named {name!r} already exists") from None
    return _project_from(doc), keys


@translated
async def get_project(db: Database, project_id: str) -> Project:
    doc = await db[PROJECTS].find_one({"_id": project_id})
    if doc is None:
        raise ProjectNotFound(f"project {project_id} not found")
    return _project_from(doc)


@translated
async def find_project_by_name(db: Database, name: str) -> Project | None:
    doc = await db[PROJECTS].find_one({"name": name})
    return None if doc is None else _project_from(doc)


@translated
async def update_project(
    db: Database,
    project_id: str,
    *,
    plan: str | None = None,
    allowed_origins: frozenset[str] | None = None,
    disallow_no_origin: bool | None = None,
) -> Project:
    changes: dict[str, Any] = {"updatedAt": datetime.now(UTC)}
    if plan is not None:
        if plan not in PLANS:
            raise Invalid(f"plan must be one of {', '.join(PLANS)}")
        changes["plan"] = plan
    if allowed_origins is not None:
        changes["allowedOrigins"] = sorted(allowed_origins)
    if disallow_no_origin is not None:
        changes["disallowNoOrigin"] = disallow_no_origin
    result = await db[PROJECTS].update_one({"_id": project_id}, {"$set": changes})
    if result.matched_count == 0:
        raise ProjectNotFound(f"project {project_id} not found")
    return await get_project(db, project_id)


@translated
async def delete_project(db: Database, project_id: str) -> None:
    """Delete the project and every document any collection holds for it (every tenant
    document, versions included, carries `project`; a held record's stub, `HOLDER`)."""
    await get_project(db, project_id)
    for name in await db.list_collection_names():
        if name != PROJECTS:
            await db[name].delete_many({"project": project_id})
            await db[name].delete_many({HOLDER: project_id})  # the stubs of held records
    await db[PROJECTS].delete_one({"_id": project_id})


@translated
async def rotate_key(db: Database, project_id: str, which: str) -> str:
    """Replace the project's API or master key; the old one stops resolving at once."""
    if which not in KEY_KINDS:
        raise Invalid('which must be "apiKey" or "masterKey"')
    await get_project(db, project_id)
    key = credentials.new_key(KEY_KINDS[which])
    # One atomic update: there is no moment with both keys valid or neither.
    await db[KEYS].update_one(
        {"project": project_id, "kind": which},
        {"$set": {"digest": credentials.key_digest(key), "rotatedAt": datetime.now(UTC)}},
        upsert=True,
    )
    return key


@translated
async def lookup_key(db: Database, key: str) -> KeyRecord | None:
    """Resolve a presented key by its digest (one indexed read); None when unknown."""
    digest = credentials.key_digest(key)
    doc = await db[KEYS].find_one({"digest": digest})
    if doc is None or not credentials.digests_equal(doc["digest"], digest):
        return None
    return KeyRecord(
        digest=digest,
        project_id=doc["project"],
        kind=doc["kind"],
        grants=frozenset(doc.get("grants", ())),
        key_id=str(doc["_id"]),
        name=doc.get("name"),
    )


@translated
async def create_user(
    db: Database, project_id: str, *, email: str, password: str, username: str | None = None
) -> dict[str, Any]:
    """A login for the dialects that have users; the password is hashed."""
    await get_project(db, project_id)
    doc = {
        "_id": str(ObjectId()),
        "project": project_id,
        "email": email.strip().lower(),
        "username": username or email.strip().lower(),
        # scrypt is slow on purpose: keep it off the event loop.
        "passwordHash": await asyncio.to_thread(credentials.hash_password, password),
        "createdAt": datetime.now(UTC),
    }
    try:
        await db[USERS].insert_one(doc)
    except DuplicateKeyError:
        raise AlreadyExists(f"a user with email {email!r} already exists") from None
    return {"id": doc["_id"], "email": doc["email"], "username": doc["username"]}


@translated
async def create_access_key(
    db: Database,
    project_id: str,
    *,
    name: str,
    grants: frozenset[str],
    limit: int,
    prefix: str = "rhx",
) -> tuple[dict[str, Any], str] | None:
    """A key limited to `grants`, unless the project has `limit` of them (None then);
    returns its stored description and the key (shown once).

    Count and insert run in one transaction that also writes the project's access-key
    guard, so two creates cannot both count below the limit."""
    key = credentials.new_key(prefix)
    doc = {
        "_id": ObjectId(),
        "digest": credentials.key_digest(key),
        "project": project_id,
        "kind": ACCESS,
        "name": name,
        "grants": sorted(grants),
        "hint": key[: len(prefix) + 5],
        "createdAt": datetime.now(UTC),
    }
    mine = {"project": project_id, "kind": ACCESS}

    async def work(session: Any) -> bool:
        if await db[KEYS].count_documents(mine, session=session) >= limit:
            return False
        await transactions.guard(db, session, project=project_id, name="access-keys")
        await db[KEYS].insert_one(doc, session=session)
        return True

    return (_access_view(doc), key) if await transactions.run(db, work) else None


@translated
async def list_access_keys(db: Database, project_id: str) -> list[dict[str, Any]]:
    cursor = db[KEYS].find({"project": project_id, "kind": ACCESS}).sort("_id", 1)
    return [_access_view(doc) async for doc in cursor]


@translated
async def delete_access_key(db: Database, project_id: str, key_id: str) -> dict[str, Any]:
    if not ObjectId.is_valid(key_id):
        raise NotFound("access key not found")
    selector = {"_id": ObjectId(key_id), "project": project_id, "kind": ACCESS}
    doc = await db[KEYS].find_one(selector)
    if doc is None or (await db[KEYS].delete_one(selector)).deleted_count == 0:
        raise NotFound("access key not found")
    return _access_view(doc)


def _access_view(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(doc["_id"]),
        "name": doc.get("name"),
        "grants": frozenset(doc.get("grants", ())),
        "hint": doc.get("hint"),
        "createdAt": doc.get("createdAt"),
    }
