"""A real browser (Debian's chromium, driven by Playwright) runs a page from one loopback
origin against RecordHub on another: register, cookie login with `credentials: 'include'`,
and a secure record PUT and read back; the `noATCookie` flow; a disallowed origin refused.

The cookie keeps its production attributes (`__Secure-` prefix, Secure, HttpOnly,
SameSite=None): Chromium counts http://127.0.0.1 as potentially trustworthy, so it stores
a Secure cookie set over plain HTTP there, and two loopback ports are one site, so the
cookie goes with credentialed fetches. RESTED_COOKIE_SECURE=false would not do: a
`__Secure-` cookie without Secure is refused outright.
"""

from __future__ import annotations

import asyncio
import base64
import shutil
import struct
import zlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from tests.dialects.rested.process import Service, running

PAGE = """<!doctype html>
<meta charset="utf-8"><title>rested client</title>
<script>
async function call(method, url, {body, headers = {}, credentials = 'include'} = {}) {
  const init = {method, credentials, headers: {...headers}};
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  const response = await fetch(url, init);
  return {status: response.status, body: await response.json(),
          authorization: response.headers.get('Authorization')};
}

async function cookieFlow(api, key) {
  const users = `${api}/app/users?key=${key}`, notes = `${api}/app/notes?key=${key}`;
  const login = {username: 'ann', password: 'pw-1234'};
  const steps = {register: await call('POST', users, {body: {...login, team: 'red'}})};
  steps.login = await call('POST', `${users}&login=true`, {body: login});
  steps.me = await call('GET', users);
  steps.create = await call('POST', notes, {body: {title: 'first'}});
  const id = steps.create.body.uniqueId;
  steps.put = await call('PUT', `${notes}&uniqueId=${id}&strategy=merge`, {body: {done: true}});
  steps.read = await call('GET', `${notes}&uniqueId=${id}`);
  steps.anonymous = await call('GET', `${notes}&uniqueId=${id}`, {credentials: 'omit'});
  steps.pageCookies = document.cookie;
  return steps;
}

async function tokenFlow(api, key) {
  const users = `${api}/app/users?key=${key}`, notes = `${api}/app/notes?key=${key}`;
  const login = {username: 'bob', password: 'pw-5678'};
  const plain = {credentials: 'omit'};
  const steps = {register: await call('POST', users, {...plain, body: login})};
  steps.login = await call('POST', `${users}&login=true&noATCookie=true`, {...plain, body: login});
  const token = {Authorization: steps.login.authorization};
  steps.create = await call('POST', notes, {...plain, headers: token, body: {title: 'bob'}});
  const id = steps.create.body.uniqueId;
  steps.put = await call('PUT', `${notes}&uniqueId=${id}`, {...plain, headers: token,
                                                             body: ['replaced']});
  steps.read = await call('GET', `${notes}&uniqueId=${id}`, {...plain, headers: token});
  return steps;
}

async function imageFlow(api, key, pngBase64) {
  const notes = `${api}/app/notes?key=${key}`;
  const png = Uint8Array.from(atob(pngBase64), (c) => c.charCodeAt(0));
  const form = new FormData();
  form.append('file', new Blob([png], {type: 'image/png'}), 'dot.png');
  form.append('caption', 'a dot');
  const response = await fetch(notes, {method: 'POST', body: form, credentials: 'include'});
  const [record] = await response.json();
  const image = new Image();
  const loaded = new Promise((resolve) => {
    image.onload = () => resolve(image.naturalWidth);
    image.onerror = () => resolve(-1);
  });
  image.src = `${notes}&uniqueId=${record.uniqueId}&fileOnly=true`;  // the cookie goes along
  return {status: response.status, data: record.data, width: await loaded};
}

async function refusedFlow(api, key) {
  try {
    await fetch(`${api}/app/notes?key=${key}`, {credentials: 'include'});
    return 'read';
  } catch (error) {
    return `${error.name}: ${error.message}`;
  }
}
</script>
"""


