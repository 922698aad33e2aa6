"""OpenAPI documentation of the health and metrics routes (see health.py)."""

from __future__ import annotations

from marshmallow import Schema, fields

from service.web.routedoc import ErrorSchema, Reply, RouteDoc


class HealthStatusSchema(Schema):
    status = fields.String(required=True)


def route_docs() -> dict[tuple[str, str], RouteDoc]:
    return {
        ("GET", "/livez"): RouteDoc(
            summary="Liveness: the process answers (no database I/O)",
            responses={200: Reply("Alive", HealthStatusSchema)},
            error=ErrorSchema,
            tags=("health",),
        ),
        ("GET", "/readyz"): RouteDoc(
            summary="Readiness: the database answers a ping and no shutdown has started",
            responses={
                200: Reply("Ready", HealthStatusSchema),
                503: Reply("Shutting down, or the database is unavailable", HealthStatusSchema),
            },
            error=ErrorSchema,
            tags=("health",),
        ),
        ("GET", "/metrics"): RouteDoc(
            summary="Prometheus metrics (text exposition format)",
            responses={200: Reply("The metrics", {"type": "string"}, "text/plain")},
            error=ErrorSchema,
            tags=("health",),
        ),
    }
