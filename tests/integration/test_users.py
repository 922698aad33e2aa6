"""Looking up a project's users and checking their passwords, on the real database."""

from __future__ import annotations

import pytest

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
