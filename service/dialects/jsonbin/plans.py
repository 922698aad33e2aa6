"""Plan rules of JSONBin: record size limits and the monthly request quota."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from service.dialects.jsonbin import messages
from service.errors import Forbidden, PayloadTooLarge, QuotaExceeded
from service.store.projects import Project
from service.store.windows import MONTH
from service.web.appkeys import SETTINGS, STORE

KB = 1024
_CHARGED = web.RequestKey("jsonbin_charged", bool)
SIZE_LIMIT = {"free": 500 * KB, "pro": 1024 * KB}


def stored_size(record: Any) -> int:
    """The UTF-8 length of the record as stored: compact JSON (a lone surrogate, which JSON
    can escape, counts its 3 bytes instead of failing)."""
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    return len(text.encode("utf-8", "surrogatepass"))


def within_limit(record: Any, raw_size: int, limit: int) -> bool:
    """Whether the record parsed from a body of `raw_size` bytes is stored in `limit` bytes.

    Measuring encodes the record again, so small bodies are let through unmeasured, by a
    bound that holds for every body: compact JSON writes strings, keys and structure in at
    most the bytes the body used, and a number in at most 4.5 times its text (a float is
    written as Python's repr; the worst case is "1e15" -> "1000000000000000.0", and a
    repr is never over 24 characters)."""
    return raw_size * 9 <= limit * 2 or stored_size(record) <= limit


def check_size(project: Project, record: Any, raw_size: int, *, free_message: str) -> None:
    limit = SIZE_LIMIT.get(project.plan, SIZE_LIMIT["pro"])
    if within_limit(record, raw_size, limit):
        return
    if project.plan == "free":
        raise Forbidden(free_message)
    raise PayloadTooLarge(messages.BIN_TOO_LARGE)


def requests_used(app: web.Application, project_id: str) -> int:
    """The project's requests this month, as far as this replica knows."""
    return app[STORE].metered_limits.used(_quota_key(project_id), MONTH)


def _quota_key(project_id: str) -> str:
    return f"jsonbin-requests:{project_id}"


async def charge(request: web.Request, project: Project) -> None:
    """Count the request against its project's monthly quota; 403 once it is spent.

    The project is the owner of the bin written or read (a public bin's, whoever calls).
    A request is counted once, however often its write is retried. Counted in the shared
    windows (service.store.windows): the quota holds across replicas up to what they serve
    in one flush interval."""
    if request.get(_CHARGED):
        return
    request[_CHARGED] = True
    used = request.app[STORE].metered_limits.add(_quota_key(project.id), MONTH)
    limit = request.app[SETTINGS].monthly_requests(project.plan)
    if limit and used > limit:
        raise QuotaExceeded(messages.REQUESTS_EXHAUSTED)


def affordable(request: web.Request, project: Project, record: Any, raw_size: int) -> bool:
    """Whether `project`, as the owner, could take this write: the record within its plan's
    size and a request left in its quota. Counts nothing: the one-round-trip update asks
    before writing, counts with `count_served` after, and leaves any other case to the
    general path, which judges by the bin's real owner."""
    limit = request.app[SETTINGS].monthly_requests(project.plan)
    if limit and requests_used(request.app, project.id) >= limit:
        return False
    return within_limit(record, raw_size, SIZE_LIMIT.get(project.plan, SIZE_LIMIT["pro"]))


async def count_served(request: web.Request, project: Project) -> None:
    """Count a request already served after `affordable` said yes. Concurrent requests
    near the limit can overshoot it by the ones in flight, far less than the overshoot
    between replicas (what they serve in one flush interval)."""
    request[_CHARGED] = True
    request.app[STORE].metered_limits.add(_quota_key(project.id), MONTH)
