"""Real data for fuzzing every route: one provisioner per dialect, keyed by its OpenAPI tag.

A dialect joins the fuzz runs by adding its entry to PROVISIONERS: the credentials its
operations need and real values (ids, keys) for their parameters. Provisioning goes through
the HTTP API only, with any aiohttp client (a live server's session or the test client).
"""

from __future__ import annotations

import os
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientSession
from aiohttp.test_utils import TestClient

from tests.web import highlevel_data as hl

Value = str | int
Http = ClientSession | TestClient


@dataclass(frozen=True)
class Rule:
    """Real values for the parameters of the operations whose path template matches `path`.

    Keys name a parameter as schemathesis does: `path.id`, `query.locationId`, `header.X`,
    `body.locationId`. `methods` empty: every method.
    """

    path: str
    values: Mapping[str, tuple[Value, ...]]
    methods: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Seeded:
    """What one dialect provisioned: its credentials and the real values of its parameters."""

    headers: Mapping[str, str] = field(default_factory=dict)
    rules: tuple[Rule, ...] = ()
    # Narrows the test's copy of the spec to the provisioned data (e.g. an object's fields).
    patch: Callable[[dict[str, Any]], None] | None = None

    def values(self, method: str, path: str) -> dict[str, tuple[Value, ...]]:
        """Later rules win over earlier ones."""
        found: dict[str, tuple[Value, ...]] = {}
        for rule in self.rules:
            if re.fullmatch(rule.path, path) and (not rule.methods or method in rule.methods):
                found.update(rule.values)
        return found


@dataclass(frozen=True)
class Tenant:
    """The fuzz run's project (never patched, deleted or rotated) and the admin token."""

    project_id: str
    master_key: str
    admin_token: str


