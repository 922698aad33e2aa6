"""Files: bytes kept in GridFS buckets, streamed in and out one chunk at a time.

The layout is GridFS's own (`<bucket>.files` and `<bucket>.chunks`, the fields every driver
reads), so any GridFS client (PyMongo's AsyncGridFSBucket, mongofiles) reads these
files. The chunks are written and read here rather than through the driver's GridIn and
GridOut, for memory: pymongo's GridIn buffers up to 48 MB of chunks before one
insert_many (a 100 MB upload peaked 145 MB over its start), and GridOut reads chunks in
the server's default batches of up to 16 MB (+64 MB for a 100 MB read). Here an upload
holds one chunk and a read one small batch.

Tenancy: every files and chunks document carries `project` at its top level, as every
tenant document does, so deleting a project (service.store.projects.delete_project, which
deletes `{"project": id}` from every collection) takes the files with it; `metadata` holds
it too, with the neutral owner key the caller chose (a dialect's namespace, say) and the
content type. The files document is written after its last chunk: a file is visible only
whole, and an upload that fails leaves no files document and takes its chunks back.

A crash cannot take its chunks back, nor can it make the caller record the file; so an
upload first writes a ticket (`<bucket>.uploads`), which the caller removes with `release`
just before it records the file (a crash in between leaks the file, never loses a recorded
one), and `sweep` deletes what the tickets of uploads older than STALE_UPLOAD name: their
chunks, their files document, the ticket.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection

from service.errors import BodyTooLarge, Internal, NotFound
from service.store.client import Database
from service.store.errors import database_errors, mapped
from service.store.records import now

DEFAULT_BUCKET = "files"
CHUNK_BYTES = 255 * 1024  # GridFS's default chunk size
READ_BATCH = 4  # chunks a read cursor fetches at a time (about 1 MB)
DELETE_BATCH = 500  # file ids per delete of an owner's files
STALE_UPLOAD = timedelta(days=1)  # far longer than any upload takes


class FileNotFound(NotFound):
    code = "file_not_found"


class FileTooLarge(BodyTooLarge):
    code = "file_too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(f"a file is over {limit} bytes")
        self.limit = limit


class FileCorrupt(Internal):
    code = "file_corrupt"


@dataclass(frozen=True, slots=True)
class FileInfo:
    id: str  # the files document's ObjectId, as hex
    project: str
    owner: str
    filename: str
    content_type: str
    size: int
    uploaded_at: datetime
    chunk_size: int = CHUNK_BYTES


def _info(doc: dict[str, Any]) -> FileInfo:
    meta = doc.get("metadata") or {}
    return FileInfo(
        id=str(doc["_id"]),
        project=doc["project"],
        owner=meta.get("owner", ""),
        filename=doc.get("filename", ""),
        content_type=meta.get("contentType", "application/octet-stream"),
        size=int(doc["length"]),
        uploaded_at=doc["uploadDate"],
        chunk_size=int(doc["chunkSize"]),
    )


def _object_id(file_id: str) -> ObjectId:
    if not ObjectId.is_valid(file_id):
        raise FileNotFound("no such file")
    return ObjectId(file_id)


@mapped
class Files:
    """Files in named buckets (one per purpose), each file a project's, with an owner key."""

    def __init__(self, db: Database, *, chunk_bytes: int = CHUNK_BYTES) -> None:
        self._db, self._chunk_bytes = db, chunk_bytes

    def _files(self, bucket: str) -> AsyncCollection:
        return self._db[f"{bucket}.files"]

    def _chunks(self, bucket: str) -> AsyncCollection:
        return self._db[f"{bucket}.chunks"]

    def _tickets(self, bucket: str) -> AsyncCollection:
        return self._db[f"{bucket}.uploads"]

    async def ensure_indexes(self, bucket: str = DEFAULT_BUCKET) -> None:
        """GridFS's unique (files_id, n) index, which every read and delete of a file's
        chunks uses; `project` for a project's deletion; (project, owner, uploadDate) for
        an owner's. SecantusDB uses an index only when it covers the whole filter."""
        chunks = self._chunks(bucket)
        await chunks.create_index([("files_id", ASCENDING), ("n", ASCENDING)], unique=True)
        await chunks.create_index([("project", ASCENDING)])
        await self._files(bucket).create_index(
            [("project", ASCENDING), ("metadata.owner", ASCENDING), ("uploadDate", ASCENDING)]
        )

    async def upload(
        self,
        project: str,
        owner: str,
        filename: str,
        content_type: str,
        chunks: AsyncIterable[bytes],
        *,
        max_bytes: int,
        bucket: str = DEFAULT_BUCKET,
    ) -> FileInfo:
        """Store what `chunks` yields, a GridFS chunk written as soon as it is full.
        FileTooLarge once it passes `max_bytes`; on any failure (the iterator's own
        included) the chunks written so far are deleted and the error goes on."""
        file_id = ObjectId()
        collection = self._chunks(bucket)
        ticket = {"_id": file_id, "project": project, "startedAt": now()}
        await self._tickets(bucket).insert_one(ticket)
        size = sequence = 0
        buffer = bytearray()

        async def put(data: bytes) -> None:
            nonlocal sequence
            chunk = {"files_id": file_id, "n": sequence, "data": data, "project": project}
            await collection.insert_one(chunk)
            sequence += 1

        try:
            async for piece in chunks:
                size += len(piece)
                if size > max_bytes:
                    raise FileTooLarge(max_bytes)
                buffer += piece
                while len(buffer) >= self._chunk_bytes:
                    await put(bytes(buffer[: self._chunk_bytes]))
                    del buffer[: self._chunk_bytes]
            if buffer:
                await put(bytes(buffer))
            doc = {
                "_id": file_id,
                "length": size,
                "chunkSize": self._chunk_bytes,
                "uploadDate": now(),
                "filename": filename,
                "metadata": {"project": project, "owner": owner, "contentType": content_type},
                "project": project,
            }
            await self._files(bucket).insert_one(doc)
        except BaseException:
            # Shielded: a cancelled upload (the client went away) still takes its chunks.
            with contextlib.suppress(Exception):
                await asyncio.shield(self._drop_upload(bucket, file_id))
            raise
        return _info(doc)

    async def _drop_upload(self, bucket: str, file_id: ObjectId) -> None:
        await self._drop_chunks(bucket, [file_id])
        await self._tickets(bucket).delete_one({"_id": file_id})

    async def release(self, file_ids: Iterable[str], *, bucket: str = DEFAULT_BUCKET) -> None:
        """Take these uploads off the sweep's list: the caller is about to record them,
        or has deleted them."""
        ids = [_object_id(file_id) for file_id in file_ids]
        with database_errors():
            await self._tickets(bucket).delete_many({"_id": {"$in": ids}})

    async def sweep(
        self, *, bucket: str = DEFAULT_BUCKET, older_than: timedelta = STALE_UPLOAD
    ) -> int:
        """Delete what uploads started over `older_than` ago and never committed left
        (a crashed replica's); how many."""
        stale = {"startedAt": {"$lt": now() - older_than}}
        tickets = self._tickets(bucket)
        ids = [doc["_id"] async for doc in tickets.find(stale, {"_id": 1})]
        await self._delete_files(bucket, ids)
        await tickets.delete_many({"_id": {"$in": ids}})
        return len(ids)

    async def info(self, project: str, file_id: str, *, bucket: str = DEFAULT_BUCKET) -> FileInfo:
        doc = await self._files(bucket).find_one({"_id": _object_id(file_id), "project": project})
        if doc is None:
            raise FileNotFound("no such file")
        return _info(doc)

    async def open(
        self,
        project: str,
        file_id: str,
        *,
        bucket: str = DEFAULT_BUCKET,
        start: int = 0,
        stop: int | None = None,
    ) -> tuple[FileInfo, AsyncIterator[bytes]]:
        """The file and its bytes (`read`)."""
        info = await self.info(project, file_id, bucket=bucket)
        return info, self.read(info, bucket=bucket, start=start, stop=stop)

    def read(
        self,
        info: FileInfo,
        *,
        bucket: str = DEFAULT_BUCKET,
        start: int = 0,
        stop: int | None = None,
    ) -> AsyncIterator[bytes]:
        """The bytes from `start` up to `stop` (exclusive; None: the end), fetched a few
        chunks at a time as the iterator is consumed; FileCorrupt if a chunk is missing."""
        end = info.size if stop is None else min(stop, info.size)
        return self._read(bucket, info, max(start, 0), end)

    async def _read(
        self, bucket: str, info: FileInfo, start: int, stop: int
    ) -> AsyncIterator[bytes]:
        if start >= stop:
            return
        size = info.chunk_size
        first, last = start // size, (stop - 1) // size
        expected = first
        with database_errors():
            cursor = self._chunks(bucket).find(
                {"files_id": ObjectId(info.id), "n": {"$gte": first, "$lte": last}},
                {"_id": 0, "n": 1, "data": 1},
                sort=[("n", ASCENDING)],
                batch_size=READ_BATCH,
            )
            try:
                async for chunk in cursor:
                    if chunk["n"] != expected:
                        raise FileCorrupt(f"file {info.id} misses chunk {expected}")
                    offset = expected * size
                    data = chunk["data"]
                    yield data[max(start - offset, 0) : min(stop - offset, len(data))]
                    expected += 1
            finally:
                await cursor.close()
        if expected != last + 1:
            raise FileCorrupt(f"file {info.id} misses chunk {expected}")

    async def delete(self, project: str, file_id: str, *, bucket: str = DEFAULT_BUCKET) -> bool:
        """Delete the file (its document first, so it is never seen half gone); False if
        the project had no such file. Chunks go by id alone (the index covers that)."""
        oid = _object_id(file_id)
        result = await self._files(bucket).delete_one({"_id": oid, "project": project})
        await self._drop_chunks(bucket, [oid])
        return result.deleted_count == 1

    async def delete_owned(
        self,
        project: str,
        owners: Iterable[str],
        *,
        bucket: str = DEFAULT_BUCKET,
        uploaded_before: datetime | None = None,
    ) -> int:
        """Delete the project's files of these owners (only those uploaded before
        `uploaded_before`, when given); how many."""
        where: dict[str, Any] = {"project": project, "metadata.owner": {"$in": list(owners)}}
        if uploaded_before is not None:
            where["uploadDate"] = {"$lt": uploaded_before}
        ids = [doc["_id"] async for doc in self._files(bucket).find(where, {"_id": 1})]
        await self._delete_files(bucket, ids)
        return len(ids)

    async def _delete_files(self, bucket: str, ids: list[ObjectId]) -> None:
        """Files documents first (no file is seen half gone), then chunks, in batches."""
        for at in range(0, len(ids), DELETE_BATCH):
            batch = ids[at : at + DELETE_BATCH]
            await self._files(bucket).delete_many({"_id": {"$in": batch}})
            await self._drop_chunks(bucket, batch)

    async def _drop_chunks(self, bucket: str, ids: list[ObjectId]) -> None:
        with database_errors():
            await self._chunks(bucket).delete_many({"files_id": {"$in": ids}})
