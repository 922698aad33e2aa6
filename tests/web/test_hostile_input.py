"""Hostile values at the edge, in every dialect: each answers a clean 4xx in the dialect's own
envelope (never a 500, never a partial write), and quickly."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.app import create_app
from service.config import Settings
from service.dialects.highlevel import messages as hl_messages
from service.dialects.highlevel.settings import HighLevelSettings
from service.dialects.jsonbin import messages as jb_messages
from service.dialects.jsonbin.plans import stored_size, within_limit
from service.store import projects
from tests.dialects.highlevel.conftest import (
    OBJECT,
    RECORDS,
    Location,
    create_field,
    create_object,
)

ADMIN = "admin-token-for-hostile-input"
FILES = {"fieldKey": "images", "dataType": "FILE_UPLOAD", "acceptedFormats": ".png,.jpg"}
NUMBER = {"fieldKey": "customer_number", "dataType": "NUMERICAL"}

HOSTILE_BODIES = {
    "nested_10000": b"[" * 10_000 + b"]" * 10_000,
    "nested_300": b'{"a": ' + b"[" * 300 + b"]" * 300 + b"}",
    "integer_5000_digits": b'{"a": ' + b"9" * 5000 + b"}",
    "integer_over_int64": b'{"a": 9223372036854775808}',
    "nan": b'{"a": NaN}',
    "infinity": b'{"a": -Infinity}',
    "float_overflow": b'{"a": 1e400}',
    "invalid_utf8": b'{"a": "\xff\xfe"}',
    "lone_surrogate": b'{"a": "\\ud800"}',
}


@dataclass
class Tenant:
    """One project, seen by every dialect: JSONBin's master key is HighLevel's token."""

    id: str
    key: str

    @property
    def jsonbin(self) -> dict[str, str]:
        return {"X-Master-Key": self.key, "Content-Type": "application/json"}

    @property
    def highlevel(self) -> dict[str, str]:
        return self.location.headers

    @property
    def location(self) -> Location:
        return Location(self.id, self.key)


@pytest.fixture
async def client(aiohttp_client, database):
    settings = Settings(
        admin_token=ADMIN,
        quota_free_requests=10_000,
        sections=(HighLevelSettings(burst=10_000),),
    )
    return await aiohttp_client(create_app(settings, database=database))


@pytest.fixture
async def tenant(database) -> Tenant:
    project, keys = await projects.create_project(database, name="hostile")
    return Tenant(project.id, keys["masterKey"])


async def _json(client, method: str, path: str, body: Any, headers: dict[str, str]) -> Any:
    response = await client.request(method, path, json=body, headers=headers)
    assert response.status in (200, 201), await response.text()
    return await response.json()


async def _raw_request(client, request: bytes) -> tuple[int, Any]:
    """Send bytes as they are (aiohttp's client would refuse non-UTF-8 header values)."""
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(request)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


async def _jsonbin_routes(client, tenant: Tenant) -> list[tuple[str, str, dict[str, str]]]:
    bin_id = (await _json(client, "POST", "/v3/b", {"a": 1}, tenant.jsonbin))["metadata"]["id"]
    named = {**tenant.jsonbin, "X-Schema-Doc-Name": "s", "X-Key-Name": "k"}
    schema = await _json(client, "POST", "/v3/s", {"type": "object"}, named)
    return [
        ("POST", "/v3/b", tenant.jsonbin),
        ("PUT", f"/v3/b/{bin_id}", tenant.jsonbin),
        ("POST", "/v3/s", named),
        ("PUT", f"/v3/s/{schema['metadata']['id']}", named),
        ("POST", "/v3/a", named),
    ]


async def test_hostile_bodies_answer_jsonbins_400_on_every_route_that_reads_one(client, tenant):
    for method, path, headers in await _jsonbin_routes(client, tenant):
        for name, raw in HOSTILE_BODIES.items():
            response = await client.request(method, path, data=raw, headers=headers)
            assert response.status == 400, (method, path, name, await response.text())
            assert await response.json() == {"message": jb_messages.INVALID_JSON}


async def test_hostile_bodies_answer_highlevels_400_on_every_route_that_reads_one(client, tenant):
    await create_object(client, tenant.location)
    field = await create_field(client, tenant.location, NUMBER)
    body = {"locationId": tenant.id, "properties": {}}
    record = (await _json(client, "POST", RECORDS, body, tenant.highlevel))["record"]
    routes = [
        ("POST", "/objects/"),
        ("PUT", f"/objects/{OBJECT}"),
        ("POST", "/custom-fields/"),
        ("PUT", f"/custom-fields/{field['id']}"),
        ("POST", RECORDS),
        ("PUT", f"{RECORDS}/{record['id']}"),
        ("POST", f"{RECORDS}/search"),
    ]
    headers = {**tenant.highlevel, "Content-Type": "application/json"}
    for method, path in routes:
        for name, raw in HOSTILE_BODIES.items():
            response = await client.request(
                method, path, params={"locationId": tenant.id}, data=raw, headers=headers
            )
            assert response.status == 400, (method, path, name, await response.text())
            answer = await response.json()
            assert answer["statusCode"] == 400 and answer["error"] == "Bad Request"
            assert "not valid JSON" in answer["message"] and answer["traceId"]


async def test_hostile_bodies_answer_the_admin_apis_400(client, tenant):
    headers = {"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"}
    paths = [
        ("POST", "/admin/projects"),
        ("PATCH", f"/admin/projects/{tenant.id}"),
        ("POST", f"/admin/projects/{tenant.id}/users"),
        ("POST", f"/admin/projects/{tenant.id}/keys/rotate"),
    ]
    for method, path in paths:
        for name, raw in HOSTILE_BODIES.items():
            response = await client.request(method, path, data=raw, headers=headers)
            assert response.status == 400, (method, path, name, await response.text())
            assert (await response.json())["error"]["code"] == "json"


def _request(method: str, path: str, headers: list[bytes]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1".encode(), b"Host: test", b"Connection: close"]
    return b"\r\n".join([*lines, *headers, b"Content-Length: 2", b"", b"{}"])


@pytest.mark.parametrize("key", [b"\xc3\xa9\xc3\xa9", b"\xff\xfe"], ids=["utf8", "not_utf8"])
async def test_non_ascii_key_headers_are_unknown_keys_in_every_dialect(client, tenant, key):
    jsonbin = [b"Content-Type: application/json"]
    cases = [
        ("POST", "/v3/b", [*jsonbin, b"X-Master-Key: " + key], jb_messages.MASTER_KEY_INVALID),
        ("POST", "/v3/b", [*jsonbin, b"X-Access-Key: " + key], jb_messages.ACCESS_KEY_INVALID),
        ("GET", "/objects/", [b"Version: v", b"Authorization: Bearer " + key], "highlevel"),
        ("GET", f"/admin/projects/{tenant.id}", [b"Authorization: Bearer " + key], "admin"),
    ]
    for method, path, headers, expected in cases:
        status, answer = await _raw_request(client, _request(method, path, headers))
        assert status == 401, (path, headers, answer)
        if expected == "highlevel":
            assert answer["message"] == hl_messages.INVALID_TOKEN
        elif expected == "admin":
            assert answer["error"]["code"] == "unauthorized"
        else:
            assert answer == {"message": expected}


@pytest.mark.parametrize(
    "version",
    ["9" * 5000, str(2**63), "%D9%A1", "%C2%B2", "0"],
    ids=["5000_digits", "int64_max_plus_1", "arabic_indic_one", "superscript_two", "zero"],
)
async def test_a_version_that_no_bin_can_have_is_jsonbins_400(client, tenant, version):
    bin_id = (await _json(client, "POST", "/v3/b", {"a": 1}, tenant.jsonbin))["metadata"]["id"]
    response = await client.get(f"/v3/b/{bin_id}/{version}", headers=tenant.jsonbin)
    assert response.status == 400
    assert await response.json() == {"message": jb_messages.BAD_VERSION}


async def _bin_in_schema_collection(client, tenant: Tenant, schema: Any, record: Any):
    named = {**tenant.jsonbin, "X-Schema-Doc-Name": "s", "X-Collection-Name": "c"}
    schema_id = (await _json(client, "POST", "/v3/s", schema, named))["metadata"]["id"]
    collection_id = (await _json(client, "POST", "/v3/c", None, named))["record"]
    attach = {**tenant.jsonbin, "X-Schema-Doc-Id": schema_id}
    await _json(client, "PUT", f"/v3/c/{collection_id}/schemadoc/add", None, attach)
    in_collection = {**tenant.jsonbin, "X-Collection-Id": collection_id}
    return await client.post("/v3/b", json=record, headers=in_collection)


async def test_a_schema_whose_ref_chain_never_ends_refuses_writes_with_a_400(client, tenant):
    endless = {"definitions": {"a": {"$ref": "#/definitions/a"}}, "$ref": "#/definitions/a"}
    response = await _bin_in_schema_collection(client, tenant, endless, {"a": 1})
    assert response.status == 400
    assert (await response.json())["message"].startswith("Invalid Schema Doc provided")


async def test_a_record_at_the_depth_limit_validates_under_a_recursive_schema(client, tenant):
    record: Any = 1
    for _ in range(64):
        record = {"a": record}
    recursive = {"type": "object", "properties": {"a": {"$ref": "#"}}}
    response = await _bin_in_schema_collection(client, tenant, recursive, record)
    assert response.status == 400  # the innermost value, 1, is not an object
    assert (await response.json())["message"].startswith("Schema Doc Validation Mismatch")


async def test_a_schema_ref_with_a_5000_digit_index_is_refused(client, tenant):
    schema = {"items": [{}], "$ref": "#/items/" + "9" * 5000}
    headers = {**tenant.jsonbin, "X-Schema-Doc-Name": "s"}
    response = await client.post("/v3/s", json=schema, headers=headers)
    assert response.status == 400
    assert (await response.json())["message"].startswith("Invalid Schema Doc provided")


async def _bin_read(client, tenant: Tenant, record: Any, json_path: str):
    bin_id = (await _json(client, "POST", "/v3/b", record, tenant.jsonbin))["metadata"]["id"]
    headers = {**tenant.jsonbin, "X-JSON-Path": json_path, "X-Bin-Meta": "false"}
    return await client.get(f"/v3/b/{bin_id}", headers=headers)


async def test_a_catastrophic_regex_in_a_json_path_answers_at_once(client, tenant):
    """`(a+)+$` against 30 a's and a "!": Python's `re` backtracks about 2**30 times (some
    three minutes here, with the event loop blocked), RE2 reads the text once."""
    record = {"items": [{"n": "a" * 30 + "!"}, {"n": "aaa"}]}
    for path in ["$.items[?(@.n =~ '(a+)+$')].n", "$.items[*].n.`sub(/(a+)+$/, b)`"]:
        response = await _bin_read(client, tenant, record, path)
        assert response.status == 200, await response.text()
        assert await response.json() in (["aaa"], ["b"])


async def test_a_json_path_regex_still_filters(client, tenant):
    record = {"items": [{"n": "apple"}, {"n": "berry"}, {"n": "avocado"}]}
    response = await _bin_read(client, tenant, record, "$.items[?(@.n =~ '^a')].n")
    assert await response.json() == ["apple", "avocado"]


@pytest.mark.parametrize("pattern", ["(a)\\\\1", "(?<=a)b", "(?!a)", "a{2000}"])
async def test_a_regex_re2_refuses_is_jsonbins_bad_json_path(client, tenant, pattern):
    response = await _bin_read(client, tenant, {"n": ["ab"]}, f"$.n[?(@ =~ '{pattern}')]")
    assert response.status == 400
    assert await response.json() == {"message": jb_messages.INVALID_JSON_PATH}


async def test_floats_that_grow_when_stored_count_at_their_stored_size(client, database):
    """40,000 x `1e15`: 200 KB sent, 760 KB stored; over the Free plan's 500 KB."""
    _, keys = await projects.create_project(database, name="free", plan="free")
    headers = {"X-Master-Key": keys["masterKey"], "Content-Type": "application/json"}
    raw = b"[" + b",".join([b"1e15"] * 40_000) + b"]"
    response = await client.post("/v3/b", data=raw, headers=headers)
    assert response.status == 403
    assert await response.json() == {"message": jb_messages.FREE_CREATE_SIZE}


def _short_float(value: float) -> str:
    """The shortest JSON text of a float, exponent forms included ("1e15")."""
    texts = [json.dumps(value)]
    for digits in range(17):
        mantissa, exponent = f"{value:.{digits}e}".split("e")
        if float(f"{mantissa}e{exponent}") == value:
            texts.append(f"{mantissa}e{int(exponent)}")
            break
    return min(texts, key=len)


def _terse(value: Any) -> str:
    """Compact JSON with every float as short as JSON allows: the body that grows most."""
    if isinstance(value, float):
        return _short_float(value)
    if isinstance(value, list):
        return "[" + ",".join(map(_terse, value)) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{_terse(v)}" for k, v in value.items()) + "}"
    return json.dumps(value, ensure_ascii=False)


_FLOATS = st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from(
    [1e15, -1e15, 9e15, 1e9, 1.5e15, 1e16, 1e-7, 123e14]
)
_RECORDS = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | _FLOATS | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=20,
)


