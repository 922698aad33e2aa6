"""Auth (Bearer master key, Version header, locationId) and HighLevel's error envelope."""

from service.store import projects
from tests.dialects.highlevel.conftest import OBJECT, Location, make_location


async def list_objects(client, location_id, headers):
    return await client.get("/objects/", params={"locationId": location_id}, headers=headers)


async def test_missing_version_header_is_400_without_error_member(client, location):
    headers = {"Authorization": f"Bearer {location.token}", "X-Request-ID": "trace-1"}
    response = await list_objects(client, location.id, headers)
    assert response.status == 400
    assert await response.json() == {
        "statusCode": 400,
        "message": "Version header was not found",
        "traceId": "trace-1",
    }


async def test_any_version_the_sdks_send_is_accepted(client, location):
    for version in ("2021-07-28", "2021-04-15", "2023-02-21", "v3"):
        headers = {**location.headers, "Version": version}
        assert (await list_objects(client, location.id, headers)).status == 200


async def test_bad_missing_or_non_master_tokens_are_401(client, location, database):
    _, keys = await projects.create_project(database, name="with-api-key")
    for authorization in ("Bearer nope", "", f"Bearer {keys['apiKey']}", location.token):
        headers = {"Version": "v3", "Authorization": authorization}
        response = await list_objects(client, location.id, headers)
        assert response.status == 401
        body = await response.json()
        assert body["message"] == "Invalid token: access token is invalid"
        assert body["error"] == "Unauthorized" and body["statusCode"] == 401


async def test_another_locations_id_is_403(client, location, database):
    other = await make_location(database, "location-b")
    response = await list_objects(client, other.id, location.headers)
    assert response.status == 403
    body = await response.json()
    assert body == {
        "statusCode": 403,
        "message": "The token does not have access to this location",
        "traceId": response.headers["X-Request-ID"],
    }
    create = {"locationId": other.id, "properties": {}}
    response = await client.post(
        f"/objects/{OBJECT}/records", json=create, headers=location.headers
    )
    assert response.status == 403


async def test_unknown_routes_and_bad_bodies_answer_in_highlevels_shape(client, location):
    unknown = await client.get("/objects/a/b/c/d", headers=location.headers)
    assert unknown.status == 404
    assert (await unknown.json())["message"] == "Cannot GET /objects/a/b/c/d"
    broken = await client.post(
        "/objects/",
        data="{not json",
        headers={**location.headers, "Content-Type": "application/json"},
    )
    assert broken.status == 400
    assert (await broken.json())["error"] == "Bad Request"
    listed = await client.post("/objects/", json=[1], headers=location.headers)
    assert listed.status == 422
    assert (await listed.json())["message"] == ["request body must be an object"]
    # An empty body is validated as {}: every missing member is named.
    empty = await client.post("/custom-fields/", headers=location.headers)
    assert empty.status == 422
    problems = (await empty.json())["message"]
    assert "showInForms should not be empty" in problems
    assert "dataType should not be empty" in problems


async def test_cors_exposes_the_rate_headers_without_credentials(client, location):
    response = await list_objects(
        client, location.id, {**location.headers, "Origin": "https://app.example"}
    )
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example"
    exposed = response.headers["Access-Control-Expose-Headers"]
    assert "X-RateLimit-Remaining" in exposed and "X-RateLimit-Daily-Remaining" in exposed
    assert "Access-Control-Allow-Credentials" not in response.headers


async def test_a_projects_origin_allow_list_applies_to_highlevel_calls(client, database):
    project, keys = await projects.create_project(
        database, name="locked", allowed_origins=frozenset({"https://mine.example"})
    )
    locked = Location(project.id, keys["masterKey"])
    refused = await list_objects(
        client, locked.id, {**locked.headers, "Origin": "https://evil.example"}
    )
    assert refused.status == 403
    assert (await refused.json())["statusCode"] == 403
    allowed = await list_objects(
        client, locked.id, {**locked.headers, "Origin": "https://mine.example"}
    )
    assert allowed.status == 200
