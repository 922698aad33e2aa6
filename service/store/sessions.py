"""Sessions: login tokens of a project's users, stored as SHA-256 digests only.

A session expires `idle` after its last renewal (sliding) and never later than `lifetime`
after its creation (absolute). Renewal is a write, so it happens only once more than
RENEW_AFTER of the idle window has passed since the last one: a session in use therefore
lives between (1 - RENEW_AFTER) x idle and idle after its last request. A TTL index removes
expired documents (the database's monitor runs about once a minute; every lookup filters on
the expiry itself, so a lingering document is never accepted).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING

from service.core import credentials
from service.store.client import Database
from service.store.errors import translated

SESSIONS = "sessions"
TOKEN_PREFIX = "rhs"
RENEW_AFTER = 0.25  # of the idle window


@dataclass(frozen=True, slots=True)
class Session:
    id: str  # the token's digest: what the database stores instead of the token
    project_id: str
    user_id: str | None  # None: a session of the project itself (client credentials)
    kind: str  # which dialect's login issued it, so one dialect cannot use another's
    renewed_at: datetime
    expires_at: datetime
    absolute_at: datetime
    idle: timedelta

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    def renewal_due(self, now: datetime) -> bool:
        if self.expires_at >= self.absolute_at:
            return False  # already at its absolute expiry: nothing left to slide
        return now - self.renewed_at > self.idle * RENEW_AFTER


def id_of(token: str) -> str:
    """The id a token's session is stored under (its digest)."""
    return credentials.key_digest(token)


def now_utc() -> datetime:
    """The current time at the database's precision (milliseconds), so that a session held
    in memory compares exactly as its stored copy does."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _session_from(doc: dict[str, Any]) -> Session:
    return Session(
        id=doc["_id"],
        project_id=doc["project"],
        user_id=doc.get("user"),
        kind=doc["kind"],
        renewed_at=_aware(doc["renewedAt"]),
        expires_at=_aware(doc["expiresAt"]),
        absolute_at=_aware(doc["absoluteAt"]),
        idle=timedelta(seconds=doc["idleSeconds"]),
    )


@translated
async def ensure_indexes(db: Database) -> None:
    # expireAfterSeconds=0: a document goes once the date in `expiresAt` has passed.
    await db[SESSIONS].create_index("expiresAt", expireAfterSeconds=0, name="expiry")
    await db[SESSIONS].create_index([("project", ASCENDING), ("user", ASCENDING)])


@translated
async def create_session(
    db: Database,
    *,
    project_id: str,
    user_id: str | None,
    kind: str,
    idle: timedelta,
    lifetime: timedelta,
    now: datetime | None = None,
) -> tuple[str, Session]:
    """A new session; returns the token (shown once, never stored) and the session."""
    now = now or now_utc()
    token = credentials.new_key(TOKEN_PREFIX)
    absolute = now + lifetime
    doc = {
        "_id": id_of(token),
        "project": project_id,
        "user": user_id,
        "kind": kind,
        "createdAt": now,
        "renewedAt": now,
        "expiresAt": min(now + idle, absolute),
        "absoluteAt": absolute,
        "idleSeconds": idle.total_seconds(),
    }
    await db[SESSIONS].insert_one(doc)
    return token, _session_from(doc)


@translated
async def find_session(db: Database, token: str, *, now: datetime) -> Session | None:
    """The live session behind a presented token (one read by `_id`), or None."""
    digest = id_of(token)
    doc = await db[SESSIONS].find_one({"_id": digest, "expiresAt": {"$gt": now}})
    if doc is None or not credentials.digests_equal(doc["_id"], digest):
        return None
    return _session_from(doc)


@translated
async def renew(db: Database, session: Session, *, now: datetime) -> Session | None:
    """Slide the expiry to `now + idle` (capped by the absolute expiry); None when the
    session was revoked or expired meanwhile. `$max`, so that a slower concurrent renewal
    never moves the expiry back."""
    expires = min(now + session.idle, session.absolute_at)
    result = await db[SESSIONS].update_one(
        {"_id": session.id, "expiresAt": {"$gt": now}},
        {"$max": {"renewedAt": now, "expiresAt": expires}},
    )
    if result.matched_count == 0:
        return None
    return replace(
        session,
        renewed_at=max(now, session.renewed_at),
        expires_at=max(expires, session.expires_at),
    )


@translated
async def revoke(db: Database, session_id: str) -> bool:
    """End one session (logout); False when there was none."""
    return (await db[SESSIONS].delete_one({"_id": session_id})).deleted_count == 1


@translated
async def revoke_user(
    db: Database, project_id: str, user_id: str, *, keep: str | None = None
) -> int:
    """End every session of a user (a deleted user, a changed password) but `keep`, the
    one the change was made with; how many ended."""
    query: dict[str, Any] = {"project": project_id, "user": user_id}
    if keep is not None:
        query["_id"] = {"$ne": keep}
    result = await db[SESSIONS].delete_many(query)
    return result.deleted_count
