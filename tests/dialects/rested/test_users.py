"""Authentication endpoints: register, login (cookie and noATCookie), who-am-I, logout,
update and delete a user, over HTTP on the real database."""

from __future__ import annotations

import pytest

from service.dialects.rested import messages
from service.dialects.rested.auth import COOKIE
from service.dialects.rested.dialect import RestedDialect
from service.dialects.rested.settings import RestedSettings
from tests.dialects.rested.conftest import (
    Rested,
    assert_envelope,
    login_token,
    refused,
    register,
)

LOGIN = {"login": "true"}


async def test_register_stores_the_user_without_its_password(rested, auth):
    made = await register(rested, auth, "ann", email="ann@example.com", age=30)
    assert_envelope(made, {"username": "ann", "email": "ann@example.com", "age": 30})
    every = await rested.ok("GET", auth, master=True)
    assert [user["data"] for user in every] == [made["data"]]
    assert "pw-1234" not in str(every)


async def test_register_needs_a_login_name_and_a_password_and_json(rested, auth):
    for body in ({"password": "p"}, {"username": "ann"}, {"username": "", "password": "p"}):
        response = await rested.call("POST", auth, json=body)
        await refused(response, 400)
    not_object = await rested.call("POST", auth, json=["ann", "pw"])
    await refused(not_object, 400, messages.BODY_NOT_OBJECT)
    text = await rested.call("POST", auth, data="ann", headers={"Content-Type": "text/plain"})
    await refused(text, 400, messages.JSON_ONLY)
    assert await rested.ok("GET", auth, master=True) == []


async def test_a_duplicate_username_or_email_is_400(rested, auth):
    await register(rested, auth, "ann", email="Ann@Example.com")
    again = await rested.call("POST", auth, json={"username": "ann", "password": "x"})
    assert "username" in await refused(again, 400)
    same_email = await rested.call(
        "POST", auth, json={"username": "bob", "email": "ann@example.COM", "password": "x"}
    )
    assert "email" in await refused(same_email, 400)
    assert len(await rested.ok("GET", auth, master=True)) == 1


async def test_login_sets_the_access_cookie_and_who_am_i_answers_the_user(client, rested, auth):
    made = await register(rested, auth, "ann")
    response = await rested.call(
        "POST", auth, params=LOGIN, json={"username": "ann", "password": "pw-1234"}
    )
    assert response.status == 200
    assert (await response.json()) == made
    assert "Authorization" not in response.headers
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"] and cookie["path"] == "/"
    me = await rested.ok("GET", auth)  # the client's cookie jar sends the cookie back
    assert me == made
    assert await rested.ok("GET", auth, params={"dataOnly": "true"}) == {"username": "ann"}


async def test_the_cookie_is_secure_and_same_site_none_by_default(aiohttp_client, database):
    from service.app import create_app
    from service.config import Settings
    from tests.dialects.rested.conftest import ADMIN_TOKEN, make_endpoint, make_project

    dialect = RestedDialect(RestedSettings())
    app = create_app(Settings(admin_token=ADMIN_TOKEN), database=database, dialects=[dialect])
    client = await aiohttp_client(app)
    project = await make_project(client)
    await make_endpoint(client, project, "examples/auth", authentication=True)
    rested = Rested(client, project)
    await register(rested, "examples/auth", "ann")
    response = await rested.call(
        "POST", "examples/auth", params=LOGIN, json={"username": "ann", "password": "pw-1234"}
    )
    header = response.headers["Set-Cookie"]
    assert header.startswith(f"{COOKIE}=rhs_")
    for attribute in ("HttpOnly", "Secure", "SameSite=None", "Path=/"):
        assert attribute in header.split("; "), header


