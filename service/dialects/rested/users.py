"""Authentication endpoints: register, login, logout, who-am-I, update and delete a user.

A user is two documents with one id: its record in the endpoint (what clients read: the
registration body without the password) and its login in the store's realm users (the
username and/or email, unique in the endpoint, and the password's slow hash). Passwords
are never stored in records nor echoed: a deliberate difference from rested.dev.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from service.dialects.rested import access, messages, throttle
from service.dialects.rested.auth import SESSION_KIND, Caller, require_user
from service.dialects.rested.context import Context
from service.dialects.rested.endpoints import Endpoint
from service.dialects.rested.params import flag, object_body, one_unique_id, strategy, unique_ids
from service.dialects.rested.records import (
    answer_read,
    checked_record,
    new_key,
    read_records,
    update_plan,
    visible_records,
    write,
)
from service.dialects.rested.render import answer, shaped
from service.errors import Invalid, RecordNotFound, Unauthorized
from service.web.appkeys import STORE

NAMES = ("username", "email")
MAX_PASSWORD = 1024  # characters; scrypt's cost does not grow with it, the body's does


def _text(body: dict[str, Any], field: str) -> str | None:
    value = body.get(field)
    if field in body and (not isinstance(value, str) or not value.strip()):
        raise Invalid(messages.FIELD_NOT_TEXT.format(field=field))
    return value


def credentials_of(body: dict[str, Any]) -> tuple[dict[str, str], str | None]:
    """The login names and the password a body carries (each checked when present)."""
    names = {field: text for field in NAMES if (text := _text(body, field)) is not None}
    password = _text(body, "password")
    if password is not None and len(password) > MAX_PASSWORD:
        raise Invalid(messages.PASSWORD_TOO_LONG.format(limit=MAX_PASSWORD))
    return names, password


def without_password(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key != "password"}


async def register(
    request: web.Request, ctx: Context, who: Caller, endpoint: Endpoint
) -> web.Response:
    body = await object_body(request)
    names, password = credentials_of(body)
    if not names or password is None:
        raise Invalid(messages.CREDENTIALS_MISSING)
    await throttle.count_registration(request, ctx)
    store = request.app[STORE]
    user_id = new_key()
    await store.users.create_in_realm(
        who.project.id, endpoint.realm, user_id=user_id, password=password, **names
    )
    try:
        meta = {access.OWNER: user_id}
        record = await store.records.create(endpoint.scope, user_id, without_password(body), meta)
    except BaseException:  # no login without its record
        await store.users.delete_from_realm(who.project.id, endpoint.realm, user_id)
        raise
    return answer(shaped(record, data_only=flag(request, "dataOnly")))


async def login(
    request: web.Request, ctx: Context, who: Caller, endpoint: Endpoint
) -> web.Response:
    """`login=true`: username or email (not both) and password; the token goes in the
    cookie, or with `noATCookie=true` in the `Authorization` response header."""
    body = await object_body(request)
    names, password = credentials_of(body)
    if len(names) > 1:
        raise Invalid(messages.USERNAME_OR_EMAIL)
    if not names or password is None:
        raise Invalid(messages.CREDENTIALS_MISSING)
    project_id = who.project.id
    await throttle.admit_login(request, ctx, project_id)
    store = request.app[STORE]
    user = await store.users.check_realm_login(
        project_id, endpoint.realm, password=password, **names
    )
    if user is None:
        await throttle.count_failed_login(request, ctx, project_id)
        raise Unauthorized(messages.WRONG_LOGIN)
    record = await store.records.find(endpoint.scope, user.id)
    if record is None:  # its record was deleted meanwhile
        raise Unauthorized(messages.WRONG_LOGIN)
    settings = ctx.settings
    token, _ = await store.sessions.create(
        project_id=project_id,
        user_id=user.id,
        kind=SESSION_KIND,
        idle=timedelta(seconds=settings.session_idle_seconds),
        lifetime=timedelta(seconds=settings.session_lifetime_seconds),
    )
    response = answer(shaped(record, data_only=flag(request, "dataOnly")))
    if flag(request, "noATCookie"):
        response.headers["Authorization"] = f"Bearer {token}"
    else:
        ctx.cookie.set(response, token, max_age=int(settings.session_lifetime_seconds))
    return response


async def logout(
    request: web.Request, ctx: Context, who: Caller, endpoint: Endpoint
) -> web.Response:
    """`logout=true`: the token stops working at once (on every replica within the
    directory's KEY_CACHE_SECONDS) and the cookie is cleared."""
    if who.session is None:
        raise Unauthorized(messages.TOKEN_INVALID)
    store = request.app[STORE]
    await store.sessions.revoke(who.session)
    store.directory.forget_session(who.session)
    response = answer({"message": messages.LOGGED_OUT})
    ctx.cookie.clear(response)
    return response


async def who_am_i(
    request: web.Request, ctx: Context, who: Caller, endpoint: Endpoint
) -> web.Response:
    """GET with a token: the logged-in user's record (the master key reads them all)."""
    if who.master:
        return await read_records(request, ctx, who, endpoint)
    user_id = require_user(who)
    ids = unique_ids(request)
    if ids:
        value = await visible_records(request, ctx, who, endpoint, ids)
        return await answer_read(request, ctx, value)
    record = await request.app[STORE].records.find(endpoint.scope, user_id)
    if record is None:  # a user of another authentication endpoint
        raise Unauthorized(messages.TOKEN_INVALID)
    return await answer_read(request, ctx, shaped(record, data_only=flag(request, "dataOnly")))


async def update_user(
    request: web.Request, ctx: Context, who: Caller, endpoint: Endpoint
) -> web.Response:
    """PUT by the user itself (or the master key); a username or an email and the
    password must remain, so `force` and `replace` bodies carry them."""
    key = one_unique_id(request)
    how = strategy(request)
    owner = access.required_owner(endpoint, who, "update")
    if owner is not None and owner != key:
        raise RecordNotFound(messages.NO_RECORD)  # other users' records are invisible
    body = await object_body(request)
    names, password = credentials_of(body)
    whole = how != "merge"
    if whole and (not names or password is None):
        raise Invalid(messages.USER_MUST_KEEP)
    changes: dict[str, str | None] = dict(names)
    if whole:  # a name the new body leaves out is gone
        changes |= {field: None for field in NAMES if field not in names}
    store = request.app[STORE]
    await store.users.update_in_realm(
        who.project.id, endpoint.realm, key, names=changes, password=password
    )
    if password is not None:
        # A new password ends the user's other logins (a stolen token among them); the
        # session the change came with, if it is the user's own, stays.
        keep = who.session if who.user == key else None
        await store.sessions.revoke_user(who.project.id, key, keep=keep)
        store.directory.forget_user(who.project.id, key)
    plan = update_plan(how, without_password(body), owner)
    record = await write(request, endpoint, who, key, plan, read=True)
    assert record is not None
    return answer(shaped(record, data_only=flag(request, "dataOnly")))


async def delete_user(
    request: web.Request, ctx: Context, who: Caller, endpoint: Endpoint
) -> web.Response:
    """DELETE by the user itself or the master key: the login and its sessions go first,
    so its tokens stop before the record does."""
    key = one_unique_id(request)
    access.required_owner(endpoint, who, "delete")
    record = await checked_record(request, who, endpoint, key)
    store = request.app[STORE]
    await store.users.delete_from_realm(who.project.id, endpoint.realm, key)
    store.directory.forget_user(who.project.id, key)
    await store.records.delete(endpoint.scope, key)
    response = answer(shaped(record, data_only=flag(request, "dataOnly")))
    if who.user == key:
        ctx.cookie.clear(response)
    return response
