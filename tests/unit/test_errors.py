"""The error tree: classes name the conditions, statuses and codes follow the MRO."""

import pytest
from mongomock_motor import AsyncMongoMockClient

from service import errors
from service.app import create_app
from service.config import Settings
from service.web.statuses import status_for

ADMIN = {"Authorization": "Bearer admin-secret"}


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.MalformedBody, 400),
        (errors.InvalidValue, 400),
        (errors.OriginRefused, 403),
        (errors.PreflightRefused, 403),
        (errors.RouteNotFound, 404),
        (errors.ProjectNotFound, 404),
        (errors.MethodNotAllowed, 405),
        (errors.RequestTimeout, 408),
        (errors.AlreadyExists, 409),
        (errors.Contended, 409),
        (errors.NotANumber, 412),
        (errors.LimitExceeded, 412),
        (errors.BodyTooLarge, 413),
        (errors.Internal, 500),
        (errors.TransactionsUnavailable, 503),
        (errors.Overloaded, 503),
    ],
)
def test_each_condition_answers_the_status_of_its_nearest_ancestor(error, status):
    assert status_for(error("x")) == status


def test_a_table_entry_for_a_subclass_beats_its_parents():
    table = {errors.NotFound: "parent", errors.RecordNotFound: "record"}
    assert errors.nearest(table, errors.RecordNotFound("x")) == "record"
    assert errors.nearest(table, errors.VersionNotFound("x")) == "parent"
    assert errors.nearest(table, errors.Contended("x")) is None


def test_a_reason_string_is_no_longer_accepted():
    with pytest.raises(TypeError):
        errors.Invalid("x", reason="json")  # type: ignore[call-arg]


def test_codes_of_the_default_envelope_are_the_tokens_it_always_sent():
    codes = {
        errors.MalformedBody: "json",
        errors.EmptyBody: "empty",
        errors.BodyTooLarge: "body_size",
        errors.RouteNotFound: "route_not_found",
        errors.OriginRefused: "origin",
        errors.PreflightRefused: "cors",
        errors.ProjectNotFound: "project",
        errors.AlreadyExists: "duplicate",
        errors.DatabaseUnavailable: "unavailable",
        errors.Internal: "internal",
    }
    assert {cls: cls("x").code for cls in codes} == codes


@pytest.fixture
async def admin(aiohttp_client):
    database = AsyncMongoMockClient()["errors"]
    app = create_app(Settings(admin_token="admin-secret"), database=database)
    return await aiohttp_client(app)


async def test_admin_answers_a_missing_project_and_a_taken_name_with_their_codes(admin):
    missing = await admin.get("/admin/projects/6b0000000000000000000000", headers=ADMIN)
    assert missing.status == 404
    assert (await missing.json())["error"]["code"] == "project"
    assert (await admin.post("/admin/projects", json={"name": "a"}, headers=ADMIN)).status == 201
    taken = await admin.post("/admin/projects", json={"name": "a"}, headers=ADMIN)
    assert taken.status == 409
    assert (await taken.json())["error"]["code"] == "duplicate"


async def test_a_method_no_route_serves_is_405_with_its_code(admin):
    response = await admin.put("/livez")
    assert response.status == 405
    assert (await response.json())["error"]["code"] == "method_not_allowed"
