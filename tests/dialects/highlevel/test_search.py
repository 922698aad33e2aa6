"""Record search over HTTP: `field:value` on searchable properties, pages, the cursor, total."""

from tests.dialects.highlevel.conftest import OBJECT, create_record, refused

SEARCH = f"/objects/{OBJECT}/records/search"


async def search(client, location, **body):
    response = await client.post(
        SEARCH, json={"locationId": location.id, **body}, headers=location.headers
    )
    assert response.status == 200, await response.text()
    return await response.json()


async def make_records(client, location, names):
    records = []
    for number, name in enumerate(names):
        properties = {"ticket_name": name, "customer_number": number}
        records.append(await create_record(client, location, {"properties": properties}))
    return records


def newest_first(records):
    return [r["id"] for r in sorted(records, key=lambda r: (r["dateAdded"], r["id"]), reverse=True)]


async def test_field_query_matches_any_case_and_counts_the_total(client, location, ticket):
    await make_records(client, location, ["Buddy", "buddy two", "Rex", "Old Buddy"])
    found = await search(client, location, query="ticket_name:BUDDY", page=1, pageLimit=10)
    assert found["total"] == 3
    names = sorted(item["properties"]["ticket_name"] for item in found["records"])
    assert names == ["Buddy", "Old Buddy", "buddy two"]
    free_text = await search(client, location, query="rex")
    assert [item["properties"]["ticket_name"] for item in free_text["records"]] == ["Rex"]
    everything = await search(client, location, query="")
    assert everything["total"] == 4


async def test_items_carry_search_metadata_and_a_cursor(client, location, ticket):
    (record,) = await make_records(client, location, ["Only"])
    item = (await search(client, location, query="ticket_name:only"))["records"][0]
    assert item["id"] == record["id"]
    assert item["createdAt"] == record["dateAdded"] and item["updatedAt"] == record["dateUpdated"]
    assert "dateAdded" not in item
    assert item["locationId"] == location.id
    assert item["objectKey"] == OBJECT and len(item["objectId"]) == 24
    assert item["createdBy"]["source"] == "PUBLIC_API"
    assert item["lastUpdatedBy"]["createdAt"] == record["dateUpdated"]
    assert isinstance(item["searchAfter"][0], int) and item["searchAfter"][1] == record["id"]
    assert item["properties"] == record["properties"]


async def test_pages_and_search_after_walk_every_record_once_newest_first(client, location, ticket):
    records = await make_records(client, location, [f"ticket {n}" for n in range(7)])
    expected = newest_first(records)
    by_page = []
    for page in (1, 2, 3, 4):
        found = await search(client, location, page=page, pageLimit=2)
        assert found["total"] == 7
        by_page += [item["id"] for item in found["records"]]
    assert by_page == expected
    walked, cursor = [], None
    while True:
        body = {"pageLimit": 3, **({"searchAfter": cursor} if cursor else {})}
        items = (await search(client, location, **body))["records"]
        if not items:
            break
        walked += [item["id"] for item in items]
        cursor = items[-1]["searchAfter"]
    assert walked == expected


async def test_numbers_match_exactly_once_the_field_is_searchable(client, location, ticket):
    await make_records(client, location, ["a", "b", "c"])
    body = {"query": "customer_number:1"}
    response = await client.post(
        SEARCH, json={"locationId": location.id, **body}, headers=location.headers
    )
    await refused(response, f"query: customer_number is not a searchable property of {OBJECT}")
    update = {"locationId": location.id, "searchableProperties": ["ticket_name", "customer_number"]}
    assert (
        await client.put(f"/objects/{OBJECT}", json=update, headers=location.headers)
    ).status == 200
    found = await search(client, location, **body)
    assert [item["properties"]["ticket_name"] for item in found["records"]] == ["b"]
    assert (await search(client, location, query="customer_number:many"))["total"] == 0


async def test_bad_paging_is_refused(client, location, ticket):
    for body, message in [
        ({"pageLimit": 101}, "pageLimit has an invalid value"),
        ({"page": 0}, "page has an invalid value"),
        ({"page": "1"}, "page must be an integer number"),
        ({"searchAfter": ["yesterday", "x"]}, "searchAfter must be the [timestamp, id] pair"),
    ]:
        response = await client.post(
            SEARCH, json={"locationId": location.id, **body}, headers=location.headers
        )
        problems = await refused(response)
        assert problems[0].startswith(message), problems
