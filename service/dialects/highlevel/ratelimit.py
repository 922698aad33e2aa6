"""Per-location rate limits as HighLevel applies them: a burst window and a daily cap."""

from __future__ import annotations

from aiohttp import web

from service.dialects.highlevel import messages
from service.errors import QuotaExceeded
from service.store.windows import DAY, Every, MeteredLimiter
from service.web.appkeys import STORE

LIMIT_DAILY = "X-RateLimit-Limit-Daily"
DAILY_REMAINING = "X-RateLimit-Daily-Remaining"
INTERVAL_MS = "X-RateLimit-Interval-Milliseconds"
MAX = "X-RateLimit-Max"
REMAINING = "X-RateLimit-Remaining"
HEADERS = (LIMIT_DAILY, DAILY_REMAINING, INTERVAL_MS, MAX, REMAINING)

# The headers of this request's location, for the success and the error responses alike.
RATE_HEADERS = web.RequestKey("highlevel_rate_headers", dict)


class RateLimiter:
    """HighLevel's numbers, counted in the app's shared windows (service.store.windows), so
    they hold across replicas up to the overshoot stated there. Requests refused with 429
    are not counted, so a client that backs off gets its full allowance when the window turns.
    """

    def __init__(
        self, *, burst: int = 100, window_seconds: float = 10.0, daily: int = 200_000
    ) -> None:
        self.burst = burst
        self.window_seconds = window_seconds
        self.daily = daily
        self._window = Every(window_seconds)

    def hit(self, meter: MeteredLimiter, location: str) -> tuple[bool, dict[str, str]]:
        """Count one request of `location` if allowed; (allowed, the headers to send)."""
        burst_key, daily_key = f"highlevel-burst:{location}", f"highlevel-daily:{location}"
        in_window = meter.used(burst_key, self._window)
        in_day = meter.used(daily_key, DAY)
        allowed = in_window < self.burst and in_day < self.daily
        if allowed:
            in_window = meter.add(burst_key, self._window)
            in_day = meter.add(daily_key, DAY)
        headers = {
            LIMIT_DAILY: str(self.daily),
            DAILY_REMAINING: str(max(0, self.daily - in_day)),
            INTERVAL_MS: str(round(self.window_seconds * 1000)),
            MAX: str(self.burst),
            REMAINING: str(max(0, self.burst - in_window)),
        }
        return allowed, headers


def admit(request: web.Request, limiter: RateLimiter, location: str) -> None:
    """Count the request; remember the headers for whatever response follows; 429 if spent."""
    allowed, headers = limiter.hit(request.app[STORE].metered_limits, location)
    request[RATE_HEADERS] = headers
    if not allowed:
        raise QuotaExceeded(messages.TOO_MANY_REQUESTS)
