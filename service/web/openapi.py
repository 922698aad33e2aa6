"""OpenAPI 3.1 at /openapi.json from the router and the dialects' docs; Swagger UI at /docs."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from swagger_ui.core import ApplicationDocument

from service.web import admin_docs, health_docs
from service.web.appkeys import DIALECTS
from service.web.routedoc import Param, Reply, RouteDoc, SchemaLike, handler_doc

OPENAPI_PATH = "/openapi.json"
DOCS_PATH = "/docs"
OPENAPI_VERSION = "3.1.0"
TITLE = "RecordHub"
DESCRIPTION = (
    "A self-hosted record store that speaks the update dialects of hosted services. "
    "Each dialect keeps its own credentials and error envelope."
)

_SKIPPED_METHODS = {hdrs.METH_OPTIONS, hdrs.METH_HEAD, hdrs.METH_ANY}
_PATH_PARAM = re.compile(r"\{([^}:]+)")


@dataclass(frozen=True)
class OpenApiDocument:
    """The spec, its encoded body and the Swagger UI page, built once at startup."""

    spec: dict[str, Any]
    body: bytes
    page: str


OPENAPI = web.AppKey("openapi", OpenApiDocument)


def add_routes(app: web.Application) -> None:
    """Serve the spec and Swagger UI; the spec is built at startup, once every route exists."""
    swagger_ui = _swagger_ui(app)
    app.router.add_get(OPENAPI_PATH, serve_spec)
    app.router.add_get(DOCS_PATH, serve_docs)
    app.router.add_static(f"{DOCS_PATH}/static", swagger_ui.static_dir)
    app.on_startup.append(functools.partial(_build, page=swagger_ui.doc_html))


async def serve_spec(request: web.Request) -> web.Response:
    """The OpenAPI document of every public route."""
    return web.Response(body=request.app[OPENAPI].body, content_type="application/json")


async def serve_docs(request: web.Request) -> web.Response:
    """Swagger UI over /openapi.json, from assets served by this process."""
    return web.Response(text=request.app[OPENAPI].page, content_type="text/html")


async def _build(app: web.Application, *, page: str) -> None:
    spec = build_spec(app)
    body = json.dumps(spec, separators=(",", ":")).encode()
    app[OPENAPI] = OpenApiDocument(spec=spec, body=body, page=page)


def _swagger_ui(app: web.Application) -> ApplicationDocument:
    # swagger-ui-py renders the page and ships the assets; the page must load the spec
    # from /openapi.json, not from its own default under the prefix, and must not call
    # the public validator service (the docs work offline).
    document = ApplicationDocument(
        app,
        app_type="aiohttp",
        url_prefix=DOCS_PATH,
        config_rel_url=OPENAPI_PATH,
        title=f"{TITLE} API",
        parameters={"validatorUrl": "null"},
    )
    document.parameters["url"] = json.dumps(OPENAPI_PATH)
    return document


def public_routes(app: web.Application) -> Iterator[tuple[str, str, Handler]]:
    """(METHOD, path template, handler) of every route a client calls.

    CORS preflights (OPTIONS), the HEAD twins of GET routes and static files are left out.
    """
    for route in app.router.routes():
        resource = route.resource
        if route.method in _SKIPPED_METHODS or resource is None:
            continue
        if isinstance(resource, web.StaticResource):
            continue
        yield route.method, resource.canonical, route.handler


def collect_docs(app: web.Application) -> dict[tuple[str, str], RouteDoc]:
    docs: dict[tuple[str, str], RouteDoc] = {}
    docs.update(health_docs.route_docs())
    docs.update(admin_docs.route_docs())
    docs.update(_own_docs())
    for dialect in app[DIALECTS]:
        docs.update(dialect.docs())
        docs.update(admin_docs.contributed_docs(dialect))
    return docs


def build_spec(app: web.Application) -> dict[str, Any]:
    """The OpenAPI document of the app's router, with whatever docs the dialects provide."""
    spec = APISpec(
        title=TITLE,
        version=_version(),
        openapi_version=OPENAPI_VERSION,
        plugins=[MarshmallowPlugin()],
        info={"description": DESCRIPTION},
    )
    docs = collect_docs(app)
    schemes: dict[str, Mapping[str, Any]] = {}
    paths: dict[str, dict[str, dict[str, Any]]] = {}
    taken: set[str] = set()
    for method, path, handler in public_routes(app):
        doc = docs.get((method, path)) or handler_doc(handler)
        operation = _operation(method, path, doc, _tag(app, path, doc))
        operation["operationId"] = _unique(operation["operationId"], taken)
        paths.setdefault(path, {})[method.lower()] = operation
        for alternative in doc.security:
            schemes.update((security.name, security.scheme) for security in alternative)
    for name, scheme in sorted(schemes.items()):
        spec.components.security_scheme(name, dict(scheme))
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def _version() -> str:
    try:
        return metadata.version("recordhub")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def _tag(app: web.Application, path: str, doc: RouteDoc) -> list[str]:
    if doc.tags:
        return list(doc.tags)
    dialects = app[DIALECTS]
    dialect = dialects.for_path(path)
    return ["service"] if dialect is dialects.default else [dialect.name]


