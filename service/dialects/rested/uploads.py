"""Uploads: a `multipart/form-data` POST (a browser's FormData) with files in the field
`file`, streamed part by part into the endpoint's files, one record per file.

A file record's data is `{filename, contentType, size, metadata}`, where `metadata` holds
the request's text fields (a name sent more than once: the list of its values); its
`file` metadata links the stored bytes. The answer is an array of envelopes (or of data,
with `dataOnly=true`), one per file in the order sent, whatever their number.

Limits (RestedSettings): files a request, bytes a file, bytes of text fields. A declared
Content-Length no request within them could reach is refused before a byte is read; a
limit crossed mid-stream stops the upload there. Either way, and on any other failure
(a malformed body, a stalled or vanished client), every file and record this request
stored is deleted before the error is answered: nothing partial remains.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import BadHttpMessage

from service.core.documents import StoredRecord
from service.dialects.rested import access, messages
from service.dialects.rested.auth import Caller, require_user
from service.dialects.rested.context import Context
from service.dialects.rested.endpoints import Endpoint
from service.dialects.rested.filestore import BUCKET, FILE
from service.dialects.rested.params import flag
from service.dialects.rested.records import new_key
from service.dialects.rested.render import answer, shaped
from service.errors import Invalid, PayloadTooLarge, RequestTimeout
from service.store.files import FileInfo, FileTooLarge
from service.web.appkeys import SETTINGS, STORE

MULTIPART = "multipart/form-data"
FIELD = "file"
READ_BYTES = 256 * 1024  # asked of a part per read: about one GridFS chunk
PART_OVERHEAD = 16 * 1024  # a part's headers and boundary, for the Content-Length bound
MAX_FILENAME = 1024
DEFAULT_TYPE = "application/octet-stream"
# type/subtype with optional parameters, nothing a header could be split on.
_MEDIA_TYPE = re.compile(
    r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*"
    r'(\s*;\s*[a-z0-9!#$&^_.+-]+=("[^"\\\x00-\x1f\x7f]*"|[a-z0-9!#$&^_.+-]+))*',
    re.IGNORECASE,
)
_IDENTITY = frozenset({"", "binary", "7bit", "8bit", "identity"})
# What aiohttp's multipart reader raises for a malformed body.
_MALFORMED = (ValueError, RuntimeError, TypeError, AssertionError, BadHttpMessage)
T = TypeVar("T")


class UploadTooLarge(PayloadTooLarge):
    code = "upload_too_large"


class TooManyFiles(Invalid):
    code = "too_many_files"


class MultipartInvalid(Invalid):
    code = "multipart"


def is_upload(request: web.Request) -> bool:
    return request.content_type == MULTIPART


def media_type(given: str | None) -> str:
    """The part's declared type if it is a plain media type, else octet-stream."""
    value = (given or "").strip()
    return value if _MEDIA_TYPE.fullmatch(value) else DEFAULT_TYPE


def base_name(given: str | None) -> str:
    """The name without the directories some clients send, and without control characters."""
    name = re.split(r"[/\\]", given or "")[-1]
    name = "".join(ch for ch in name if ch.isprintable())
    if len(name) > MAX_FILENAME:
        problem = f"a file name is over {MAX_FILENAME} characters"
        raise MultipartInvalid(messages.MULTIPART_INVALID.format(problem=problem))
    return name


