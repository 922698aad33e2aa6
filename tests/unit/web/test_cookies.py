"""Session cookies: the attributes they are set with, and clearing with the same ones."""

from __future__ import annotations

import pytest
from aiohttp import web

from service.web.cookies import SessionCookie


def attributes(response: web.StreamResponse) -> tuple[str, dict[str, str]]:
    """The one cookie's `name=value` and its attributes (lower-case names), as the
    Set-Cookie header will carry them."""
    (morsel,) = response.cookies.values()
    header = morsel.OutputString()
    first, *rest = (part.strip() for part in header.split(";"))
    found = {}
    for part in rest:
        name, _, value = part.partition("=")
        found[name.lower()] = value
    return first, found


def test_a_session_cookie_is_http_only_secure_and_carries_its_site_path_and_age():
    cookie = SessionCookie("__Secure-rested-access-token", same_site="None")
    response = web.Response()
    cookie.set(response, "rhs_token", max_age=900)
    pair, attrs = attributes(response)
    assert pair == "__Secure-rested-access-token=rhs_token"
    assert attrs == {
        "httponly": "",
        "secure": "",
        "samesite": "None",
        "path": "/",
        "max-age": "900",
    }


def test_without_a_max_age_the_cookie_lasts_the_browser_session():
    response = web.Response()
    SessionCookie("buzz_buzz_cookie").set(response, "rhs_token", max_age=None)
    _, attrs = attributes(response)
    assert "max-age" not in attrs and "expires" not in attrs
    assert attrs["samesite"] == "Lax"
    assert "domain" not in attrs  # host-only: cookie jars refuse a Domain on an IP host


def test_for_plain_http_secure_is_dropped_and_samesite_none_becomes_lax():
    cookie = SessionCookie("buzz_buzz_cookie", secure=False, same_site="None", path="/rest")
    response = web.Response()
    cookie.set(response, "rhs_token", max_age=60)
    _, attrs = attributes(response)
    assert "secure" not in attrs
    assert (attrs["samesite"], attrs["path"], attrs["httponly"]) == ("Lax", "/rest", "")


@pytest.mark.parametrize("secure", [True, False])
def test_clearing_sends_max_age_zero_with_the_attributes_it_was_set_with(secure):
    cookie = SessionCookie("sid", secure=secure, same_site="Strict", path="/api")
    set_response, cleared = web.Response(), web.Response()
    cookie.set(set_response, "rhs_token", max_age=60)
    cookie.clear(cleared)
    _, was_set = attributes(set_response)
    pair, attrs = attributes(cleared)
    assert pair in ('sid=""', "sid=")
    assert attrs["max-age"] == "0"
    for name in ("httponly", "secure", "samesite", "path"):
        assert attrs.get(name) == was_set.get(name), name


@pytest.mark.parametrize("name", ["", "a b", "a;b", "naïve", "a=b"])
def test_a_name_that_is_not_a_cookie_token_is_refused(name):
    with pytest.raises(ValueError, match="not a valid cookie name"):
        SessionCookie(name)


async def test_a_client_sends_the_cookie_back_and_forgets_it_once_cleared(aiohttp_client):
    cookie = SessionCookie("buzz_buzz_cookie", secure=False)

    async def login(request: web.Request) -> web.Response:
        response = web.json_response({})
        cookie.set(response, "rhs_token", max_age=900)
        return response

    async def logout(request: web.Request) -> web.Response:
        response = web.json_response({})
        cookie.clear(response)
        return response

    async def echo(request: web.Request) -> web.Response:
        return web.json_response({"token": request.cookies.get(cookie.name)})

    app = web.Application()
    app.router.add_routes([web.post("/login", login), web.post("/logout", logout)])
    app.router.add_get("/echo", echo)
    client = await aiohttp_client(app)
    await client.post("/login")
    assert await (await client.get("/echo")).json() == {"token": "rhs_token"}
    await client.post("/logout")
    assert await (await client.get("/echo")).json() == {"token": None}