class Api:
    """JSON calls that must succeed: provisioning stops at the first unexpected answer."""

    def __init__(self, http: Http, headers: Mapping[str, str]) -> None:
        self.http, self.headers = http, dict(headers)

    async def __call__(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        sent = {**self.headers, **(headers or {})}
        async with self.http.request(method, path, json=body, headers=sent) as answer:
            text = await answer.text()
            assert answer.status == status, (method, path, answer.status, text)
            return await answer.json() if text else None


async def provision(http: Http, admin_token: str) -> tuple[Tenant, dict[str, Seeded]]:
    """Create the run's project, then let every dialect's provisioner add its data."""
    admin = Api(http, {"Authorization": f"Bearer {admin_token}"})
    project = await admin("POST", "/admin/projects", {"name": "fuzz"}, status=201)
    tenant = Tenant(project["id"], project["masterKey"], admin_token)
    seeded = {tag: await make(http, tenant) for tag, make in PROVISIONERS.items()}
    return tenant, seeded


async def _nothing(http: Http, tenant: Tenant) -> Seeded:
    return Seeded()


async def _admin(http: Http, tenant: Tenant) -> Seeded:
    """Two sacrificial projects for PATCH, DELETE, users and key rotation."""
    api = Api(http, {"Authorization": f"Bearer {tenant.admin_token}"})
    spare = [
        (await api("POST", "/admin/projects", {"name": f"spare-{n}"}, status=201))["id"]
        for n in range(2)
    ]
    # The dialects' admin routes (rested's endpoints) need real names, in a project of
    # their own that no fuzzed DELETE of a project takes away; later rules win.
    from tests.web.provision_rested import admin_endpoint_rules  # it builds on this module

    return Seeded(
        headers=api.headers,
        rules=(
            Rule(r"/admin/projects/\{id\}", {"path.id": (*spare, tenant.project_id)}, _READS),
            Rule(r"/admin/projects/\{id\}.*", {"path.id": tuple(spare)}, _WRITES),
            *await admin_endpoint_rules(http, tenant),
        ),
    )


_READS = frozenset({"GET"})
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_DELETES = frozenset({"DELETE"})


async def _jsonbin(http: Http, tenant: Tenant) -> Seeded:
    """A collection with a schema doc, versioned bins in it, an access key; spares to delete."""
    api = Api(http, {"X-Master-Key": tenant.master_key})
    collection = (await api("POST", "/v3/c", headers={"X-Collection-Name": "things"}))["record"]
    schema = await api("POST", "/v3/s", {"type": "object"}, headers={"X-Schema-Doc-Name": "any"})
    schema_id = schema["metadata"]["id"]
    bins = []
    for n in range(3):
        made = await api("POST", "/v3/b", {"n": n}, headers={"X-Collection-Id": collection})
        bins.append(made["metadata"]["id"])
        for version in range(2):  # versions 1 and 2 exist
            await api(
                "PUT", f"/v3/b/{bins[-1]}", {"n": version}, headers={"X-Bin-Versioning": "true"}
            )
    doomed = [(await api("POST", "/v3/b", {"n": 0}))["metadata"]["id"] for _ in range(3)]
    pruned = []  # bins whose versions are deleted
    for _ in range(2):
        pruned.append((await api("POST", "/v3/b", {"n": 0}))["metadata"]["id"])
        await api("PUT", f"/v3/b/{pruned[-1]}", {"n": 1}, headers={"X-Bin-Versioning": "true"})
    keys = [
        (await api("POST", "/v3/a", {"bins": {"read": True}}, headers={"X-Key-Name": f"k{n}"}))
        for n in range(3)
    ]
    common = {
        "path.id": tuple(bins),
        "path.version": (1, 2),
        "path.cid": (collection, "uncategorized"),
        "path.last": tuple(bins),
        "path.sid": (schema_id,),
        "path.key_id": (keys[0]["accessKeyId"],),
        "header.X-Collection-Id": (collection,),
        "header.X-Schema-Doc-Id": (schema_id,),
    }
    deletes = {"path.id": tuple(doomed), "path.key_id": tuple(k["accessKeyId"] for k in keys[1:])}
    return Seeded(
        headers=api.headers,
        rules=(
            Rule(r"/v3/.*", common),
            Rule(r"/v3/.*", deletes, _DELETES),
            Rule(r"/v3/b/\{id\}/versions", {"path.id": tuple(pruned)}, _DELETES),
        ),
    )


async def _highlevel(http: Http, tenant: Tenant) -> Seeded:
    """An object with a field of every type, records, and spare records and fields to delete."""
    api = Api(http, {"Authorization": f"Bearer {tenant.master_key}", "Version": "2021-07-28"})
    location = tenant.project_id
    primary = {"key": hl.PRIMARY, "name": "Ticket name", "dataType": "TEXT"}
    labels = {"singular": "Ticket", "plural": "Tickets"}
    body = {"labels": labels, "key": hl.OBJECT, "locationId": location}
    made = await api(
        "POST", "/objects/", {**body, "primaryDisplayPropertyDetails": primary}, status=201
    )
    fields = {}
    for spec in [
        *hl.FIELDS,
        {"fieldKey": "spare_a", "dataType": "TEXT"},
        {"fieldKey": "spare_b", "dataType": "TEXT"},
    ]:
        options = [{"key": key, "label": key.upper()} for key in spec.get("options", ())]
        field_body = {
            **spec,
            "locationId": location,
            "objectKey": hl.OBJECT,
            "name": spec["fieldKey"],
            "showInForms": True,
        }
        if options:
            field_body["options"] = options
        fields[spec["fieldKey"]] = (await api("POST", "/custom-fields/", field_body, status=201))[
            "field"
        ]["id"]
    searchable = {"locationId": location, "searchableProperties": hl.SEARCHABLE}
    await api("PUT", f"/objects/{hl.OBJECT}", searchable)
    records = f"/objects/{hl.OBJECT}/records"
    values = {
        "notes": "seeded",
        "count": 3,
        "kind": "a",
        "areas": ["x"],
        "files": [{"url": "https://files.test/a.png"}],
    }
    kept = [
        (await api("POST", records, {"locationId": location, "properties": values}, status=201))[
            "record"
        ]["id"]
        for _ in range(3)
    ]
    doomed = [
        (await api("POST", records, {"locationId": location}, status=201))["record"]["id"]
        for _ in range(3)
    ]
    keys = (hl.OBJECT, hl.OBJECT.removeprefix("custom_objects."))
    common = {
        "query.locationId": (location,),
        "body.locationId": (location,),
        "body.objectKey": keys,
        "path.key": keys,
        "path.objectKey": keys,
    }
    return Seeded(
        headers=api.headers,
        rules=(
            Rule(r"/(objects|custom-fields).*", common),
            Rule(r"/objects/\{key\}", {"path.key": (*keys, made["object"]["id"])}, _READS),
            Rule(r"/objects/\{key\}/records/\{id\}", {"path.id": tuple(kept)}),
            Rule(r"/objects/\{key\}/records/\{id\}", {"path.id": tuple(doomed)}, _DELETES),
            Rule(r"/custom-fields/\{id\}", {"path.id": tuple(fields.values())}, _READS),
            Rule(r"/custom-fields/\{id\}", {"path.id": (fields["notes"],)}, frozenset({"PUT"})),
            Rule(
                r"/custom-fields/\{id\}",
                {"path.id": (fields["spare_a"], fields["spare_b"])},
                _DELETES,
            ),
        ),
        patch=hl.patch,
    )


async def _rested(http: Http, tenant: Tenant) -> Seeded:
    from tests.web.provision_rested import provision_rested  # it builds on this module

    return await provision_rested(http, tenant)


# OpenAPI tag -> provisioner. Every tag in the spec must have an entry (the fuzz tests check).
PROVISIONERS: dict[str, Callable[[Http, Tenant], Awaitable[Seeded]]] = {
    "health": _nothing,
    "service": _nothing,
    "docs": _nothing,
    "admin": _admin,
    "jsonbin": _jsonbin,
    "highlevel": _highlevel,
    "rested": _rested,
}


def operations(spec: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(METHOD, path template, tag) of every operation in the spec."""
    return [
        (method.upper(), path, operation["tags"][0])
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    ]


def fuzz_examples(default: int) -> int:
    """Examples per operation: RECORDHUB_FUZZ_EXAMPLES raises them for `make fuzz`."""
    return int(os.environ.get("RECORDHUB_FUZZ_EXAMPLES") or default)


def summarize(run: str, cases: Mapping[str, int], errors: Mapping[str, int]) -> str:
    """One line per dialect; also appended to RECORDHUB_FUZZ_SUMMARY when that is set."""
    lines = [f"{run}: {tag}: {cases[tag]} cases, {errors.get(tag, 0)} 5xx" for tag in sorted(cases)]
    lines.append(f"{run}: all: {sum(cases.values())} cases, {sum(errors.values())} 5xx")
    text = "\n".join(lines)
    target = os.environ.get("RECORDHUB_FUZZ_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as summary:
            summary.write(text + "\n")
    print(text)
    return text
