"""JSONBin's success envelopes: exactly the keys the hosted API sends (strict clients break on
an extra one)."""

from __future__ import annotations

import json
from json import detect_encoding
from json.encoder import encode_basestring_ascii as _quote
from typing import Any

from aiohttp import web

from service.core.times import iso_utc


def _optional(doc: dict[str, Any]) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if doc.get("name") is not None:
        extra["name"] = doc["name"]
    if doc.get("collectionId") is not None:
        extra["collectionId"] = doc["collectionId"]
    return extra


def created(raw: bytes, doc: dict[str, Any]) -> web.Response:
    """The answer to a create: the record as sent and the new bin's metadata."""
    metadata = {"id": doc["_id"], "createdAt": iso_utc(doc["createdAt"]), "private": doc["private"]}
    return _with_raw_record(raw, json.dumps({**metadata, **_optional(doc)}))


def bin_read(doc: dict[str, Any], record: Any) -> dict[str, Any]:
    metadata = {"id": doc["_id"], "private": doc["private"], "createdAt": iso_utc(doc["createdAt"])}
    return {"record": record, "metadata": {**metadata, **_optional(doc)}}


def updated(raw: bytes, bin_id: str, *, private: bool, version: int | None) -> web.Response:
    """The answer to an update (the seed's): the record as sent, then `parentId`, `private`
    and, for a versioned write, `version`. The metadata is written as json.dumps would
    write it, without json.dumps: on a PUT it cost more than the rest of the answer."""
    metadata = f'{{"parentId": {_quote(bin_id)}, "private": {"true" if private else "false"}'
    if version is not None:
        metadata += f', "version": {int(version)}'
    return _with_raw_record(raw, metadata + "}")


def meta_changed(record_id: str, **metadata: Any) -> dict[str, Any]:
    """The answer to a rename or a privacy change: the id and the metadata that changed."""
    return {"record": record_id, "metadata": metadata}


def _plain_utf8(raw: bytes) -> bool:
    """Whether a body json parsed is strict UTF-8, without decoding it again: json also takes
    UTF-16/32 and a BOM (told by the first bytes) and encoded lone surrogates (0xED...)."""
    if detect_encoding(raw) != "utf-8":
        return False
    if b"\xed" not in raw:
        return True
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _with_raw_record(raw: bytes, metadata: str) -> web.Response:
    """`{"record": <the body as sent>, "metadata": ...}` without re-serialising the record.

    The body was parsed (so it is valid JSON) and is echoed byte for byte, which saves
    encoding it again; a body that is not plain UTF-8 (a BOM, UTF-16) is re-encoded.
    """
    if not _plain_utf8(raw):
        raw = json.dumps(json.loads(raw)).encode()
    body = b'{"record":' + raw.strip() + b',"metadata":' + metadata.encode() + b"}"
    return web.Response(body=body, content_type="application/json")


def message(text: str, **metadata: Any) -> dict[str, Any]:
    if metadata:
        return {"metadata": metadata, "message": text}
    return {"message": text}
