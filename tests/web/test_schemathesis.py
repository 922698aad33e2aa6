"""Schemathesis against the live service: no 5xx, and no answer that contradicts the spec."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from aiohttp import web

from service.app import create_app
from service.config import Settings
from service.store.client import connect

ADMIN_TOKEN = "admin-token-for-schemathesis"
MAX_EXAMPLES = 20  # per operation and generation mode; the whole test stays near 20 s
SEED = 20260601  # a fixed seed: every CI run sends the same cases
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
            mongodb_uri=self.db_uri, mongodb_db=self.database, admin_token=ADMIN_TOKEN
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
            connection.close()


@dataclass(frozen=True)
class Provisioned:
    """A project with one of each JSONBin resource, so generated calls reach real records.

    `for_delete` differs in the bin id: DELETE calls get a bin of their own, so a deletion
    does not leave the other operations on a 404.
    """

    project_id: str
    master_key: str
    examples: dict[str, str]
    for_delete: dict[str, str]


def _provision(base_url: str) -> Provisioned:
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    project = requests.post(
        f"{base_url}/admin/projects", json={"name": "schemathesis"}, headers=admin, timeout=10
    )
    project.raise_for_status()
    master = {"X-Master-Key": project.json()["masterKey"]}

    def call(method: str, path: str, body: Any = None, **headers: str) -> dict[str, Any]:
        answer = requests.request(
            method, f"{base_url}{path}", json=body, headers={**master, **headers}, timeout=10
        )
        answer.raise_for_status()
        return answer.json()

    collection = call("POST", "/v3/c", **{"X-Collection-Name": "things"})["record"]
    schema_doc = call("POST", "/v3/s", {"type": "object"}, **{"X-Schema-Doc-Name": "any"})
    record = call("POST", "/v3/b", {"n": 1}, **{"X-Collection-Id": collection})["metadata"]
    call("PUT", f"/v3/b/{record['id']}", {"n": 2}, **{"X-Bin-Versioning": "true"})
    doomed = call("POST", "/v3/b", {"n": 1})["metadata"]["id"]
    key = call("POST", "/v3/a", {"bins": {"read": True}}, **{"X-Key-Name": "reader"})
    examples = {
        "id": record["id"],
        "version": "1",
        "cid": collection,
        "last": record["id"],
        "sid": schema_doc["metadata"]["id"],
        "key_id": key["accessKeyId"],
        "X-Collection-Id": collection,
        "X-Schema-Doc-Id": schema_doc["metadata"]["id"],
    }
    return Provisioned(
        project_id=project.json()["id"],
        master_key=master["X-Master-Key"],
        examples=examples,
        for_delete={**examples, "id": doomed},
    )


def _with_examples(spec: dict[str, Any], provisioned: Provisioned) -> dict[str, Any]:
    """Offer real ids as examples: JSONBin's ids, and the project id as any `locationId`.

    Admin project ids get none on purpose: a generated PATCH, DELETE or key rotation of the
    test's own project would lock every later call out.
    """
    for path, item in spec["paths"].items():
        if path.startswith("/admin/"):
            continue
        for method, operation in item.items():
            chosen = provisioned.for_delete if method == "delete" else provisioned.examples
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "locationId":
                    parameter["example"] = provisioned.project_id
                elif path.startswith("/v3/") and parameter["name"] in chosen:
                    parameter["example"] = chosen[parameter["name"]]
    for schema in spec.get("components", {}).get("schemas", {}).values():
        location = schema.get("properties", {}).get("locationId")
        if isinstance(location, dict):
            location["example"] = provisioned.project_id
    return spec


def _config(provisioned: Provisioned) -> str:
    """schemathesis.toml: dialects get the master key (as a header and as a bearer token);
    the admin API gets the admin token."""
    dialect_headers = {
        "X-Master-Key": provisioned.master_key,
        "Authorization": f"Bearer {provisioned.master_key}",
    }
    admin_headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    return "\n".join(
        [
            f"headers = {_toml_table(dialect_headers)}",
            "[[operations]]",
            'include-path-regex = "^/admin/"',
            f"headers = {_toml_table(admin_headers)}",
        ]
    )


def _toml_table(values: dict[str, str]) -> str:
    # JSON string syntax is valid TOML for these plain ASCII values.
    return "{" + ", ".join(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in values.items()) + "}"


@pytest.fixture
def live(db_uri: str) -> Iterator[LiveServer]:
    server = LiveServer(db_uri)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_live_api_answers_as_its_spec_says(live: LiveServer, tmp_path) -> None:
    provisioned = _provision(live.base_url)
    spec = requests.get(f"{live.base_url}/openapi.json", timeout=10).json()
    spec_file = tmp_path / "openapi.json"
    spec_file.write_text(json.dumps(_with_examples(spec, provisioned)))
    config_file = tmp_path / "schemathesis.toml"
    config_file.write_text(_config(provisioned))
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
    ]
    run = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=240, check=False
    )

    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-5_000:]
    tested = next(line for line in run.stdout.splitlines() if "Tested:" in line)
    assert tested.split(":")[1].strip() == str(len(_operations(spec))), run.stdout[-5_000:]


def _operations(spec: dict[str, Any]) -> list[tuple[str, str]]:
    return [(method, path) for path, item in spec["paths"].items() for method in item]
