"""Plan rules of JSONBin: record size limits and the monthly request quota."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from service.dialects.jsonbin import messages
from service.errors import Forbidden, PayloadTooLarge, QuotaExceeded
from service.store.projects import Project
from service.web.keys import DIRECTORY, SETTINGS, USAGE

KB = 1024
SIZE_LIMIT = {"free": 500 * KB, "pro": 1024 * KB}


def stored_size(record: Any) -> int:
    """The UTF-8 length of the record as stored: compact JSON."""
    return len(json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def check_size(project: Project, record: Any, raw_size: int, *, free_message: str) -> None:
    limit = SIZE_LIMIT.get(project.plan, SIZE_LIMIT["pro"])
    # Compact JSON is rarely longer than what was sent; only measure near the limit.
    if raw_size <= limit // 2:
        return
    size = stored_size(record)
    if size <= limit:
        return
    if project.plan == "free":
        raise Forbidden(free_message, reason="plan_size")
    raise PayloadTooLarge(messages.BIN_TOO_LARGE, reason="plan_size")


async def charge(request: web.Request, project: Project | str) -> None:
    """Count one request against the project's monthly quota; 403 once it is spent.

    `project` is the Project when the caller has it already, else its id."""
    if isinstance(project, str):
        found = await request.app[DIRECTORY].project(project)
        project_id, plan = project, found.plan if found is not None else "pro"
    else:
        project_id, plan = project.id, project.plan
    app = request.app
    limit = app[SETTINGS].monthly_requests(plan)
    used = await app[USAGE].charge(project_id)
    if limit and used > limit:
        raise QuotaExceeded(messages.REQUESTS_EXHAUSTED)
