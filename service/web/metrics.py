"""Prometheus metrics: a registry per app (nothing global), labelled by route template."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest

_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """Request count by (route, method, status) and latency by (route, method).

    Labels are route *templates* (`/v3/b/{id}`), never ids, keys or client addresses, so
    the number of series stays bounded whatever the traffic.
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "recordhub_requests",
            "HTTP requests answered",
            ("route", "method", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "recordhub_request_duration_seconds",
            "Time from request start to response",
            ("route", "method"),
            buckets=_BUCKETS,
            registry=self.registry,
        )

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route, method).observe(seconds)

    def render(self) -> web.Response:
        response = web.Response(body=generate_latest(self.registry))
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response


def route_template(request: web.Request) -> str:
    """The matched route's template, or a fixed label for unmatched paths."""
    match_info = request.match_info
    resource = match_info.route.resource
    if match_info.http_exception is not None or resource is None:
        return "unmatched"
    return resource.canonical