def png(width: int) -> bytes:
    """A `width` x 1 black PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, 1, 8, 0, 0, 0, 0)  # 8-bit greyscale
    pixels = zlib.compress(b"\x00" + b"\x00" * width)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("Debian's chromium is not installed: run .ci/install-browser")
    return found


@pytest.fixture
async def pages() -> AsyncIterator[list[str]]:
    """The page on two loopback origins: [allowed, refused]."""

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    runner = web.AppRunner(app)
    await runner.setup()
    for _ in range(2):
        await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield [f"http://127.0.0.1:{address[1]}" for address in runner.addresses]
    finally:
        await runner.cleanup()


async def provision(service: Service, origin: str) -> str:
    """A project that allows `origin`, with an authentication and a secure endpoint."""
    admin, base = service.admin, service.base
    body = {"name": "browser-app", "allowedOrigins": [origin]}
    project = await (
        await service.session.post(f"{base}/admin/projects", json=body, headers=admin)
    ).json()
    path = f"{base}/admin/projects/{project['id']}/endpoints"
    for name, flags in (("app/users", {"authentication": True}), ("app/notes", {"secure": True})):
        made = await service.session.post(path, json={"name": name, **flags}, headers=admin)
        assert made.status == 201, await made.text()
    return str(project["apiKey"])


async def refusal(failures: list[Any], answers: list[Any]) -> tuple[Any, Any]:
    """The failed fetch and the answer it got, once the browser has reported both (its
    network events may come after the page's promise settled)."""
    for _ in range(100):
        if failures:
            found = [event for event in answers if event["requestId"] == failures[0]["requestId"]]
            if found:
                return failures[0], found[0]
        await asyncio.sleep(0.1)
    raise AssertionError(f"no refused fetch reported: {failures}")


async def test_a_browser_page_logs_in_and_writes_with_cookie_and_token(db_uri, pages):
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        pytest.fail("playwright is not installed: pip install playwright (no browser download)")
    allowed, refused = pages
    async with running(db_uri) as service, async_playwright() as playwright:
        key = await provision(service, allowed)
        browser = await playwright.chromium.launch(executable_path=chromium())
        try:
            context = await browser.new_context()
            page = await context.new_page()
            await page.goto(allowed)
            api = f"{service.base}/api/1/ce"
            steps: dict[str, Any] = await page.evaluate("([a, k]) => cookieFlow(a, k)", [api, key])
            cookies = await context.cookies(service.base)
            token_steps = await page.evaluate("([a, k]) => tokenFlow(a, k)", [api, key])
            image = await page.evaluate(
                "([a, k, p]) => imageFlow(a, k, p)", [api, key, base64.b64encode(png(3)).decode()]
            )

            # What the server answered the refused page, as the browser's network saw it
            # (the page itself may not read it).
            stranger = await context.new_page()
            network = await context.new_cdp_session(stranger)
            answers: list[Any] = []
            failures: list[Any] = []
            network.on("Network.responseReceivedExtraInfo", lambda event: answers.append(event))
            network.on("Network.loadingFailed", lambda event: failures.append(event))
            await network.send("Network.enable")
            await stranger.goto(refused)
            failure = await stranger.evaluate("([a, k]) => refusedFlow(a, k)", [api, key])
            blocked, answer = await refusal(failures, answers)
        finally:
            await browser.close()

    statuses = {name: step["status"] for name, step in steps.items() if isinstance(step, dict)}
    assert statuses == {
        "register": 200,
        "login": 200,
        "me": 200,
        "create": 200,
        "put": 200,
        "read": 200,
        "anonymous": 401,
    }, steps
    assert steps["me"]["body"]["data"] == {"username": "ann", "team": "red"}
    assert steps["read"]["body"]["data"] == {"title": "first", "done": True}
    assert steps["read"]["body"] == steps["put"]["body"]
    [cookie] = cookies
    assert cookie["name"] == "__Secure-rested-access-token"
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "None"
    assert steps["pageCookies"] == ""  # HttpOnly: no script reads the token
    assert steps["login"]["authorization"] is None  # cookie mode sends no header

    assert token_steps["login"]["authorization"].startswith("Bearer ")  # exposed to the page
    assert token_steps["put"]["status"] == 200, token_steps
    assert token_steps["read"]["body"]["data"] == ["replaced"]

    # A FormData upload with the cookie, and its file shown by an <img> from the other origin.
    assert image["status"] == 200 and image["width"] == 3, image
    assert image["data"] == {
        "filename": "dot.png",
        "contentType": "image/png",
        "size": len(png(3)),
        "metadata": {"caption": "a dot"},
    }

    assert failure.startswith("TypeError"), failure  # the page cannot read the answer
    assert blocked["corsErrorStatus"]["corsError"] == "MissingAllowOriginHeader"
    assert answer["statusCode"] == 403  # the seed's refusal, before any handler ran
    assert "Access-Control-Allow-Origin" not in answer["headers"]
