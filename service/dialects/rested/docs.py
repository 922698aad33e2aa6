"""OpenAPI pieces of the rested routes: credentials, query parameters, answers and errors."""

from __future__ import annotations

from marshmallow import Schema, fields

from service.dialects.rested.auth import COOKIE
from service.web.routedoc import Param, Reply, RouteDoc, Security

API_KEY = Security(
    "restedKey",
    {"type": "apiKey", "in": "query", "name": "key", "description": "The project's API key"},
)
MASTER_KEY = Security(
    "restedMasterKey",
    {
        "type": "apiKey",
        "in": "query",
        "name": "masterKey",
        "description": "The project's master key: bypasses tokens, ownership and origins",
    },
)
TOKEN = Security(
    "restedToken",
    {
        "type": "http",
        "scheme": "bearer",
        "description": "An access token from a login with noATCookie=true (`Bearer ` optional)",
    },
)
TOKEN_COOKIE = Security(
    "restedCookie",
    {"type": "apiKey", "in": "cookie", "name": COOKIE, "description": "The login's cookie"},
)
SECURITY = ((API_KEY,), (API_KEY, TOKEN), (API_KEY, TOKEN_COOKIE), (MASTER_KEY,))

_FLAG = {"type": "string", "enum": ["true", "false"]}
ENDPOINT = Param("endpoint", "The endpoint's name (it may contain `/`)")
DATA_ONLY = Param("dataOnly", "`true`: answer only the data, without the envelope", _FLAG)
UNIQUE_ID = Param("uniqueId", "A record's id (32 hex digits); several: repeated or a,b")
UNIQUE_ID_REQUIRED = Param(
    "uniqueId", "The record's id (32 lowercase hex digits)", {"type": "string"}, required=True
)
STRATEGY = Param(
    "strategy",
    "force (default): replace whatever the types; merge: deep-merge objects; replace: "
    "replace when the types are the same",
    {"type": "string", "enum": ["force", "merge", "replace"]},
)
JSONATA = Param("jsonata", "A JSONata expression applied to the answer of a read")
FILE_ONLY = Param(
    "fileOnly", "`true` with one uniqueId: the record's file itself (for `<img>`, `<video>`)", _FLAG
)
STREAM = Param(
    "stream", "`true` (rested.dev's flag for `<video>`): ranges are always served", _FLAG
)
LOGIN = Param("login", "`true` on an authentication endpoint: log in", _FLAG)
LOGOUT = Param("logout", "`true` on an authentication endpoint: log out", _FLAG)
NO_COOKIE = Param(
    "noATCookie", "`true`: the token in the `Authorization` response header, not a cookie", _FLAG
)
KEYS = (
    Param("key", "The project's API key"),
    Param("masterKey", "The project's master key (servers only)"),
)


class RestedErrorSchema(Schema):
    message = fields.String(required=True)


_ANY = {"description": "Any JSON value"}
_ANSWER = Reply("The record envelope {uniqueId, data, createdAt, updatedAt}, or its data", _ANY)
_ERRORS = {
    400: "Endpoint or API key not valid, wrong Content-Type, empty body, no uniqueId, "
    "no record, or a bad strategy, body or jsonata expression",
    401: "The endpoint is secure and the access token is missing or not valid",
    403: "Missing API key, an origin not allowed, or a request without an origin",
    413: "An uploaded file, the text fields or the whole upload is over its limit",
    429: "Too many failed logins or registrations (Retry-After says when to try again)",
}


# A browser's FormData: files in `file`, any other field a text stored under `metadata`.
UPLOAD_FORM = {
    "type": "object",
    "properties": {
        "file": {"type": "array", "items": {"type": "string", "format": "binary"}, "minItems": 1}
    },
    "required": ["file"],
    "additionalProperties": {"type": "string"},
}


def doc(
    summary: str,
    description: str,
    query: tuple[Param, ...],
    *,
    body: bool = False,
    uploads: bool = False,
    errors: tuple[int, ...] = (400, 401, 403),
) -> RouteDoc:
    responses: dict[int, str | Reply] = {200: _ANSWER}
    responses |= {status: Reply(_ERRORS[status], RestedErrorSchema) for status in errors}
    return RouteDoc(
        summary=summary,
        description=description,
        request={"description": "JSON (application/json) or plain text (text/plain)"}
        if body
        else None,
        request_alternatives={"text/plain": {"type": "string"}}
        | ({"multipart/form-data": UPLOAD_FORM} if uploads else {}),
        query=(*KEYS, *query),
        path=(ENDPOINT,),
        responses=responses,
        error=RestedErrorSchema,
        security=SECURITY,
    )
