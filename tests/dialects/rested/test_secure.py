"""Secure endpoints: a live token is needed, records belong to their creator, the othersCan*
toggles open them to other users, and the master key bypasses all of it."""

from __future__ import annotations

import pytest

from service.dialects.rested import messages
from tests.dialects.rested.conftest import login_token, make_endpoint, refused, register


@pytest.fixture
async def tokens(rested, auth) -> dict[str, dict[str, str]]:
    for name in ("ann", "bob"):
        await register(rested, auth, name)
    return {
        name: {"Authorization": await login_token(rested, auth, name)} for name in ("ann", "bob")
    }


ALL_TOGGLES = {"othersCanRead": True, "othersCanUpdate": True, "othersCanDelete": True}


@pytest.mark.parametrize("toggles", [{}, ALL_TOGGLES], ids=["owners-only", "open-to-users"])
async def test_every_call_on_a_secure_endpoint_needs_a_token(client, rested, project, toggles):
    notes = "guarded/notes"
    await make_endpoint(client, project, notes, secure=True, **toggles)
    made = await rested.create(notes, {"by": "master"}, master=True)
    params = {"uniqueId": made["uniqueId"]}
    calls = [
        ("POST", {}, {"json": {"a": 1}}),
        ("GET", {}, {}),
        ("GET", params, {}),
        ("PUT", params, {"json": {"a": 2}}),
        ("DELETE", params, {}),
    ]
    for method, query, body in calls:
        response = await rested.call(method, notes, params=query, **body)
        await refused(response, 401, messages.TOKEN_INVALID)
        forged = await rested.call(
            method, notes, params=query, headers={"Authorization": "rhs_forged"}, **body
        )
        await refused(forged, 401, messages.TOKEN_INVALID)
    assert (await rested.ok("GET", notes, master=True))[0] == made


async def test_records_belong_to_their_creator(rested, notes, tokens):
    ann, bob = tokens["ann"], tokens["bob"]
    note = await rested.create(notes, {"text": "ann's"}, headers=ann)
    params = {"uniqueId": note["uniqueId"]}
    assert await rested.ok("GET", notes, headers=ann) == [note]
    assert await rested.ok("GET", notes, headers=bob) == []
    for method, body in (("GET", {}), ("PUT", {"json": {"x": 1}}), ("DELETE", {})):
        response = await rested.call(method, notes, headers=bob, params=params, **body)
        await refused(response, 400, messages.NO_RECORD)
    updated = await rested.ok("PUT", notes, headers=ann, params=params, json={"text": "edited"})
    assert updated["data"] == {"text": "edited"}
    assert await rested.ok("DELETE", notes, headers=ann, params=params) == updated


async def test_a_token_of_another_project_is_no_token_here(client, rested, notes, tokens):
    from tests.dialects.rested.conftest import Rested, make_project

    other = Rested(client, await make_project(client, "other-app"))
    response = await other.call("GET", notes, headers=tokens["ann"])
    await refused(response, 400, messages.INVALID_KEY)  # the endpoint is not the other's
    await make_endpoint(client, other.project, "examples/notes", secure=True)
    response = await other.call("GET", "examples/notes", headers=tokens["ann"])
    await refused(response, 401, messages.TOKEN_INVALID)


# What another user gets for each call, per toggle: the record stays invisible ("No record
# was found.") unless it may be read; readable but not changeable is a 403.
_TOGGLES = {
    "othersCanRead": {"GET": 200, "PUT": 403, "DELETE": 403},
    "othersCanUpdate": {"GET": 400, "PUT": 200, "DELETE": 400},
    "othersCanDelete": {"GET": 400, "PUT": 400, "DELETE": 200},
}


@pytest.mark.parametrize("toggle", list(_TOGGLES))
async def test_each_toggle_opens_one_action_to_other_users(client, rested, project, tokens, toggle):
    await make_endpoint(client, project, "shared/board", secure=True, **{toggle: True})
    note = await rested.create("shared/board", {"text": "ann's"}, headers=tokens["ann"])
    params = {"uniqueId": note["uniqueId"]}
    for method in ("GET", "PUT", "DELETE"):  # the delete last: it may remove the record
        body = {"json": {"text": "bob's"}} if method == "PUT" else {}
        response = await rested.call(
            method, "shared/board", headers=tokens["bob"], params=params, **body
        )
        expected = _TOGGLES[toggle][method]
        if expected == 200:
            assert response.status == 200, (method, await response.text())
        else:
            text = messages.NOT_OWNER if expected == 403 else messages.NO_RECORD
            await refused(response, expected, text)


async def test_others_can_read_lists_every_users_records(client, rested, project, tokens):
    await make_endpoint(client, project, "shared/wall", secure=True, othersCanRead=True)
    ann = await rested.create("shared/wall", {"by": "ann"}, headers=tokens["ann"])
    bob = await rested.create("shared/wall", {"by": "bob"}, headers=tokens["bob"])
    assert await rested.ok("GET", "shared/wall", headers=tokens["bob"]) == [ann, bob]
    await refused(await rested.call("GET", "shared/wall"), 401, messages.TOKEN_INVALID)


async def test_the_master_key_bypasses_tokens_and_ownership(rested, notes, tokens):
    note = await rested.create(notes, {"text": "ann's"}, headers=tokens["ann"])
    params = {"uniqueId": note["uniqueId"]}
    assert await rested.ok("GET", notes, master=True) == [note]
    updated = await rested.ok("PUT", notes, master=True, params=params, json={"text": "admin"})
    assert updated["data"] == {"text": "admin"}
    still_anns = await rested.ok("GET", notes, headers=tokens["ann"], params=params)
    assert still_anns == updated
    assert await rested.ok("DELETE", notes, master=True, params=params) == updated