async def test_login_by_email_with_no_at_cookie_returns_the_token_header(client, rested, auth):
    made = await register(rested, auth, "ann", email="ann@example.com")
    response = await rested.call(
        "POST",
        auth,
        params={**LOGIN, "noATCookie": "true"},
        json={"email": "ANN@example.com", "password": "pw-1234"},
    )
    assert response.status == 200 and COOKIE not in response.cookies
    token = response.headers["Authorization"]
    assert token.startswith("Bearer rhs_")
    client.session.cookie_jar.clear()
    for sent in (token, token.removeprefix("Bearer ")):  # as received, or bare
        me = await rested.ok("GET", auth, headers={"Authorization": sent})
        assert me == made


async def test_login_refuses_both_names_missing_fields_and_non_json(rested, auth):
    await register(rested, auth, "ann", email="ann@example.com")
    both = {"username": "ann", "email": "ann@example.com", "password": "pw-1234"}
    await refused(
        await rested.call("POST", auth, params=LOGIN, json=both), 400, messages.USERNAME_OR_EMAIL
    )
    for body in ({"username": "ann"}, {"password": "pw-1234"}, {"username": 5, "password": "x"}):
        await refused(await rested.call("POST", auth, params=LOGIN, json=body), 400)
    text = await rested.call(
        "POST", auth, params=LOGIN, data="ann", headers={"Content-Type": "text/plain"}
    )
    await refused(text, 400, messages.JSON_ONLY)
    empty = await rested.call(
        "POST", auth, params=LOGIN, data=b"", headers={"Content-Type": "application/json"}
    )
    await refused(empty, 400, messages.EMPTY_BODY)


@pytest.mark.parametrize(
    "body",
    [{"username": "ann", "password": "wrong"}, {"username": "nobody", "password": "pw-1234"}],
)
async def test_a_wrong_password_or_unknown_user_is_401(rested, auth, body):
    await register(rested, auth, "ann")
    response = await rested.call("POST", auth, params=LOGIN, json=body)
    await refused(response, 401, messages.WRONG_LOGIN)
    assert COOKIE not in response.cookies and "Authorization" not in response.headers


async def test_who_am_i_needs_a_live_token(client, rested, auth):
    await refused(await rested.call("GET", auth), 401, messages.TOKEN_INVALID)
    bogus = await rested.call("GET", auth, headers={"Authorization": "Bearer rhs_forged"})
    await refused(bogus, 401, messages.TOKEN_INVALID)


async def test_users_see_only_their_own_record(rested, auth):
    ann = await register(rested, auth, "ann")
    bob = await register(rested, auth, "bob")
    token = {"Authorization": await login_token(rested, auth, "ann")}
    mine = await rested.ok("GET", auth, headers=token, params={"uniqueId": ann["uniqueId"]})
    assert mine == ann
    theirs = await rested.call("GET", auth, headers=token, params={"uniqueId": bob["uniqueId"]})
    await refused(theirs, 400, messages.NO_RECORD)
    put = await rested.call(
        "PUT",
        auth,
        headers=token,
        params={"uniqueId": bob["uniqueId"], "strategy": "merge"},
        json={"age": 1},
    )
    await refused(put, 400, messages.NO_RECORD)
    delete = await rested.call("DELETE", auth, headers=token, params={"uniqueId": bob["uniqueId"]})
    await refused(delete, 400, messages.NO_RECORD)
    assert (await rested.ok("GET", auth, master=True))[1] == bob


async def test_logout_revokes_the_token_and_clears_the_cookie(client, rested, auth):
    await register(rested, auth, "ann")
    await rested.ok("POST", auth, params=LOGIN, json={"username": "ann", "password": "pw-1234"})
    jar_token = next(c.value for c in client.session.cookie_jar if c.key == COOKIE)
    response = await rested.call("POST", auth, params={"logout": "true"})
    assert response.status == 200 and await response.json() == {"message": messages.LOGGED_OUT}
    assert response.cookies[COOKIE]["max-age"] == "0"
    again = await rested.call("GET", auth, headers={"Authorization": jar_token})
    await refused(again, 401, messages.TOKEN_INVALID)


async def test_logout_without_a_token_is_a_clean_401(client, rested, auth):
    # A real client's bug: the axios options sent as the JSON body, and no cookie.
    response = await rested.call(
        "POST", auth, params={"logout": "true"}, json={"withCredentials": True}
    )
    await refused(response, 401, messages.TOKEN_INVALID)


