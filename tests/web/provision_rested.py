"""Real data for fuzzing the rested routes (OpenAPI tag `rested`): a project of its own (the
run's tenant shows only its master key, and rested calls carry the API key too), an open, a
secure and an authentication endpoint, records to read and update, spares to delete (an
uploaded file's record among them), and a logged-in user's token.

File records stay out of the reads' pool: `fileOnly=true` on one answers the file's own
content type, where the document promises JSON for every 200 of the call."""

from __future__ import annotations

from urllib.parse import urlencode

import aiohttp

from tests.web.provision import Api, Http, Rule, Seeded, Tenant

ENDPOINTS = {
    "fuzz/open": {},
    "fuzz/secure": {"secure": True, "othersCanRead": True},
    "fuzz/auth": {"authentication": True},
}
_DATA = "/api/1/ce/{endpoint}"


async def provision_rested(http: Http, tenant: Tenant) -> Seeded:
    admin = Api(http, {"Authorization": f"Bearer {tenant.admin_token}"})
    project = await admin("POST", "/admin/projects", {"name": "fuzz-rested"}, status=201)
    for name, flags in ENDPOINTS.items():
        path = f"/admin/projects/{project['id']}/endpoints"
        await admin("POST", path, {"name": name, **flags}, status=201)
    api = Api(http, {})

    def url(endpoint: str, **params: str) -> str:
        return f"/api/1/ce/{endpoint}?{urlencode({'key': project['apiKey'], **params})}"

    user = {"username": "fuzzer", "password": "fuzz-password"}
    await api("POST", url("fuzz/auth"), user)
    async with http.post(url("fuzz/auth", login="true", noATCookie="true"), json=user) as answer:
        assert answer.status == 200, await answer.text()
        token = answer.headers["Authorization"]
    token_headers = {"Authorization": token}
    kept, doomed = [], []
    for endpoint in ("fuzz/open", "fuzz/secure"):
        for n in range(3):
            made = await api("POST", url(endpoint), {"n": n}, headers=token_headers)
            kept.append(made["uniqueId"])
            spare = await api("POST", url(endpoint), {"spare": n}, headers=token_headers)
            doomed.append(spare["uniqueId"])
        upload = aiohttp.FormData()
        upload.add_field("file", b"fuzz", filename="fuzz.txt", content_type="text/plain")
        async with http.post(url(endpoint), data=upload, headers=token_headers) as answer:
            assert answer.status == 200, await answer.text()
            doomed.extend(record["uniqueId"] for record in await answer.json())
    keys = {"query.key": (project["apiKey"],), "query.masterKey": (project["masterKey"],)}
    return Seeded(
        headers=token_headers,
        rules=(
            Rule(
                r"/api/1/ce/\{endpoint\}",
                {**keys, "path.endpoint": tuple(ENDPOINTS), "query.uniqueId": tuple(kept)},
            ),
            Rule(r"/api/1/ce/\{endpoint\}", {"query.uniqueId": tuple(doomed)}, _DELETES),
        ),
    )


_DELETES = frozenset({"DELETE"})
_CHANGES = frozenset({"GET", "PATCH"})
_ADMIN_MEMBER = r"/admin/projects/\{id\}/endpoints/\{name\}"


async def admin_endpoint_rules(http: Http, tenant: Tenant) -> tuple[Rule, ...]:
    """Rules for the admin API's endpoint routes (tag `admin`), for the admin provisioner to
    add after its own: a project of their own with endpoints to read, patch and delete."""
    admin = Api(http, {"Authorization": f"Bearer {tenant.admin_token}"})
    project = await admin("POST", "/admin/projects", {"name": "fuzz-endpoints"}, status=201)
    kept = ("fuzz/kept-a", "fuzz/kept-b")
    doomed = tuple(f"fuzz/doomed-{n}" for n in range(3))
    for name in kept + doomed:
        path = f"/admin/projects/{project['id']}/endpoints"
        await admin("POST", path, {"name": name}, status=201)
    own = {"path.id": (project["id"],)}
    return (
        Rule(r"/admin/projects/\{id\}/endpoints", own),
        Rule(_ADMIN_MEMBER, {**own, "path.name": kept}, _CHANGES),
        Rule(_ADMIN_MEMBER, {**own, "path.name": doomed}, _DELETES),
    )