@given(_RECORDS, st.integers(min_value=0, max_value=10_000))
def test_the_size_shortcut_never_accepts_a_record_stored_over_the_limit(record, slack):
    raw_size, size = len(_terse(record).encode()), stored_size(record)
    assert not within_limit(record, raw_size, size - 1)
    assert within_limit(record, raw_size, size + slack)


def test_stored_size_counts_a_lone_surrogate_instead_of_failing():
    assert stored_size(["\ud800"]) == len('[""]') + 3


async def test_a_file_item_whose_url_is_not_text_is_highlevels_422(client, tenant):
    await create_object(client, tenant.location)
    await create_field(client, tenant.location, FILES)
    problem = hl_messages.MUST_BE_FILE.format(name="properties.images")
    headers = tenant.highlevel
    for url in [5, None, ["http://x/a.png"], {"u": 1}]:
        body = {"locationId": tenant.id, "properties": {"images": [{"url": url}]}}
        created = await client.post(RECORDS, json=body, headers=headers)
        assert created.status == 422, await created.text()
        assert problem in (await created.json())["message"]
    record = await _json(
        client, "POST", RECORDS, {"locationId": tenant.id, "properties": {}}, headers
    )
    edit = {"properties": {"images": {"add": [{"url": 5}]}}}
    updated = await client.put(
        f"{RECORDS}/{record['record']['id']}",
        params={"locationId": tenant.id},
        json=edit,
        headers=headers,
    )
    assert updated.status == 422, await updated.text()
    assert problem in (await updated.json())["message"]