class Upload:
    """One request's files and text fields, and what it stored (to undo on failure)."""

    def __init__(self, request: web.Request, ctx: Context, who: Caller, endpoint: Endpoint):
        self.request, self.settings, self.who, self.endpoint = request, ctx.settings, who, endpoint
        self.store = request.app[STORE]
        self.files = self.store.files
        self.stall = request.app[SETTINGS].body_timeout_seconds
        self.stored: list[tuple[FileInfo, str]] = []  # (file, filename as sent)
        self.metadata: dict[str, Any] = {}
        self.text_bytes = 0
        self.records: list[StoredRecord] = []

    async def _within(self, step: Awaitable[T]) -> T:
        """One read of the body: a client that stalls longer than BODY_TIMEOUT_SECONDS
        between reads gets a 408; aiohttp's refusals of a malformed body a 400."""
        try:
            async with asyncio.timeout(self.stall):
                return await step
        except TimeoutError:
            raise RequestTimeout(messages.REQUEST_TIMEOUT) from None
        except _MALFORMED as exc:
            problem = (str(exc) or type(exc).__name__)[:200]
            raise MultipartInvalid(messages.MULTIPART_INVALID.format(problem=problem)) from None

    async def _parts(self) -> AsyncIterator[BodyPartReader]:
        reader = await self._within(self.request.multipart())
        while (part := await self._within(reader.next())) is not None:
            if not isinstance(part, BodyPartReader):
                problem = "a part is itself multipart"
                raise MultipartInvalid(messages.MULTIPART_INVALID.format(problem=problem))
            coding = part.headers.get("Content-Transfer-Encoding", "").strip().lower()
            if coding not in _IDENTITY or part.headers.get("Content-Encoding"):
                problem = "parts must not be encoded"
                raise MultipartInvalid(messages.MULTIPART_INVALID.format(problem=problem))
            yield part

    async def _pieces(self, part: BodyPartReader, first: bytes) -> AsyncIterator[bytes]:
        piece = first
        while piece:
            yield piece
            piece = await self._within(part.read_chunk(READ_BYTES))

    async def receive(self) -> None:
        async for part in self._parts():
            if part.name == FIELD:
                await self._file(part)
            elif part.filename is not None:
                raise Invalid(messages.FILE_FIELD)
            else:
                await self._text(part)
        if not self.stored:
            raise Invalid(messages.NO_FILE)

    async def _file(self, part: BodyPartReader) -> None:
        first = await self._within(part.read_chunk(READ_BYTES))
        if not first and not part.filename:  # a form's empty file input
            self._count(len(FIELD))  # counted, so that endless empty parts end too
            return
        limit = self.settings.max_files
        if len(self.stored) == limit:
            raise TooManyFiles(messages.TOO_MANY_FILES.format(limit=limit))
        name = base_name(part.filename)
        kind = media_type(part.headers.get("Content-Type"))
        most = self.settings.max_file_bytes
        try:
            info = await self.files.upload(
                self.endpoint.project_id,
                self.endpoint.scope.ns,
                name,
                kind,
                self._pieces(part, first),
                max_bytes=most,
                bucket=BUCKET,
            )
        except FileTooLarge:
            raise UploadTooLarge(messages.FILE_TOO_LARGE.format(limit=most)) from None
        self.stored.append((info, name))

    async def _text(self, part: BodyPartReader) -> None:
        if not part.name:
            problem = "a part has no name"
            raise MultipartInvalid(messages.MULTIPART_INVALID.format(problem=problem))
        raw = bytearray()
        self._count(len(part.name.encode()))
        while piece := await self._within(part.read_chunk(READ_BYTES)):
            self._count(len(piece))
            raw += piece
        try:
            value = raw.decode("utf-8")
        except UnicodeDecodeError:
            problem = f"the field {part.name!r} is not UTF-8 text"
            raise MultipartInvalid(messages.MULTIPART_INVALID.format(problem=problem)) from None
        known = self.metadata.get(part.name)
        if known is None:
            self.metadata[part.name] = value
        elif isinstance(known, list):
            known.append(value)
        else:
            self.metadata[part.name] = [known, value]

    def _count(self, size: int) -> None:
        self.text_bytes += size
        limit = self.settings.max_metadata_bytes
        if self.text_bytes > limit:
            raise UploadTooLarge(messages.METADATA_TOO_LARGE.format(limit=limit))

    async def record(self) -> list[StoredRecord]:
        """A record per stored file, once every part is in (text fields may come last)."""
        owner = access.owner_meta(self.endpoint, self.who)
        # Off the sweep's list first: a crash before a record leaks a file, never loses one.
        await self.files.release([info.id for info, _ in self.stored], bucket=BUCKET)
        for info, name in self.stored:
            data = {
                "filename": name,
                "contentType": info.content_type,
                "size": info.size,
                "metadata": self.metadata,
            }
            meta = {**owner, FILE: info.id}
            made = await self.store.records.create(self.endpoint.scope, new_key(), data, meta)
            self.records.append(made)
        return self.records

    async def undo(self) -> None:
        scope = self.endpoint.scope
        for record in self.records:
            with contextlib.suppress(Exception):
                await self.store.records.delete(scope, record.id)
        for info, _ in self.stored:
            with contextlib.suppress(Exception):
                await self.files.delete(scope.project, info.id, bucket=BUCKET)
        with contextlib.suppress(Exception):
            await self.files.release([info.id for info, _ in self.stored], bucket=BUCKET)


def most_bytes(ctx: Context) -> int:
    """The largest body a request within every limit can have."""
    settings = ctx.settings
    per_file = settings.max_file_bytes + PART_OVERHEAD
    return settings.max_files * per_file + settings.max_metadata_bytes + 64 * PART_OVERHEAD


async def upload_files(
    request: web.Request, ctx: Context, who: Caller, endpoint: Endpoint
) -> web.Response:
    """POST multipart/form-data: every file of the field `file` stored, a record each."""
    if endpoint.secure and not who.master:
        require_user(who)
    declared, most = request.content_length, most_bytes(ctx)
    if declared is not None and declared > most:
        raise UploadTooLarge(messages.UPLOAD_TOO_LARGE.format(limit=most))
    upload = Upload(request, ctx, who, endpoint)
    try:
        await upload.receive()
        records = await upload.record()
    except BaseException:
        # Shielded: a client gone mid-upload cancels the handler, not the clean-up.
        await asyncio.shield(upload.undo())
        raise
    data_only = flag(request, "dataOnly")
    return answer([shaped(record, data_only=data_only) for record in records])
