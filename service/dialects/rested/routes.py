"""The URL table of the rested dialect (base URL `http://HOST:PORT/api`, as rested.dev's is
`https://app.rested.dev/api`): one route per method on `/1/ce/{endpoint}`, where the name
may contain `/`; the operation is chosen by the endpoint's kind and the query flags."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from aiohttp import web

from service.dialects.rested import downloads, messages, records, uploads, users
from service.dialects.rested.auth import Caller, caller
from service.dialects.rested.context import Context, Handler
from service.dialects.rested.docs import (
    DATA_ONLY,
    FILE_ONLY,
    JSONATA,
    LOGIN,
    LOGOUT,
    NO_COOKIE,
    STRATEGY,
    STREAM,
    UNIQUE_ID,
    UNIQUE_ID_REQUIRED,
    doc,
)
from service.dialects.rested.endpoints import Endpoint
from service.dialects.rested.params import flag
from service.errors import Invalid
from service.web.routedoc import Route, RouteDoc

PATH = "/api/1/ce/{endpoint:.+}"


def endpoint_call(
    ctx: Context, plain: Handler, authentication: Handler
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Every call: the key (403 without, 400 if unknown), then the endpoint (400 if
    unknown), then the handler for the endpoint's kind."""

    @functools.wraps(plain)  # the OpenAPI builder reads the handler's name and docstring
    async def handle(request: web.Request) -> web.StreamResponse:
        who = await caller(request)
        endpoint = await ctx.endpoint(request, who.project.id, request.match_info["endpoint"])
        chosen = authentication if endpoint.authentication else plain
        return await chosen(request, ctx, who, endpoint)

    return handle


async def post_plain(
    request: web.Request, ctx: Context, who: Caller, endpoint: Endpoint
) -> web.Response:
    """Create a record, or upload files (or, on an authentication endpoint, register, log
    in or out)"""
    if flag(request, "login") or flag(request, "logout"):
        raise Invalid(messages.LOGIN_ELSEWHERE)
    if uploads.is_upload(request):
        return await uploads.upload_files(request, ctx, who, endpoint)
    return await records.create_record(request, ctx, who, endpoint)


async def get_plain(
    request: web.Request, ctx: Context, who: Caller, endpoint: Endpoint
) -> web.StreamResponse:
    """Read records, or with `fileOnly=true` one record's file"""
    if flag(request, "fileOnly"):
        return await downloads.read_file(request, ctx, who, endpoint)
    return await records.read_records(request, ctx, who, endpoint)


async def post_authentication(
    request: web.Request, ctx: Context, who: Caller, endpoint: Endpoint
) -> web.Response:
    if flag(request, "login"):
        return await users.login(request, ctx, who, endpoint)
    if flag(request, "logout"):
        return await users.logout(request, ctx, who, endpoint)
    return await users.register(request, ctx, who, endpoint)


_POST = doc(
    "Create a record, upload files, register a user, log in or out",
    "On an ordinary endpoint: create a record from a JSON or text/plain body, or upload "
    "files: a multipart/form-data body with up to RESTED_MAX_FILES files (each at most "
    "RESTED_MAX_FILE_BYTES) in the field `file`, its text fields stored under `metadata`; "
    "the answer is then an array with one envelope per file, whose data is `{filename, "
    "contentType, size, metadata}`. On an authentication endpoint: register `{username or "
    "email, password, ...}`, or with `login=true` log in (JSON only; the token in the "
    "cookie, or with `noATCookie=true` in the `Authorization` response header), or with "
    "`logout=true` log out.",
    (DATA_ONLY, LOGIN, LOGOUT, NO_COOKIE),
    body=True,
    uploads=True,
    errors=(400, 401, 403, 413, 429),
)
_GET = doc(
    "Read records, the logged-in user, or a file",
    "Every record (an array), or those named by `uniqueId` (one envelope for exactly one "
    "id). On an authentication endpoint: the logged-in user's record. `jsonata` applies "
    "an expression to the answer. With `fileOnly=true` and one `uniqueId` of a file "
    "record: the file's bytes with its content type (a single `Range` answers 206).",
    (UNIQUE_ID, DATA_ONLY, JSONATA, FILE_ONLY, STREAM),
)
_PUT = doc(
    "Update a record (the seed)",
    "Replace (force), deep-merge (merge) or same-type replace (replace) the record's data.",
    (UNIQUE_ID_REQUIRED, STRATEGY, DATA_ONLY),
    body=True,
)
_DELETE = doc(
    "Delete a record (or a user)",
    "Answers the deleted record; a file record's file goes too. On an authentication "
    "endpoint the user goes too, and its tokens stop working.",
    (UNIQUE_ID_REQUIRED, DATA_ONLY),
)


def table(ctx: Context) -> list[Route]:
    def route(method: str, plain: Handler, authentication: Handler, route_doc: RouteDoc) -> Route:
        return Route(method, PATH, endpoint_call(ctx, plain, authentication), route_doc)

    return [
        route("POST", post_plain, post_authentication, _POST),
        route("GET", get_plain, users.who_am_i, _GET),
        route("PUT", records.update_record, users.update_user, _PUT),
        route("DELETE", records.delete_record, users.delete_user, _DELETE),
    ]
