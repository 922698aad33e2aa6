"""`GET ...?uniqueId=ID&fileOnly=true`: a file record's bytes, streamed with its content type,
for a download or an `<img>`/`<video>` tag.

Reads follow the record's access rules. A single byte range (`Range: bytes=...`) answers
206, which `<video>` seeking needs (rested's `stream=true` asks for that; every download
here honours ranges, so the flag changes nothing). The file of a record never changes,
so its id is the ETag: `If-None-Match` answers 304 without touching the bytes.

Served files are other people's content on this origin, so the answer may not run as a
page here: `nosniff`, a sandboxing Content-Security-Policy, and `attachment` for every
type a browser would render as a document (media and plain text stay `inline`).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from aiohttp import web

from service.dialects.rested import access, messages
from service.dialects.rested.auth import Caller, require_user
from service.dialects.rested.context import Context
from service.dialects.rested.endpoints import Endpoint
from service.dialects.rested.filestore import BUCKET, file_id
from service.dialects.rested.params import one_unique_id
from service.errors import Invalid, RecordNotFound
from service.store.files import FileInfo, FileNotFound
from service.web.appkeys import STORE

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
_INLINE = ("image/", "audio/", "video/", "text/plain", "application/pdf")


class NotAFile(Invalid):
    code = "not_a_file"


class RangeNotSatisfiable(Invalid):
    code = "range"  # 416 (the dialect's status table)


def disposition(info: FileInfo) -> str:
    """`inline` or `attachment`, with the name twice: a plain ASCII fallback (quotes,
    backslashes and anything else unsafe replaced) and the exact name in RFC 5987 form."""
    kind = "inline" if info.content_type.lower().startswith(_INLINE) else "attachment"
    name = info.filename or "file"
    plain = "".join(ch if " " <= ch <= "~" and ch not in '"\\' else "_" for ch in name)
    return f"{kind}; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


def byte_range(request: web.Request, info: FileInfo, etag: str) -> tuple[int, int] | None:
    """(start, stop) of the one range asked for, None for the whole file. Several ranges,
    a malformed header or an If-Range for another version: the whole file (RFC 9110
    allows ignoring Range); a range past the end: 416."""
    header = request.headers.get("Range")
    if header is None or request.headers.get("If-Range", etag) != etag:
        return None
    found = _RANGE.fullmatch(header.strip())
    if found is None or found.group(1) == found.group(2) == "":
        return None
    first, last = found.groups()
    size = info.size
    if first == "":  # the last N bytes
        start, stop = max(size - int(last), 0), size
        if int(last) == 0:
            start = stop = size
    else:
        start = int(first)
        stop = size if last == "" else min(int(last) + 1, size)
        if last != "" and int(last) < start:
            return None
    if start >= stop:
        raise RangeNotSatisfiable(
            messages.RANGE_INVALID, headers={"Content-Range": f"bytes */{size}"}
        )
    return start, stop


async def read_file(
    request: web.Request, ctx: Context, who: Caller, endpoint: Endpoint
) -> web.StreamResponse:
    """The file of one record: two round trips (the record, the file) before the bytes."""
    key = one_unique_id(request)
    if endpoint.secure and not who.master:
        require_user(who)
    store = request.app[STORE]
    record = await store.records.find(endpoint.scope, key)
    if record is None or access.hides(endpoint, who, access.owner_of(record.meta)):
        raise RecordNotFound(messages.NO_RECORD)
    linked = file_id(record.meta)
    if linked is None:
        raise NotAFile(messages.NOT_A_FILE)
    files = store.files
    try:
        info = await files.info(endpoint.project_id, linked, bucket=BUCKET)
    except FileNotFound:  # the record's delete is under way
        raise RecordNotFound(messages.NO_RECORD) from None
    etag = f'"{info.id}"'
    headers = {
        "ETag": etag,
        "Cache-Control": "private, no-cache",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Accept-Ranges": "bytes",
    }
    if etag in (part.strip() for part in request.headers.get("If-None-Match", "").split(",")):
        return web.Response(status=304, headers=headers)
    span = byte_range(request, info, etag)
    start, stop = span if span is not None else (0, info.size)
    headers |= {
        "Content-Type": info.content_type,
        "Content-Length": str(stop - start),
        "Content-Disposition": disposition(info),
    }
    if span is not None:
        headers["Content-Range"] = f"bytes {start}-{stop - 1}/{info.size}"
    body = files.read(info, bucket=BUCKET, start=start, stop=stop)
    # A Response with an iterable body, not a prepared StreamResponse: the edge still
    # adds its CORS and request-id headers before anything is sent.
    return web.Response(status=206 if span else 200, headers=headers, body=body)
