"""Prometheus metrics: a registry per app (nothing global), labelled by route template.

Requests are counted in plain dictionaries and handed to prometheus-client as metric
families when `/metrics` is scraped (a custom collector): a client-library Counter and
Histogram take a lock and a label lookup each per update, which is most of their cost,
and every update here happens on the event loop's one thread.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class _Latency:
    __slots__ = ("counts", "total")

    def __init__(self) -> None:
        self.counts = [0] * (len(_BUCKETS) + 1)  # per bucket, the last one is +Inf
        self.total = 0.0


class Metrics(Collector):
    """Request count by (route, method, status) and latency by (route, method).

    Labels are route *templates* (`/v3/b/{id}`), never ids, keys or client addresses, and
    methods outside the standard ones count as "other", so the number of series stays
    bounded whatever the traffic.
    """

    def __init__(self) -> None:
        self._requests: dict[tuple[str, str, int], int] = {}
        self._latency: dict[tuple[str, str], _Latency] = {}
        self.registry = CollectorRegistry()
        self.registry.register(self)

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        if method not in _METHODS:
            method = "other"  # HTTP lets a client invent methods; labels must stay bounded
        key = (route, method, status)
        self._requests[key] = self._requests.get(key, 0) + 1
        latency = self._latency.get((route, method))
        if latency is None:
            latency = self._latency[(route, method)] = _Latency()
        latency.counts[bisect_left(_BUCKETS, seconds)] += 1
        latency.total += seconds

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            "recordhub_requests", "HTTP requests answered", labels=("route", "method", "status")
        )
        for (route, method, status), count in self._requests.items():
            requests.add_metric((route, method, str(status)), count)
        yield requests
        latency = HistogramMetricFamily(
            "recordhub_request_duration_seconds",
            "Time from request start to response",
            labels=("route", "method"),
        )
        for labels, observed in self._latency.items():
            cumulative, buckets = 0, []
            for bound, count in zip((*map(str, _BUCKETS), "+Inf"), observed.counts, strict=True):
                cumulative += count
                buckets.append((bound, cumulative))
            latency.add_metric(labels, buckets, observed.total)
        yield latency

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
