"""Per-location rate limits as HighLevel applies them: a burst window and a daily cap."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import web

from service.dialects.highlevel import messages
from service.errors import QuotaExceeded

LIMIT_DAILY = "X-RateLimit-Limit-Daily"
DAILY_REMAINING = "X-RateLimit-Daily-Remaining"
INTERVAL_MS = "X-RateLimit-Interval-Milliseconds"
MAX = "X-RateLimit-Max"
REMAINING = "X-RateLimit-Remaining"
HEADERS = (LIMIT_DAILY, DAILY_REMAINING, INTERVAL_MS, MAX, REMAINING)

# The headers of this request's location, for the success and the error responses alike.
RATE_HEADERS = web.RequestKey("highlevel_rate_headers", dict)

_MAX_LOCATIONS = 100_000


def utc_day() -> str:
    return datetime.now(UTC).date().isoformat()


@dataclass
class _Usage:
    window_start: float
    in_window: int
    day: str
    in_day: int


class RateLimiter:
    """Counted in memory per replica: with N replicas behind a load balancer a location can
    make up to N times the configured numbers. Requests refused with 429 are not counted, so
    a client that backs off gets its full allowance back when the window turns.
    """

    def __init__(
        self,
        *,
        burst: int = 100,
        window_seconds: float = 10.0,
        daily: int = 200_000,
        clock: Callable[[], float] = time.monotonic,
        today: Callable[[], str] = utc_day,
    ) -> None:
        self.burst = burst
        self.window_seconds = window_seconds
        self.daily = daily
        self._clock = clock
        self._today = today
        self._usage: dict[str, _Usage] = {}

    def _current(self, location: str) -> _Usage:
        now, day = self._clock(), self._today()
        usage = self._usage.get(location)
        if usage is None:
            if len(self._usage) >= _MAX_LOCATIONS:
                self._forget_old_days(day)
            usage = self._usage[location] = _Usage(now, 0, day, 0)
        if now - usage.window_start >= self.window_seconds:
            usage.window_start, usage.in_window = now, 0
        if usage.day != day:
            usage.day, usage.in_day = day, 0
        return usage

    def _forget_old_days(self, day: str) -> None:
        for location in [k for k, usage in self._usage.items() if usage.day != day]:
            del self._usage[location]

    def hit(self, location: str) -> tuple[bool, dict[str, str]]:
        """Count one request of `location` if allowed; (allowed, the headers to send)."""
        usage = self._current(location)
        allowed = usage.in_window < self.burst and usage.in_day < self.daily
        if allowed:
            usage.in_window += 1
            usage.in_day += 1
        headers = {
            LIMIT_DAILY: str(self.daily),
            DAILY_REMAINING: str(max(0, self.daily - usage.in_day)),
            INTERVAL_MS: str(round(self.window_seconds * 1000)),
            MAX: str(self.burst),
            REMAINING: str(max(0, self.burst - usage.in_window)),
        }
        return allowed, headers


def admit(request: web.Request, limiter: RateLimiter, location: str) -> None:
    """Count the request; remember the headers for whatever response follows; 429 if spent."""
    allowed, headers = limiter.hit(location)
    request[RATE_HEADERS] = headers
    if not allowed:
        raise QuotaExceeded(messages.TOO_MANY_REQUESTS, reason="rate_limit")
