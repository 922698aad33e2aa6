"""Looking up a project's users and checking their passwords, on the real database."""

from __future__ import annotations

import pytest

from service.errors import AlreadyExists, NotFound
from service.store import projects, users


@pytest.fixture
async def project(database):
    await projects.ensure_indexes(database)
    created, _ = await projects.create_project(database, name="users")
    await projects.create_user(
        database, created.id, email="Ann@Example.com", password="s3cret!", username="ann"
    )
    return created


async def test_a_user_is_found_by_email_in_any_case_or_by_username(database, project):
    by_email = await users.find_user(database, project.id, email=" ANN@example.com ")
    by_name = await users.find_user(database, project.id, username="ann")
    assert by_email is not None and by_email == by_name
    assert (by_email.email, by_email.username, by_email.project_id) == (
        "ann@example.com",
        "ann",
        project.id,
    )
    assert await users.get_user(database, project.id, by_email.id) == by_email
    assert "s3cret" not in repr(by_email) and "scrypt" not in repr(by_email)


async def test_another_projects_user_is_not_found(database, project):
    other, _ = await projects.create_project(database, name="other")
    assert await users.find_user(database, other.id, email="ann@example.com") is None
    ann = await users.find_user(database, project.id, username="ann")
    assert ann is not None and await users.get_user(database, other.id, ann.id) is None


async def test_the_right_password_logs_in_and_a_wrong_one_or_unknown_user_does_not(
    database, project
):
    ann = await users.check_login(database, project.id, email="ann@example.com", password="s3cret!")
    assert ann is not None and ann.username == "ann"
    assert await users.check_login(database, project.id, username="ann", password="s3cret!") == ann
    assert await users.check_login(database, project.id, username="ann", password="wrong") is None
    assert await users.check_login(database, project.id, username="bob", password="s3cret!") is None


async def test_a_username_two_users_share_logs_in_neither(database, project):
    await projects.create_user(database, project.id, email="b@x.io", password="pw", username="sam")
    await projects.create_user(database, project.id, email="c@x.io", password="pw", username="sam")
    assert await users.find_user(database, project.id, username="sam") is None
    assert await users.check_login(database, project.id, username="sam", password="pw") is None
    by_email = await users.check_login(database, project.id, email="b@x.io", password="pw")
    assert by_email is not None


async def test_exactly_one_of_email_and_username_is_required(database, project):
    with pytest.raises(ValueError, match="exactly one"):
        await users.find_user(database, project.id)
    with pytest.raises(ValueError, match="exactly one"):
        await users.find_user(database, project.id, email="a@b.c", username="a")


# Users of a realm (rested's authentication endpoints).

REALM = "rested:examples/auth"


@pytest.fixture
async def realm(database, project):
    await users.ensure_realm_indexes(database)
    return project


async def _session(database, project_id: str, user_id: str) -> str:
    from datetime import timedelta

    from service.store import sessions

    token, _ = await sessions.create_session(
        database,
        project_id=project_id,
        user_id=user_id,
        kind="rested",
        idle=timedelta(hours=1),
        lifetime=timedelta(days=1),
    )
    return token


async def test_a_realm_user_logs_in_by_username_or_email_and_names_are_unique(database, realm):
    ann = await users.create_realm_user(
        database, realm.id, REALM, user_id="u1", password="pw", username="ann", email="A@x.io"
    )
    assert (ann.username, ann.email) == ("ann", "a@x.io")
    by_name = await users.check_realm_login(
        database, realm.id, REALM, password="pw", username="ann"
    )
    by_email = await users.check_realm_login(
        database, realm.id, REALM, password="pw", email="a@X.io"
    )
    assert by_name == by_email == ann
    wrong = await users.check_realm_login(database, realm.id, REALM, password="no", username="ann")
    assert wrong is None
    for names, field in (({"username": "ann"}, "username"), ({"email": "a@x.IO"}, "email")):
        with pytest.raises(AlreadyExists) as raised:
            await users.create_realm_user(
                database, realm.id, REALM, user_id="u2", password="pw", **names
            )
        assert raised.value.details == {"field": field}
    # The same names in another realm, and users without an email or a username, coexist.
    await users.create_realm_user(
        database, realm.id, "rested:other", user_id="u3", password="p", username="ann"
    )
    await users.create_realm_user(
        database, realm.id, REALM, user_id="u4", password="p", username="bob"
    )
    await users.create_realm_user(
        database, realm.id, REALM, user_id="u5", password="p", email="c@x.io"
    )


async def test_a_realm_user_changes_names_and_password_in_one_write(database, realm):
    await users.create_realm_user(
        database, realm.id, REALM, user_id="u1", password="pw", username="ann", email="a@x.io"
    )
    await users.create_realm_user(
        database, realm.id, REALM, user_id="u2", password="pw", username="bob"
    )
    await users.update_realm_user(
        database, realm.id, REALM, "u1", names={"username": "anna", "email": None}, password="new"
    )
    login = users.check_realm_login
    assert await login(database, realm.id, REALM, password="new", username="anna") is not None
    assert await login(database, realm.id, REALM, password="pw", username="anna") is None
    assert await login(database, realm.id, REALM, password="new", email="a@x.io") is None
    with pytest.raises(AlreadyExists):
        await users.update_realm_user(database, realm.id, REALM, "u1", names={"username": "bob"})
    with pytest.raises(NotFound):
        await users.update_realm_user(database, realm.id, REALM, "nobody", names={"username": "x"})


async def test_deleting_realm_users_ends_their_sessions(database, realm):
    from service.store import sessions

    for n in range(3):
        await users.create_realm_user(
            database, realm.id, REALM, user_id=f"u{n}", password="pw", username=f"user{n}"
        )
    tokens = [await _session(database, realm.id, f"u{n}") for n in range(3)]
    assert await users.delete_realm_user(database, realm.id, REALM, "u0")
    assert not await users.delete_realm_user(database, realm.id, REALM, "u0")
    now = sessions.now_utc()
    assert await sessions.find_session(database, tokens[0], now=now) is None
    assert await sessions.find_session(database, tokens[1], now=now) is not None
    assert sorted(await users.delete_realm(database, realm.id, REALM)) == ["u1", "u2"]
    assert await sessions.find_session(database, tokens[2], now=now) is None
    assert (
        await users.check_realm_login(database, realm.id, REALM, password="pw", username="user1")
        is None
    )


async def test_delete_realm_can_spare_users_created_since_a_moment(database, realm):
    from datetime import UTC, datetime

    await users.create_realm_user(
        database, realm.id, REALM, user_id="old", password="p", username="o"
    )
    moment = datetime.now(UTC)
    await users.create_realm_user(
        database, realm.id, REALM, user_id="new", password="p", username="n"
    )
    assert await users.delete_realm(database, realm.id, REALM, created_before=moment) == ["old"]
    assert await users.check_realm_login(database, realm.id, REALM, password="p", username="n")