@pytest.mark.parametrize("moment", ["\u00b2", "\u0661", "9" * 5000, "1e3", 10**15, -1])
async def test_a_search_cursor_that_is_not_a_timestamp_is_highlevels_422(client, tenant, moment):
    await create_object(client, tenant.location)
    body = {"locationId": tenant.id, "searchAfter": [moment, "0" * 24]}
    response = await client.post(f"{RECORDS}/search", json=body, headers=tenant.highlevel)
    assert response.status == 422, await response.text()
    assert (await response.json())["message"] == [hl_messages.SEARCH_AFTER]


async def test_a_numeric_search_takes_ascii_numbers_only(client, tenant):
    await create_object(client, tenant.location)
    await create_field(client, tenant.location, NUMBER)
    searchable = {"locationId": tenant.id, "searchableProperties": ["customer_number"]}
    await _json(client, "PUT", f"/objects/{OBJECT}", searchable, tenant.highlevel)
    body = {"locationId": tenant.id, "properties": {"customer_number": 1}}
    await _json(client, "POST", RECORDS, body, tenant.highlevel)
    totals = {}
    for text in ["1", "1.0", "\u0661", "1_0", "nan", "inf", "9" * 400]:
        search = {"locationId": tenant.id, "query": f"customer_number:{text}"}
        found = await _json(client, "POST", f"{RECORDS}/search", search, tenant.highlevel)
        totals[text[:5]] = found["total"]
    assert totals == {"1": 1, "1.0": 1, "\u0661": 0, "1_0": 0, "nan": 0, "inf": 0, "99999": 0}


async def test_a_search_query_over_the_databases_regex_cap_is_highlevels_422(client, tenant):
    await create_object(client, tenant.location)
    for text in ["a" * 10_000, "." * 501]:
        body = {"locationId": tenant.id, "query": text}
        response = await client.post(f"{RECORDS}/search", json=body, headers=tenant.highlevel)
        assert response.status == 422, await response.text()
        assert (await response.json())["message"][0].startswith("query ")
    body = {"locationId": tenant.id, "query": "." * 500}  # 1000 characters escaped
    found = await _json(client, "POST", f"{RECORDS}/search", body, tenant.highlevel)
    assert found == {"records": [], "total": 0}
