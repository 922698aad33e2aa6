"""Who a request speaks for: one `Principal`, resolved once from the credentials its dialect
accepts.

A dialect lists its credential sources in order of priority (`Dialect.credential_sources`):
where to read each one (a header, a query parameter, a cookie, a bearer token, or an
`Authorization` value with or without `Bearer `) and what it must resolve to (key kinds or
session kinds). The first source carrying a key decides the project; the first carrying a
session token adds the user, or decides the project when no key was presented. Resolution
is lazy: a route that needs no credential (a public bin's read) never pays for it, and the
first caller memoises the principal on the request. The rules of a dialect (which message
for a missing key, which grant an operation needs) stay in its own auth module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from aiohttp import hdrs, web

from service.store.directory import Directory
from service.store.projects import KeyRecord, Project
from service.web.appkeys import DIALECT, DIALECTS, STORE

if TYPE_CHECKING:
    from service.web.dialect import Dialect

Where = Literal["header", "query", "cookie", "bearer", "authorization"]


def _bearer(value: str) -> str:
    scheme, _, token = value.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _bare_or_bearer(value: str) -> str:
    """rested's noATCookie mode sends back the `Authorization` value it was given, which a
    client may or may not have prefixed with `Bearer `."""
    value = value.strip()
    return _bearer(value) if value[:7].lower() == "bearer " else value


_READERS: dict[str, Callable[[web.Request, str], str]] = {
    "header": lambda request, name: request.headers.get(name, "").strip(),
    "query": lambda request, name: request.query.get(name, "").strip(),
    # Without a Cookie header there is nothing to parse (most API calls).
    "cookie": lambda request, name: (
        request.cookies.get(name, "").strip() if hdrs.COOKIE in request.headers else ""
    ),
    "bearer": lambda request, _: _bearer(request.headers.get("Authorization", "")),
    "authorization": lambda request, _: _bare_or_bearer(request.headers.get("Authorization", "")),
}


@dataclass(frozen=True, slots=True)
class CredentialSource:
    """One place a dialect reads a credential from, and what that credential may be."""

    via: str  # the name a principal carries when this source decided it
    where: Where
    name: str = ""  # the header, query parameter or cookie name
    keys: frozenset[str] = frozenset()  # key kinds: masterKey, apiKey, access
    sessions: frozenset[str] = frozenset()  # session kinds, by the dialect that issued them

    def __post_init__(self) -> None:
        if bool(self.keys) == bool(self.sessions):
            raise ValueError(f"source {self.via!r} must accept keys or sessions, not both")
        if self.where in ("header", "query", "cookie") and not self.name:
            raise ValueError(f"source {self.via!r} reads a {self.where} and needs its name")


@dataclass(frozen=True, slots=True)
class Principal:
    """What a request's credentials resolved to; `via` None when it presented none."""

    project: Project | None = None  # None: no credential, or one that did not resolve
    via: str | None = None  # the source of the credential that decided the project
    grants: frozenset[str] = frozenset()  # of an access key
    user: str | None = None  # the user of a valid session
    session: str | None = None  # that session's id, so a logout can revoke it


ANONYMOUS = Principal()
PRINCIPAL = web.RequestKey("principal", Principal)


async def principal(request: web.Request) -> Principal:
    """The request's principal, resolved from its dialect's sources on the first call."""
    known = request.get(PRINCIPAL)
    if known is not None:
        return known
    dialect = request.get(DIALECT) or request.app[DIALECTS].for_request(request)
    key, token = _presented(request, dialect)
    directory = request.app[STORE].directory
    found = ANONYMOUS
    if key is not None:
        found = _key_principal(key[0], await directory.resolve(key[1]))
    if token is not None:
        found = await _with_session(directory, found, *token, keyless=key is None)
    request[PRINCIPAL] = found
    return found


_Presented = tuple[CredentialSource, str] | None


def _presented(request: web.Request, dialect: Dialect) -> tuple[_Presented, _Presented]:
    """The first source presenting a key, and the first presenting a session token."""
    key: _Presented = None
    token: _Presented = None
    for source in dialect.credential_sources:
        if (key if source.keys else token) is not None:
            continue  # the first presented source of each sort wins
        value = _READERS[source.where](request, source.name)
        if value and source.keys:
            key = (source, value)
        elif value:
            token = (source, value)
    return key, token


def _key_principal(
    source: CredentialSource, resolved: tuple[Project, KeyRecord] | None
) -> Principal:
    if resolved is None or resolved[1].kind not in source.keys:
        return Principal(via=source.via)  # a key, but not a valid one of this kind
    project, record = resolved
    return Principal(project, source.via, record.grants)


async def _with_session(
    directory: Directory,
    found: Principal,
    source: CredentialSource,
    token: str,
    *,
    keyless: bool,
) -> Principal:
    resolved = await directory.resolve_session(token)
    if resolved is not None and resolved[1].kind not in source.sessions:
        resolved = None  # another dialect's session
    if keyless:
        if resolved is None:
            return Principal(via=source.via)
        project, session = resolved
        return Principal(project, source.via, user=session.user_id, session=session.id)
    if resolved is None or found.project is None or resolved[0].id != found.project.id:
        return found  # with a key, only a session of the key's project adds its user
    return replace(found, user=resolved[1].user_id, session=resolved[1].id)
