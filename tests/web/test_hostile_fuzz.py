"""Hostile bodies, headers and queries on every route of every dialect: never a 5xx.

The routes come from the app's OpenAPI document (the router, test_openapi checks), their path
parameters from the provisioned data (tests/web/provision.py), so requests reach real
records. Requests go over a raw socket to the test server: a client library would refuse
to send the header bytes these tests need. `make fuzz` raises RECORDHUB_FUZZ_EXAMPLES.
"""

from __future__ import annotations

import asyncio
import collections
import json
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.app import create_app
from service.config import Settings
from service.dialects.highlevel.settings import HighLevelSettings
from tests.web import hostile
from tests.web.provision import Seeded, fuzz_examples, operations, provision, summarize

ADMIN_TOKEN = "admin-token-for-hostile-fuzzing"
EXAMPLES = fuzz_examples(60)  # per dialect: about 30 s in all on this 2-core machine
TAGS = ("admin", "jsonbin", "highlevel", "rested", "health", "docs")


@pytest.fixture
async def client(aiohttp_client, database):
    app = create_app(
        Settings(
            admin_token=ADMIN_TOKEN,
            # A busy machine may hold the readiness ping past the default second: a 503
            # of /readyz then reports the machine, not a fault of the request.
            ready_timeout_seconds=30,
            sections=(HighLevelSettings(burst=10**9, daily_limit=10**12),),
        ),
        database=database,
    )
    return await aiohttp_client(app)


@pytest.fixture
async def world(client) -> dict[str, Any]:
    """The provisioned data and the spec's operations, grouped by dialect (tag)."""
    _, seeded = await provision(client, ADMIN_TOKEN)
    spec = await (await client.get("/openapi.json")).json()
    by_tag: dict[str, list[tuple[str, str]]] = collections.defaultdict(list)
    members = {}
    for method, path, tag in operations(spec):
        by_tag[tag].append((method, path))
        members[(method, path)] = _members(spec["paths"][path][method.lower()])
    return {"seeded": seeded, "operations": by_tag, "members": members}


def _members(operation: dict[str, Any]) -> list[str]:
    """The member names an operation's JSON body documents (in any of its variants)."""
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    schema = schema.get("schema", {})
    variants = [schema, *schema.get("oneOf", []), *schema.get("anyOf", [])]
    return sorted({name for variant in variants for name in variant.get("properties", {})})


@pytest.fixture(scope="module")
def tally():
    counts: dict[str, collections.Counter[str]] = {"cases": collections.Counter()}
    counts["errors"] = collections.Counter()
    counts["statuses"] = collections.Counter()
    yield counts
    summarize("hostile", counts["cases"], counts["errors"])
    print("hostile: answers by status:", dict(sorted(counts["statuses"].items())))


async def test_every_dialect_of_the_spec_is_fuzzed(world):
    # A new dialect joins by adding a provisioner entry and its tag to TAGS.
    assert set(world["operations"]) == set(TAGS)


async def _send(client, method: str, target: bytes, headers: dict[str, bytes], body: bytes):
    """One HTTP/1.1 request as raw bytes; the status of the answer."""
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    try:
        lines = [method.encode() + b" " + target + b" HTTP/1.1", b"Host: test"]
        lines += [name.encode() + b": " + value for name, value in headers.items()]
        lines += [b"Content-Type: application/json", b"Content-Length: %d" % len(body)]
        lines.append(b"Connection: close")
        writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        await writer.drain()
        status_line = await reader.readline()
        await reader.read()
        return int(status_line.split()[1])
    finally:
        writer.close()


def _target(path: str, seed: Seeded, method: str, draw) -> bytes:
    """The path with its parameters filled: a provisioned value, or a hostile segment."""
    values = seed.values(method, path)
    target = path
    for name in [part[1:-1] for part in path.split("/") if part.startswith("{")]:
        real = values.get(f"path.{name}", ("x",))
        hostile_segment = st.one_of(
            hostile.huge_integers().map(bytes.decode),
            st.text(max_size=20).map(lambda s: quote(s, safe="")),
            st.sampled_from(["%FF", "%C0%AF", "%ED%A0%80", "\u00b2", "%00", "..", "%2F"]),
        )
        chosen = draw(st.one_of(st.sampled_from(real).map(str), hostile_segment))
        target = target.replace("{" + name + "}", chosen)
    location = values.get("query.locationId")
    if location:
        query = draw(st.one_of(st.just(str(location[0]).encode()), hostile.query_values()))
        return (target + "?locationId=").encode() + query
    return target.encode()


@pytest.mark.parametrize("tag", TAGS)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=st.data())
async def test_hostile_requests_never_answer_5xx(client, world, tally, tag: str, data):
    seed: Seeded = world["seeded"][tag]
    method, path = data.draw(st.sampled_from(world["operations"][tag]), label="route")
    target = _target(path, seed, method, data.draw)
    headers = {name: value.encode() for name, value in seed.headers.items()}
    headers |= data.draw(hostile.hostile_headers(), label="headers")
    values = seed.values(method, path)
    base = {
        name.removeprefix("body."): json.dumps(found[0]).encode()
        for name, found in values.items()
        if name.startswith("body.")
    }
    bodies = hostile.bodies(world["members"][(method, path)], base)
    body = data.draw(bodies, label="body") if method != "GET" else b""

    status = await _send(client, method, target, headers, body)

    tally["cases"][tag] += 1
    tally["errors"][tag] += status >= 500
    tally["statuses"][f"{tag} {status}"] += 1
    assert status < 500, (
        method,
        target[:300],
        {k: v[:100] for k, v in headers.items()},
        body[:300],
    )
