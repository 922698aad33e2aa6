"""Endpoints defined per project through the admin API and the CLI (the same code): name
rules, duplicates, flags, and deleting an endpoint's records and users with it."""

from __future__ import annotations

import argparse

import pytest

from service.core.queries import EVERYTHING
from service.dialects.rested import cli, messages
from service.dialects.rested.endpoints import name_problem, scope_of
from service.web.appkeys import STORE
from tests.dialects.rested.conftest import (
    ADMIN,
    login_token,
    make_endpoint,
    refused,
    register,
)

FLAGS = {
    "secure": False,
    "authentication": False,
    "othersCanRead": False,
    "othersCanUpdate": False,
    "othersCanDelete": False,
}


def path(project, name: str = "") -> str:
    base = f"/admin/projects/{project.id}/endpoints"
    return f"{base}/{name}" if name else base


async def test_create_answers_201_with_the_endpoint_and_list_and_get_show_it(client, project):
    made = await make_endpoint(client, project, "my-project/cars", othersCanRead=True)
    assert {k: made[k] for k in FLAGS} == {**FLAGS, "othersCanRead": True}
    assert made["name"] == "my-project/cars" and made["createdAt"].endswith("Z")
    await make_endpoint(client, project, "alpha")
    listed = await (await client.get(path(project), headers=ADMIN)).json()
    assert [item["name"] for item in listed] == ["alpha", "my-project/cars"]
    one = await client.get(path(project, "my-project/cars"), headers=ADMIN)
    assert one.status == 200 and await one.json() == made


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("cars", "5 to 254"),
        ("c" * 255, "5 to 254"),
        ("My-Cars", "only lowercase"),
        ("cars_2", "only lowercase"),
        ("/cars", "start or end"),
        ("cars-", "start or end"),
        ("my--cars", "'--'"),
        ("my//cars", "'//'"),
    ],
)
async def test_a_bad_name_is_400_naming_the_rule_it_broke(client, project, name, rule):
    response = await client.post(path(project), json={"name": name}, headers=ADMIN)
    assert response.status == 400
    assert rule in (await response.json())["error"]["message"]
    assert name_problem(name) is not None and rule in name_problem(name)


async def test_valid_names_pass_every_rule():
    for name in ("cars1", "a/b/c-d", "x" * 254, "0-9/z"):
        assert name_problem(name) is None, name


async def test_a_duplicate_name_is_400_and_other_projects_may_reuse_it(client, project):
    from tests.dialects.rested.conftest import make_project

    await make_endpoint(client, project, "my-project/cars")
    again = await client.post(path(project), json={"name": "my-project/cars"}, headers=ADMIN)
    assert again.status == 400
    other = await make_project(client, "other-app")
    await make_endpoint(client, other, "my-project/cars")


async def test_an_authentication_endpoint_is_secure(client, project):
    made = await make_endpoint(client, project, "examples/auth", authentication=True)
    assert made["authentication"] and made["secure"]
    body = {"name": "examples/auth2", "authentication": True, "secure": False}
    assert (await client.post(path(project), json=body, headers=ADMIN)).status == 400
    patch = await client.patch(
        path(project, "examples/auth"), json={"secure": False}, headers=ADMIN
    )
    assert patch.status == 400
    flip = await client.patch(
        path(project, "examples/auth"), json={"authentication": False}, headers=ADMIN
    )
    assert flip.status == 400


async def test_bad_bodies_unknown_projects_and_endpoints(client, project):
    for body in ({}, {"name": "valid-name", "secure": "yes"}, {"name": "valid-name", "x": 1}):
        assert (await client.post(path(project), json=body, headers=ADMIN)).status == 400
    missing = await client.get(path(project, "no-such-endpoint"), headers=ADMIN)
    assert missing.status == 404
    nobody = await client.get("/admin/projects/000000000000000000000000/endpoints", headers=ADMIN)
    assert nobody.status == 404
    assert (await client.get(path(project))).status == 401  # no admin token


async def test_patch_changes_flags_on_the_next_request(client, rested, project, notes):
    await refused(await rested.call("GET", notes), 401, messages.TOKEN_INVALID)
    patched = await client.patch(path(project, notes), json={"secure": False}, headers=ADMIN)
    assert patched.status == 200 and (await patched.json())["secure"] is False
    assert await rested.ok("GET", notes) == []


async def test_delete_removes_the_endpoint_its_records_and_its_users(client, rested, project, auth):
    await make_endpoint(client, project, "my-project/cars")
    await rested.create("my-project/cars", {"a": 1})
    await register(rested, auth, "ann")
    token = {"Authorization": await login_token(rested, auth, "ann")}
    for name in ("my-project/cars", auth):
        response = await client.delete(path(project, name), headers=ADMIN)
        assert response.status == 204
    await refused(await rested.call("GET", "my-project/cars"), 400, messages.INVALID_KEY)
    await make_endpoint(client, project, "my-project/cars")
    await make_endpoint(client, project, auth, authentication=True)
    assert await rested.ok("GET", "my-project/cars") == []
    assert await rested.ok("GET", auth, master=True) == []
    await refused(await rested.call("GET", auth, headers=token), 401)
    again = await register(rested, auth, "ann")  # the username is free again
    assert again["data"] == {"username": "ann"}


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.add_commands(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


async def test_the_cli_calls_the_same_code(client, rested, project):
    store = client.app[STORE]
    made = await cli.run(parse("create-endpoint", project.id, "cli/notes", "--secure"), store)
    assert made["name"] == "cli/notes" and made["secure"] and not made["othersCanRead"]
    args = parse("update-endpoint", project.id, "cli/notes", "--others-can-read", "--no-secure")
    changed = await cli.run(args, store)
    assert changed["othersCanRead"] and not changed["secure"]
    listed = await cli.run(parse("list-endpoints", project.id), store)
    assert [item["name"] for item in listed] == ["cli/notes"]
    await rested.create("cli/notes", {"a": 1})
    shown = await cli.run(parse("get-endpoint", project.id, "cli/notes"), store)
    assert shown == changed
    deleted = await cli.run(parse("delete-endpoint", project.id, "cli/notes"), store)
    assert deleted == {"name": "cli/notes", "deleted": True}
    assert await cli.run(argparse.Namespace(command="create-project"), store) is None
    assert parse("list-endpoints", project.id).run is cli.COMMANDS["list-endpoints"]
    assert await cli.run(parse("list-endpoints", project.id), store) == []
    assert await store.records.select(scope_of(project.id, "cli/notes"), EVERYTHING) == []


async def test_the_admin_cli_parser_carries_rested_commands(client, project, dialect):
    from service.cli import build_parser

    args = build_parser([dialect]).parse_args(
        ["create-endpoint", project.id, "cli/users", "--authentication"]
    )
    made = await args.run(args, client.app[STORE])
    assert made["authentication"] and made["secure"]


async def test_a_new_endpoint_never_shows_what_a_deleted_one_left(client, rested, project):
    """A replica whose cache still held a deleted endpoint may write into its records
    afterwards; an endpoint created later under that name starts empty all the same."""
    store = client.app[STORE]
    await store.records.create(scope_of(project.id, "late/writes"), "a" * 32, {"stale": 1})
    await make_endpoint(client, project, "late/writes")
    assert await rested.ok("GET", "late/writes") == []
