"""Schemathesis against the live service, on provisioned data: no 5xx, and no answer that
contradicts the spec. `make fuzz` raises the examples (RECORDHUB_FUZZ_EXAMPLES)."""

from __future__ import annotations

import asyncio
import collections
import json
import re
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
import requests
from aiohttp import web

from service.app import create_app
from service.config import Settings
from service.dialects.highlevel.settings import HighLevelSettings
from service.store.client import connect
from tests.web.provision import Seeded, Value, fuzz_examples, operations, provision, summarize

ADMIN_TOKEN = "admin-token-for-schemathesis"
MAX_EXAMPLES = fuzz_examples(20)  # per operation and generation mode: about 40 s in all
SEED = 20260601  # a fixed seed: every CI run sends the same cases
PROBABILITY = 0.9  # how often a bound parameter takes a provisioned value
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)


class LiveServer:
    """create_app on a loopback port, in its own thread and event loop, on a fresh database."""

    def __init__(self, db_uri: str) -> None:
        self.db_uri = db_uri
        self.database = f"t_{uuid.uuid4().hex[:16]}"
        self.base_url = ""
        self._ready = threading.Event()
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(),), daemon=True)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(30) or self._error is not None:
            raise RuntimeError(f"the live server did not start: {self._error!r}")

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    async def _serve(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        settings = Settings(
            mongodb_uri=self.db_uri,
            mongodb_db=self.database,
            admin_token=ADMIN_TOKEN,
            ready_timeout_seconds=30,  # a busy machine's slow ping is not a 5xx to find
            # The run sends thousands of HighLevel calls: no 429 may hide what they reach.
            sections=(HighLevelSettings(burst=10**9, daily_limit=10**12),),
        )
        runner = web.AppRunner(create_app(settings))
        try:
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            host, port = runner.addresses[0][:2]
            self.base_url = f"http://{host}:{port}"
        except BaseException as exc:
            self._error = exc
            raise
        finally:
            self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await runner.cleanup()
            connection = connect(self.db_uri, self.database)
            await connection.client.drop_database(self.database)
            await connection.close()


def _with_examples(spec: dict[str, Any], seeded: dict[str, Seeded]) -> dict[str, Any]:
    """The spec copy the run uses: bound parameters and body members take the real values
    (negative cases still send others), and bodies are narrowed to the provisioned data."""
    for method, path, tag in operations(spec):
        operation = spec["paths"][path][method.lower()]
        values = seeded[tag].values(method, path)
        for parameter in operation.get("parameters", []):
            found = values.get(f"{parameter['in']}.{parameter['name']}")
            if found:
                parameter["example"] = found[0]
                parameter["schema"] = {"enum": list(found)}
        for content in operation.get("requestBody", {}).get("content", {}).values():
            for name, found in values.items():
                if name.startswith("body."):
                    _bind(content["schema"], name.removeprefix("body."), found)
    for seed in seeded.values():
        if seed.patch is not None:
            seed.patch(spec)
    return spec


def _bind(schema: dict[str, Any], member: str, values: tuple[Value, ...]) -> None:
    if member in schema.get("properties", {}):
        schema["properties"][member] = {"enum": list(values)}
    for variant in schema.get("oneOf", []) + schema.get("anyOf", []):
        _bind(variant, member, values)


def _config(spec: dict[str, Any], seeded: dict[str, Seeded]) -> str:
    """schemathesis.toml: per operation, its dialect's credentials and a dictionary of real
    values per parameter, drawn most of the time (the rest stays generated)."""
    dictionaries: dict[str, tuple[Value, ...]] = {}
    sections = []
    for method, path, tag in operations(spec):
        seed = seeded[tag]
        operation = spec["paths"][path][method.lower()]
        known = {f"{p['in']}.{p['name']}" for p in operation.get("parameters", [])}
        bindings = {}
        for name, values in seed.values(method, path).items():
            if name in known:
                label = f"d{len(dictionaries)}"
                dictionaries[label] = values
                # A delete always hits a spare: its real ids are not drawn from the pool.
                chance = 1.0 if method == "DELETE" else PROBABILITY
                bindings[name] = {"dictionary": label, "probability": chance}
        lines = [
            "[[operations]]",
            # One filter: schemathesis joins include-path and include-method with "or".
            f"include-operation-id = {json.dumps(operation['operationId'])}",
            f"headers = {_toml(dict(seed.headers))}",
        ]
        if bindings:
            lines.append(f"parameters = {_toml(bindings)}")
        sections.append("\n".join(lines))
    heads = [
        f"[dictionaries.{label}]\nvalues = {json.dumps(list(values))}"
        for label, values in dictionaries.items()
    ]
    return "\n\n".join([*heads, *sections]) + "\n"


def _toml(values: dict[str, Any]) -> str:
    # JSON strings and numbers are valid TOML; inline tables are written out by hand.
    items = (
        f"{json.dumps(key)} = {_toml(value) if isinstance(value, dict) else json.dumps(value)}"
        for key, value in values.items()
    )
    return "{" + ", ".join(items) + "}"


@pytest.fixture
def live(db_uri: str) -> Iterator[LiveServer]:
    server = LiveServer(db_uri)
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def _provision(base_url: str) -> dict[str, Seeded]:
    async with aiohttp.ClientSession(base_url=base_url) as session:
        return (await provision(session, ADMIN_TOKEN))[1]


def test_live_api_answers_as_its_spec_says(live: LiveServer, tmp_path) -> None:
    seeded = asyncio.run(_provision(live.base_url))
    spec = requests.get(f"{live.base_url}/openapi.json", timeout=10).json()
    missing = {tag for _, _, tag in operations(spec)} - set(seeded)
    assert not missing, f"no provisioner in tests/web/provision.py for {missing}"
    spec_file = tmp_path / "openapi.json"
    spec_file.write_text(json.dumps(_with_examples(spec, seeded)))
    config_file = tmp_path / "schemathesis.toml"
    config_file.write_text(_config(spec, seeded))
    har = tmp_path / "run.har"
    # The CLI rather than the pytest plugin: the plugin's fixture loader reads pytest's
    # private `Function._nodeid`, which pytest 9 no longer has. One worker: the coverage
    # phase parses lambdas with `ast` and that breaks across threads on Python 3.11.
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        f"--config-file={config_file}",
        "run",
        str(spec_file),
        f"--url={live.base_url}",
        f"--checks={','.join(CHECKS)}",
        "--phases=examples,coverage,fuzzing",
        f"--max-examples={MAX_EXAMPLES}",
        f"--seed={SEED}",
        "--workers=1",
        "--generation-database=none",
        "--no-color",
        "--report=har",
        f"--report-har-path={har}",
    ]
    run = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=1800, check=False
    )

    cases, errors, reached = _tally(json.loads(har.read_text()), spec)
    summarize("schemathesis", cases, errors)
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-5_000:]
    assert sum(errors.values()) == 0
    tested = next(line for line in run.stdout.splitlines() if "Tested:" in line)
    assert tested.split(":")[1].strip() == str(len(operations(spec))), run.stdout[-5_000:]
    # The provisioned data works: every operation succeeded at least once.
    assert {(m, p) for m, p, _ in operations(spec)} - reached == set()


def _tally(
    har: dict[str, Any], spec: dict[str, Any]
) -> tuple[dict[str, int], dict[str, int], set[tuple[str, str]]]:
    """Requests and 5xx answers per dialect (tag), each request placed by its path, and
    the operations that answered 2xx at least once."""
    templates = sorted(
        {(path, tag) for _, path, tag in operations(spec)}, key=lambda item: item[0].count("{")
    )
    patterns = [
        (re.compile(re.sub(r"\\{[^}]+\\}", "[^/]*", re.escape(p)) + "$"), p, t)
        for p, t in templates
    ]
    cases: collections.Counter[str] = collections.Counter()
    errors: collections.Counter[str] = collections.Counter()
    reached: set[tuple[str, str]] = set()
    for entry in har["log"]["entries"]:
        method, path = entry["request"]["method"], urlsplit(entry["request"]["url"]).path
        found = [(p, t) for pattern, p, t in patterns if pattern.match(path)]
        tag = found[0][1] if found else "unrouted"
        cases[tag] += 1
        status = entry["response"]["status"]
        errors[tag] += status >= 500
        if 200 <= status < 300:
            reached.update((method, p) for p, _ in found if method.lower() in spec["paths"][p])
    return dict(cases), dict(errors), reached
