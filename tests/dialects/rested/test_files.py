"""File uploads on rested endpoints: multipart POST, fileOnly downloads, deletes, limits,
and nothing partial left behind by a refused or broken upload."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from gridfs import AsyncGridFSBucket

from service.app import create_app
from service.config import Settings
from service.dialects.rested.filestore import BUCKET
from service.dialects.rested.settings import RestedSettings
from service.store.api import Store
from tests.dialects.rested.conftest import (
    ADMIN,
    ADMIN_TOKEN,
    UNIQUE_ID,
    Rested,
    assert_envelope,
    login_token,
    make_endpoint,
    make_project,
    messages,
    refused,
    register,
)

PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(3000)


def form(*files: tuple[str, bytes, str], **fields: str | list[str]) -> aiohttp.FormData:
    """A FormData as a browser sends it: files in `file` (name, bytes, type), text fields."""
    data = aiohttp.FormData(quote_fields=False)  # names as browsers send them
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            data.add_field(name, item)
    for filename, content, kind in files:
        data.add_field("file", content, filename=filename, content_type=kind)
    return data


async def stored(database) -> tuple[int, int]:
    """(files, chunks) in rested's bucket: what an upload left in the database. No upload
    ticket is ever left: a finished upload commits it, a failed one takes it back."""
    files = await database[f"{BUCKET}.files"].count_documents({})
    chunks = await database[f"{BUCKET}.chunks"].count_documents({})
    assert await database[f"{BUCKET}.uploads"].count_documents({}) == 0
    return files, chunks


async def download(rested: Rested, endpoint: str, unique_id: str, **kwargs):
    params = {"uniqueId": unique_id, "fileOnly": "true"}
    return await rested.call("GET", endpoint, params=params, **kwargs)


async def test_upload_read_and_delete_files(rested, cars, database, project):
    big = os.urandom(600 * 1024)  # three GridFS chunks
    answer = await rested.ok(
        "POST",
        cars,
        data=form(
            ("cat.png", PNG, "image/png"),
            ("dir/big.bin", big, "application/x-weird type"),
            text="additional info",
            tag=["a", "b"],
            **{"dotted.name": "kept as a key"},
        ),
    )
    assert len(answer) == 2
    metadata = {"text": "additional info", "tag": ["a", "b"], "dotted.name": "kept as a key"}
    cat, blob = answer
    assert_envelope(
        cat,
        {"filename": "cat.png", "contentType": "image/png", "size": len(PNG), "metadata": metadata},
    )
    # The directory goes; a type that is no media type is stored as octet-stream.
    assert blob["data"] == {
        "filename": "big.bin",
        "contentType": "application/octet-stream",
        "size": len(big),
        "metadata": metadata,
    }
    listed = await rested.ok("GET", cars)
    assert [item["uniqueId"] for item in listed] == [cat["uniqueId"], blob["uniqueId"]]

    response = await download(rested, cars, cat["uniqueId"])
    assert response.status == 200 and await response.read() == PNG
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Content-Length"] == str(len(PNG))
    assert response.headers["Content-Disposition"].startswith('inline; filename="cat.png"')
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response = await download(rested, cars, blob["uniqueId"])
    assert await response.read() == big
    assert response.headers["Content-Disposition"].startswith("attachment;")

    # The bytes are GridFS's: the driver's own bucket reads them, tagged with the project.
    doc = await database[f"{BUCKET}.files"].find_one({"filename": "big.bin"})
    assert doc["project"] == project.id and doc["metadata"]["project"] == project.id
    assert doc["metadata"]["owner"] == f"rested:{cars}"
    grid = await AsyncGridFSBucket(database, BUCKET).open_download_stream(doc["_id"])
    assert await grid.read() == big
    chunks = database[f"{BUCKET}.chunks"]
    assert await chunks.count_documents({"files_id": doc["_id"], "project": project.id}) == 3

    deleted = await rested.ok("DELETE", cars, params={"uniqueId": blob["uniqueId"]})
    assert deleted == blob
    assert await stored(database) == (1, 1)  # the PNG's file and its one chunk
    await refused(await download(rested, cars, blob["uniqueId"]), 400, messages.NO_RECORD)


async def test_data_only_and_downloads_by_range(rested, cars):
    content = bytes(range(256)) * 4
    data = await rested.ok(
        "POST", cars, params={"dataOnly": "true"}, data=form(("a.txt", content, "text/plain"))
    )
    assert data == [
        {"filename": "a.txt", "contentType": "text/plain", "size": 1024, "metadata": {}}
    ]
    [record] = await rested.ok("GET", cars)
    key = record["uniqueId"]
    part = await download(rested, cars, key, headers={"Range": "bytes=10-19"})
    assert part.status == 206 and await part.read() == content[10:20]
    assert part.headers["Content-Range"] == "bytes 10-19/1024"
    tail = await download(rested, cars, key, headers={"Range": "bytes=-4"})
    assert await tail.read() == content[-4:] and tail.headers["Content-Length"] == "4"
    past = await download(rested, cars, key, headers={"Range": "bytes=2000-"})
    await refused(past, 416, messages.RANGE_INVALID)
    assert past.headers["Content-Range"] == "bytes */1024"
    etag = part.headers["ETag"]
    again = await download(rested, cars, key, headers={"If-None-Match": etag})
    assert again.status == 304 and await again.read() == b""
    # fileOnly needs one uniqueId of a file record.
    plain = await rested.create(cars, {"not": "a file"})
    await refused(await download(rested, cars, plain["uniqueId"]), 400, messages.NOT_A_FILE)
    both = await rested.call(
        "GET", cars, params={"uniqueId": f"{key},{plain['uniqueId']}", "fileOnly": "true"}
    )
    await refused(both, 400, messages.ONE_UNIQUE_ID)


async def test_a_served_file_cannot_run_as_a_page_here(rested, cars):
    name = "x%22%0D%C3%A9t%C3%A9.html"  # x"<CR>été.html, in RFC 5987's form
    body = (
        f"--b\r\nContent-Disposition: form-data; name=file; filename*=UTF-8''{name}\r\n"
        "Content-Type: text/html\r\n\r\n<script>alert(1)</script>\r\n--b--\r\n"
    )
    headers = {"Content-Type": "multipart/form-data; boundary=b"}
    [made] = await rested.ok("POST", cars, headers=headers, data=body.encode())
    assert made["data"]["filename"] == 'x"été.html'  # the control character dropped
    response = await download(rested, cars, made["uniqueId"])
    assert response.headers["Content-Type"] == "text/html"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"x__t_.html\"; filename*=UTF-8''x%22%C3%A9t%C3%A9.html"
    )
    assert "sandbox" in response.headers["Content-Security-Policy"]


async def test_secure_files_follow_the_record_rules(rested, client, project, auth):
    await make_endpoint(client, project, "examples/photos", secure=True)
    photos = "examples/photos"
    await refused(await rested.call("POST", photos, data=form(("a.png", PNG, "image/png"))), 401)
    for name in ("ann", "bob"):
        await register(rested, auth, name)
    ann = {"Authorization": await login_token(rested, auth, "ann")}
    bob = {"Authorization": await login_token(rested, auth, "bob")}
    [mine] = await rested.ok("POST", photos, headers=ann, data=form(("a.png", PNG, "image/png")))
    assert (await (await download(rested, photos, mine["uniqueId"], headers=ann)).read()) == PNG
    await refused(
        await download(rested, photos, mine["uniqueId"], headers=bob), 400, messages.NO_RECORD
    )
    await refused(await download(rested, photos, mine["uniqueId"]), 401)
    response = await download(rested, photos, mine["uniqueId"], master=True)
    assert response.status == 200
    # An authentication endpoint takes no files: registration is JSON only.
    upload = await rested.call("POST", auth, data=form(("a.png", PNG, "image/png")))
    await refused(upload, 400, messages.JSON_ONLY)


class TestLimits:
    """Small limits: two files, 300,000 bytes each, 40 bytes of text fields."""

    @pytest.fixture
    def rested_settings(self) -> RestedSettings:
        return RestedSettings(
            cookie_secure=False, max_files=2, max_file_bytes=300_000, max_metadata_bytes=40
        )

    async def test_limits_answer_4xx_and_leave_nothing(self, rested, cars, database):
        small = ("a.bin", b"x" * 10, "application/octet-stream")
        three = await rested.call("POST", cars, data=form(small, small, small))
        await refused(three, 400, messages.TOO_MANY_FILES.format(limit=2))
        # The first file is fine, the second crosses the limit after two chunks are written.
        huge = ("b.bin", os.urandom(300_001), "application/octet-stream")
        await refused(
            await rested.call("POST", cars, data=form(small, huge)),
            413,
            messages.FILE_TOO_LARGE.format(limit=300_000),
        )
        wordy = await rested.call("POST", cars, data=form(small, note="y" * 40))
        await refused(wordy, 413, messages.METADATA_TOO_LARGE.format(limit=40))
        assert await stored(database) == (0, 0)
        assert await rested.ok("GET", cars) == []

    async def test_a_declared_length_over_the_limits_is_refused_unread(
        self, rested, cars, database
    ):
        sent = asyncio.Event()

        async def endless() -> AsyncIterator[bytes]:
            yield b"--x\r\nContent-Disposition: form-data; name=file; filename=a\r\n\r\n"
            sent.set()
            await asyncio.sleep(3600)  # the rest never comes: the answer cannot wait for it
            yield b""

        headers = {"Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(10**9)}
        response = await asyncio.wait_for(
            rested.call("POST", cars, headers=headers, data=endless()), timeout=10
        )
        message = await refused(response, 413)
        assert message.startswith("The request body is over") and sent.is_set()
        assert await stored(database) == (0, 0)


async def test_bad_uploads_are_400_and_leave_nothing(rested, cars, database):
    nothing = await rested.call(
        "POST", cars, data=form(("", b"", "application/octet-stream"), note="x")
    )
    await refused(nothing, 400, messages.NO_FILE)  # an empty file input is no file
    elsewhere = aiohttp.FormData()
    elsewhere.add_field("picture", b"data", filename="a.png", content_type="image/png")
    await refused(await rested.call("POST", cars, data=elsewhere), 400, messages.FILE_FIELD)
    no_boundary = {"Content-Type": "multipart/form-data"}
    message = await refused(await rested.call("POST", cars, headers=no_boundary, data=b"x"), 400)
    assert message.startswith("The multipart/form-data body is not valid")
    # A body cut off inside a file, after a whole chunk of it: the chunk goes again.
    head = b"--x\r\nContent-Disposition: form-data; name=file; filename=a\r\n\r\n"
    cut = head + os.urandom(400_000)
    headers = {"Content-Type": "multipart/form-data; boundary=x"}
    message = await refused(await rested.call("POST", cars, headers=headers, data=cut), 400)
    assert message.startswith("The multipart/form-data body is not valid")
    assert await stored(database) == (0, 0)
    assert await rested.ok("GET", cars) == []


async def test_deleting_an_endpoint_or_a_project_removes_its_files(rested, client, cars, database):
    await rested.ok("POST", cars, data=form(("a.png", PNG, "image/png")))
    await make_endpoint(client, rested.project, "examples/keep")
    [kept] = await rested.ok("POST", "examples/keep", data=form(("b.png", PNG, "image/png")))
    path = f"/admin/projects/{rested.project.id}/endpoints/{cars}"
    assert (await client.delete(path, headers=ADMIN)).status == 204
    assert await stored(database) == (1, 1)
    assert UNIQUE_ID.fullmatch(kept["uniqueId"])
    # service.store.projects.delete_project deletes `project` from every collection.
    assert (
        await client.delete(f"/admin/projects/{rested.project.id}", headers=ADMIN)
    ).status == 204
    assert await stored(database) == (0, 0)


async def test_a_stalled_upload_is_408_and_leaves_nothing(aiohttp_client, database, dialect):
    settings = Settings(admin_token=ADMIN_TOKEN, body_timeout_seconds=0.5)
    client = await aiohttp_client(create_app(settings, database=database, dialects=[dialect]))
    project = await make_project(client)
    await make_endpoint(client, project, "my-project/cars")
    rested = Rested(client, project)

    async def stalling() -> AsyncIterator[bytes]:
        yield b"--x\r\nContent-Disposition: form-data; name=file; filename=a\r\n\r\n"
        yield os.urandom(300_000)  # a whole chunk is stored before the client stalls
        await asyncio.sleep(3600)
        yield b""

    headers = {"Content-Type": "multipart/form-data; boundary=x"}
    response = await asyncio.wait_for(
        rested.call("POST", "my-project/cars", headers=headers, data=stalling()), timeout=10
    )
    await refused(response, 408, messages.REQUEST_TIMEOUT)
    assert await stored(database) == (0, 0)


async def test_the_sweep_takes_what_a_crashed_upload_left_and_only_that(rested, cars, database):
    files = Store(database, key_cache_seconds=0).files

    async def chunks():
        yield b"x" * 300_000  # two chunks

    # A crash after the chunks (no files document yet) and one after the files document
    # (no record yet): both leave their tickets. A file that made its record has none.
    for _ in range(2):
        await files.upload("p", "o", "f", "text/plain", chunks(), max_bytes=10**6, bucket=BUCKET)
    await database[f"{BUCKET}.files"].delete_one({})
    [kept] = await rested.ok("POST", cars, data=form(("a.png", PNG, "image/png")))
    assert await files.sweep(bucket=BUCKET, older_than=timedelta(hours=1)) == 0  # too recent
    assert await files.sweep(bucket=BUCKET, older_than=timedelta(0)) == 2
    assert await stored(database) == (1, 1)
    assert (await download(rested, cars, kept["uniqueId"])).status == 200
