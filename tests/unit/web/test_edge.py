"""The shared HTTP edge without a real database: body limits, error envelopes, request ids."""

import asyncio
import io
import json
import logging

import pytest
from aiohttp import web
from mongomock_motor import AsyncMongoMockClient

from service import logs
from service.app import create_app
from service.config import Settings
from service.errors import Conflict, Invalid, NotFound, Unavailable
from service.web.body import read_body, read_json
from service.web.dialect import Dialect

LIMIT = 2048


class BadThing(Invalid):
    """A condition of the stand-in dialect's own: its class names its code."""

    code = "bad"


class EdgeDialect(Dialect):
    """A stand-in dialect whose handlers exercise the edge."""

    name = "edge"
    prefixes = ("/edge",)

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/edge/echo", self.echo),
            web.post("/edge/json", self.parse),
            web.get("/edge/raise/{kind}", self.fail),
        ]

    async def echo(self, request: web.Request) -> web.Response:
        return web.json_response({"size": len(await read_body(request, LIMIT))})

    async def parse(self, request: web.Request) -> web.Response:
        return web.json_response({"value": await read_json(request, LIMIT)})

    async def fail(self, request: web.Request) -> web.Response:
        kind = request.match_info["kind"]
        errors = {
            "invalid": BadThing("bad thing", details={"field": ["wrong"]}),
            "missing": NotFound("no such thing"),
            "conflict": Conflict("lost the race"),
            "down": Unavailable("database unavailable"),
        }
        if kind in errors:
            raise errors[kind]
        raise RuntimeError("secret internal detail")


@pytest.fixture
async def client(aiohttp_client):
    database = AsyncMongoMockClient()["edge"]
    app = create_app(Settings(max_body_bytes=LIMIT), database=database, dialects=[EdgeDialect()])
    return await aiohttp_client(app)


async def test_body_under_limit_is_read(client):
    response = await client.post("/edge/echo", data=b"x" * LIMIT)
    assert response.status == 200
    assert await response.json() == {"size": LIMIT}


async def test_declared_oversize_body_is_refused_with_413(client):
    response = await client.post("/edge/echo", data=b"x" * (LIMIT + 1))
    assert response.status == 413
    body = await response.json()
    assert body["error"]["code"] == "body_size"


async def test_chunked_oversize_body_is_cut_off_with_413(client):
    async def chunks():
        for _ in range(10):
            yield b"y" * 1000

    response = await client.post("/edge/echo", data=chunks())
    assert response.status == 413


async def test_invalid_json_gets_clear_400(client):
    response = await client.post("/edge/json", data=b'{"a": ')
    assert response.status == 400
    body = await response.json()
    assert body["error"]["code"] == "json"
    assert "not valid JSON" in body["error"]["message"]


async def test_empty_json_body_gets_400(client):
    response = await client.post("/edge/json", data=b"  ")
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "empty"


async def test_valid_json_is_parsed(client):
    response = await client.post("/edge/json", data=json.dumps([1, {"a": None}]))
    assert await response.json() == {"value": [1, {"a": None}]}


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("invalid", 400, "bad"),
        ("missing", 404, "not_found"),
        ("conflict", 409, "conflict"),
        ("down", 503, "unavailable"),
    ],
)
async def test_domain_errors_render_in_default_envelope(client, kind, status, code):
    response = await client.get(f"/edge/raise/{kind}")
    assert response.status == status
    body = await response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code


async def test_invalid_error_carries_details(client):
    body = await (await client.get("/edge/raise/invalid")).json()
    assert body["error"]["details"] == {"field": ["wrong"]}


async def test_unexpected_exception_is_generic_500_logged_once(client, caplog):
    response = await client.get("/edge/raise/boom", headers={"X-Request-ID": "req-123"})
    assert response.status == 500
    body = await response.json()
    assert body["error"]["message"] == "Internal server error"
    assert "secret internal detail" not in json.dumps(body)
    records = [r for r in caplog.records if r.getMessage() == "unexpected error"]
    assert len(records) == 1
    assert records[0].request_id == "req-123"


