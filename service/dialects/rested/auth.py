"""rested credentials: `?key=` (API key), `?masterKey=`, and a user's access token from the
`Authorization` header or the `__Secure-rested-access-token` cookie.

The edge resolves them into the request's principal (service.web.principal); `caller`
turns it into the rested rules: no key at all is the seed's 403, an unknown key or
endpoint its 400, and a secure endpoint without a live token a 401.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from service.dialects.rested import messages
from service.errors import Forbidden, Invalid, Unauthorized
from service.store.projects import Project
from service.web.principal import PRINCIPAL, CredentialSource, principal

COOKIE = "__Secure-rested-access-token"
SESSION_KIND = "rested"
MASTER = "masterKey"  # a principal's `via`, by source
KEY = "key"
_TOKENS = frozenset({SESSION_KIND})

# The master key wins over the API key. The header comes before the cookie: a client
# that sends a token explicitly means it, whatever stale cookie its browser holds.
CREDENTIAL_SOURCES = (
    CredentialSource(MASTER, "query", "masterKey", keys=frozenset({"masterKey"})),
    CredentialSource(KEY, "query", "key", keys=frozenset({"apiKey"})),
    CredentialSource("authorization", "authorization", sessions=_TOKENS),
    CredentialSource("cookie", "cookie", COOKIE, sessions=_TOKENS),
)


class KeyMissing(Forbidden):
    code = "key_missing"


class KeyInvalid(Invalid):
    """An unknown key or endpoint: rested answers both with one 400."""

    code = "key_invalid"


class NotOwner(Forbidden):
    """A record the caller may see but not change (the endpoint's toggles say so)."""

    code = "not_owner"


@dataclass(frozen=True, slots=True)
class Caller:
    project: Project
    master: bool
    user: str | None  # the id of the logged-in user, when a live token came along
    session: str | None  # that token's session, for a logout


async def caller(request: web.Request) -> Caller:
    who = await principal(request)
    if who.via not in (MASTER, KEY):
        raise KeyMissing(messages.FORBIDDEN)
    if who.project is None:
        raise KeyInvalid(messages.INVALID_KEY)
    return Caller(who.project, who.via == MASTER, who.user, who.session)


def is_master(request: web.Request) -> bool:
    """Whether the request's (already resolved) principal holds the master key."""
    who = request.get(PRINCIPAL)
    return who is not None and who.via == MASTER and who.project is not None


def require_user(who: Caller) -> str:
    """The logged-in user's id; 401 without a live token."""
    if who.user is None:
        raise Unauthorized(messages.TOKEN_INVALID)
    return who.user
