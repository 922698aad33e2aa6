"""Throttles on logins and sign-ups, counted in the database so they hold across replicas.

Failed logins count per project and client address (RESTED_LOGIN_FAILURES_PER_MINUTE);
once a minute's window is full every login from there is refused until it turns, the
right password too, else the limit would not slow a guesser. Successful logins are not
counted. Registrations count per client address (RESTED_REGISTRATIONS_PER_MINUTE).
The client address is the connection's peer, or what a trusted proxy says it is
(TRUSTED_PROXIES, service.web.clients).
"""

from __future__ import annotations

from aiohttp import web

from service.dialects.rested import messages
from service.dialects.rested.context import Context
from service.errors import QuotaExceeded
from service.store.windows import Decision, Every
from service.web.appkeys import STORE
from service.web.clients import client_address

MINUTE = Every(60)


class Throttled(QuotaExceeded):
    code = "throttled"


def _refused(message: str, decision: Decision) -> Throttled:
    return Throttled(message, headers={"Retry-After": str(decision.retry_after)})


def _login_key(request: web.Request, project_id: str) -> str:
    return f"rested-login|{project_id}|{client_address(request)}"


async def admit_login(request: web.Request, ctx: Context, project_id: str) -> None:
    """429 while the window of failed logins from this address is full."""
    limits = request.app[STORE].exact_limits
    limit = ctx.settings.login_failures_per_minute
    decision = await limits.peek(_login_key(request, project_id), limit, MINUTE)
    if not decision.allowed:
        raise _refused(messages.LOGIN_THROTTLED, decision)


async def count_failed_login(request: web.Request, ctx: Context, project_id: str) -> None:
    """Count a failed login; 429 when the window was already full (a concurrent failure
    filled it after `admit_login`)."""
    limits = request.app[STORE].exact_limits
    limit = ctx.settings.login_failures_per_minute
    decision = await limits.hit(_login_key(request, project_id), limit, MINUTE)
    if not decision.allowed:
        raise _refused(messages.LOGIN_THROTTLED, decision)


async def count_registration(request: web.Request, ctx: Context) -> None:
    limits = request.app[STORE].exact_limits
    key = f"rested-register|{client_address(request)}"
    decision = await limits.hit(key, ctx.settings.registrations_per_minute, MINUTE)
    if not decision.allowed:
        raise _refused(messages.REGISTER_THROTTLED, decision)
