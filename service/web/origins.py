"""Origin policy: which origins may call a project at all (403 before any handler).

The edge middleware decides (`check_origin`), per request, whether the origin may call: it
asks the dialect which project the request speaks for and checks that project's allow-list,
which an admin can change at runtime. A refused request gets a 403 in the dialect's envelope.
A record reached without its owner's key (a public bin) is judged by the owner's policy too,
once the handler has read it (`check_owner_origin`).

Either check records the project it judged (`POLICY_PROJECT`); the CORS headers
(service.web.cors) are computed from that project's allow-list, so an origin this policy
refuses is never echoed in `Access-Control-Allow-Origin`.
"""

from __future__ import annotations

from aiohttp import hdrs, web

from service.core.origins import origin_allowed
from service.errors import OriginRefused
from service.store.projects import Project
from service.web.appkeys import DIALECTS
from service.web.dialect import Dialect

POLICY_PROJECT = web.RequestKey("policy_project", Project)


async def check_origin(request: web.Request, dialect: Dialect) -> None:
    """Refuse (403, before any handler) an origin the request's project does not allow."""
    if dialect.cors is None:
        return
    if hdrs.ORIGIN not in request.headers and not dialect.honours_no_origin:
        return  # no project's policy can refuse it (most server-side calls)
    project = await dialect.identify(request)
    if project is not None:
        _judge(request, dialect, project)


def check_owner_origin(request: web.Request, owner: Project) -> None:
    """The same policy, for the owner of what a handler has just read: a public record is
    reached without the owner's key (or with another project's), so the edge could not
    know whose allow-list applies until the record was read."""
    dialect = request.app[DIALECTS].for_request(request)
    if dialect.cors is not None:
        _judge(request, dialect, owner)


def _judge(request: web.Request, dialect: Dialect, project: Project) -> None:
    request[POLICY_PROJECT] = project  # before a refusal, so its 403 echoes no origin
    if dialect.bypasses_origin_policy(request):
        return
    origin = request.headers.get(hdrs.ORIGIN)
    require_origin = dialect.honours_no_origin and project.disallow_no_origin
    if not origin_allowed(origin, project.allowed_origins, require_origin=require_origin):
        raise OriginRefused("origin not allowed")