async def test_update_user_keeps_a_login_and_changes_the_password(rested, auth):
    ann = await register(rested, auth, "ann", age=1)
    token = {"Authorization": await login_token(rested, auth, "ann")}
    params = {"uniqueId": ann["uniqueId"]}
    merged = await rested.ok(
        "PUT", auth, headers=token, params={**params, "strategy": "merge"}, json={"age": 2}
    )
    assert merged["data"] == {"username": "ann", "age": 2}
    lacking = await rested.call("PUT", auth, headers=token, params=params, json={"age": 3})
    await refused(lacking, 400, messages.USER_MUST_KEEP)
    renamed = await rested.ok(
        "PUT", auth, headers=token, params=params, json={"username": "anna", "password": "new-pw"}
    )
    assert renamed["data"] == {"username": "anna"}
    old = await rested.call(
        "POST", auth, params=LOGIN, json={"username": "ann", "password": "pw-1234"}
    )
    await refused(old, 401, messages.WRONG_LOGIN)
    assert await login_token(rested, auth, "anna", "new-pw")
    null_name = await rested.call(
        "PUT", auth, headers=token, params={**params, "strategy": "merge"}, json={"username": None}
    )
    await refused(null_name, 400)


async def test_a_new_password_ends_the_users_other_logins_but_not_its_own(rested, auth):
    ann = await register(rested, auth, "ann")
    mine = {"Authorization": await login_token(rested, auth, "ann")}
    other = {"Authorization": await login_token(rested, auth, "ann")}
    body = {"username": "ann", "password": "pw-5678"}
    await rested.ok("PUT", auth, headers=mine, params={"uniqueId": ann["uniqueId"]}, json=body)
    await refused(await rested.call("GET", auth, headers=other), 401, messages.TOKEN_INVALID)
    assert (await rested.ok("GET", auth, headers=mine))["uniqueId"] == ann["uniqueId"]
    # A master-key change ends every login of the user.
    body["password"] = "pw-9012"
    await rested.ok("PUT", auth, master=True, params={"uniqueId": ann["uniqueId"]}, json=body)
    await refused(await rested.call("GET", auth, headers=mine), 401, messages.TOKEN_INVALID)


async def test_update_user_to_a_taken_username_is_400(rested, auth):
    ann = await register(rested, auth, "ann")
    await register(rested, auth, "bob")
    response = await rested.call(
        "PUT",
        auth,
        master=True,
        params={"uniqueId": ann["uniqueId"], "strategy": "merge"},
        json={"username": "bob"},
    )
    assert "username" in await refused(response, 400)


async def test_a_master_key_delete_of_a_user_stops_its_tokens_at_once(rested, auth, notes):
    ann = await register(rested, auth, "ann")
    token = {"Authorization": await login_token(rested, auth, "ann")}
    note = await rested.create(notes, {"text": "mine"}, headers=token)
    deleted = await rested.ok("DELETE", auth, master=True, params={"uniqueId": ann["uniqueId"]})
    assert deleted == ann
    await refused(await rested.call("GET", auth, headers=token), 401, messages.TOKEN_INVALID)
    read = await rested.call("GET", notes, headers=token, params={"uniqueId": note["uniqueId"]})
    await refused(read, 401, messages.TOKEN_INVALID)
    login = await rested.call(
        "POST", auth, params=LOGIN, json={"username": "ann", "password": "pw-1234"}
    )
    await refused(login, 401, messages.WRONG_LOGIN)
    assert await rested.ok("GET", auth, master=True) == []


async def test_a_user_may_delete_itself(rested, auth):
    ann = await register(rested, auth, "ann")
    token = {"Authorization": await login_token(rested, auth, "ann")}
    deleted = await rested.ok("DELETE", auth, headers=token, params={"uniqueId": ann["uniqueId"]})
    assert deleted == ann
    await refused(await rested.call("GET", auth, headers=token), 401)