def _operation(method: str, path: str, doc: RouteDoc, tags: list[str]) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": _operation_id(method, path),
        "summary": doc.summary,
        "tags": tags,
        "parameters": _parameters(path, doc),
        "responses": _responses(doc),
    }
    if doc.description:
        operation["description"] = doc.description
    if doc.request is not None:
        content = {doc.request_media_type: {"schema": _schema(doc.request)}}
        for media_type, schema in doc.request_alternatives.items():
            content[media_type] = {"schema": _schema(schema)}
        operation["requestBody"] = {"required": doc.request_required, "content": content}
    if doc.security:
        operation["security"] = [
            {security.name: [] for security in alternative} for alternative in doc.security
        ]
    return operation


def _operation_id(method: str, path: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", path)
    return "_".join([method.lower(), *words])


def _unique(operation_id: str, taken: set[str]) -> str:
    # `/objects` and `/objects/` are two routes with the same words: number the second.
    candidate, n = operation_id, 1
    while candidate in taken:
        n += 1
        candidate = f"{operation_id}_{n}"
    taken.add(candidate)
    return candidate


def _parameters(path: str, doc: RouteDoc) -> list[dict[str, Any]]:
    # Every template variable is a required path parameter, documented or not.
    described = {param.name: param for param in doc.path}
    parameters = [
        _parameter("path", described.get(name) or Param(name, name), required=True)
        for name in _PATH_PARAM.findall(path)
    ]
    parameters += [_parameter("header", param, param.required) for param in doc.headers]
    parameters += [_parameter("query", param, param.required) for param in doc.query]
    return parameters


def _parameter(where: str, param: Param, required: bool) -> dict[str, Any]:
    return {
        "name": param.name,
        "in": where,
        "required": required,
        "description": param.description,
        "schema": dict(param.schema),
    }


def _responses(doc: RouteDoc) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, reply in sorted(doc.responses.items()):
        responses[str(status)] = _reply(Reply(reply) if isinstance(reply, str) else reply)
    if doc.error is not None:
        responses["default"] = _reply(Reply("An error, in the dialect's error envelope", doc.error))
    else:
        responses["default"] = {"description": "Any other answer"}
    return responses


def _reply(reply: Reply) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": reply.description}
    if reply.schema is not None:
        answer["content"] = {reply.media_type: {"schema": _schema(reply.schema)}}
    return answer


def _schema(schema: SchemaLike) -> Any:
    # Marshmallow schemas go to the plugin as they are (it turns them into $refs);
    # JSON Schema dicts are copied so a later edit of the spec cannot reach the docs.
    return json.loads(json.dumps(schema)) if isinstance(schema, dict) else schema


def _own_docs() -> dict[tuple[str, str], RouteDoc]:
    return {
        ("GET", OPENAPI_PATH): RouteDoc(
            summary="This OpenAPI document",
            responses={200: Reply("The OpenAPI 3.1 document", {"type": "object"})},
            tags=("docs",),
        ),
        ("GET", DOCS_PATH): RouteDoc(
            summary="Swagger UI over this document",
            responses={200: Reply("The Swagger UI page", {"type": "string"}, "text/html")},
            tags=("docs",),
        ),
    }