async def test_request_id_is_echoed_or_generated(client):
    given = await client.get("/livez", headers={"X-Request-ID": "abc-1"})
    assert given.headers["X-Request-ID"] == "abc-1"
    generated = await client.get("/livez", headers={"X-Request-ID": "bad id with spaces"})
    assert generated.headers["X-Request-ID"] != "bad id with spaces"
    assert len(generated.headers["X-Request-ID"]) == 32


async def test_unknown_route_is_404_in_envelope(client):
    response = await client.get("/nowhere")
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "route_not_found"


async def test_admin_api_is_404_without_admin_token(client):
    response = await client.post("/admin/projects", json={"name": "x"})
    assert response.status == 404


async def test_livez_does_no_io_and_metrics_use_route_templates(client):
    assert (await client.get("/livez")).status == 200
    await client.get("/edge/raise/missing")
    text = await (await client.get("/metrics")).text()
    assert 'route="/edge/raise/{kind}"' in text
    assert 'recordhub_requests_total{method="GET",route="/livez",status="200"}' in text
    assert "recordhub_request_duration_seconds_bucket" in text
    assert "/edge/raise/missing" not in text


async def test_unusual_methods_share_one_metrics_label(client):
    for method in ("PROPFIND", "PURGE", "MKCOL"):  # methods aiohttp's parser lets through
        assert (await client.request(method, "/livez")).status == 405
    text = await (await client.get("/metrics")).text()
    assert 'recordhub_requests_total{method="other",route="unmatched",status="405"} 3.0' in text
    assert "PROPFIND" not in text and "MKCOL" not in text


def test_latency_buckets_count_observations_at_or_under_their_bound():
    from service.web.metrics import Metrics

    metrics = Metrics()
    for seconds in (0.0005, 0.001, 0.002, 20.0):
        metrics.observe("/r", "GET", 200, seconds)
    text = metrics.render().body.decode()
    assert 'duration_seconds_bucket{le="0.001",method="GET",route="/r"} 2.0' in text
    assert 'duration_seconds_bucket{le="0.0025",method="GET",route="/r"} 3.0' in text
    assert 'duration_seconds_bucket{le="10.0",method="GET",route="/r"} 3.0' in text
    assert 'duration_seconds_bucket{le="+Inf",method="GET",route="/r"} 4.0' in text
    assert 'duration_seconds_count{method="GET",route="/r"} 4.0' in text
    assert 'duration_seconds_sum{method="GET",route="/r"} 20.0035' in text


@pytest.fixture
def json_stdout(monkeypatch):
    """stdout captured, with the service's JSON logging configured on it (restored after)."""
    stream = io.StringIO()
    monkeypatch.setattr("sys.stdout", stream)
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    logs.configure("INFO")
    yield stream
    root.handlers[:], level = saved
    root.setLevel(level)


async def test_every_request_writes_one_json_access_line(client, json_stdout):
    stream = json_stdout
    await client.get("/edge/raise/missing", headers={"X-Request-ID": "req-1"})
    await client.post('/nowhere/"quoted"')
    assert stream.getvalue() == ""  # gathered, written together within FLUSH_SECONDS
    logging.getLogger("service.test").warning("after the requests")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["logger"] for line in lines] == ["service.access"] * 2 + ["service.test"]
    access = lines[:2]
    first, second = access
    assert set(first) == {
        "ts", "level", "logger", "msg", "request_id", "method", "path", "route", "status",
        "duration_ms",
    }  # fmt: skip
    assert first["request_id"] == "req-1" and first["status"] == 404
    assert first["route"] == "/edge/raise/{kind}" and first["path"] == "/edge/raise/missing"
    assert first["ts"].endswith("+00:00") and first["level"] == "INFO"
    assert second["path"] == '/nowhere/"quoted"' and second["route"] == "unmatched"
    assert len(second["request_id"]) == 32 and second["method"] == "POST"


async def test_access_lines_are_written_within_the_flush_interval(client, json_stdout, monkeypatch):
    monkeypatch.setattr(logs, "FLUSH_SECONDS", 0.05)
    await client.get("/edge/raise/missing")
    assert json_stdout.getvalue() == ""
    await asyncio.sleep(0.2)
    assert json.loads(json_stdout.getvalue())["route"] == "/edge/raise/{kind}"
