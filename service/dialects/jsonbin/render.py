"""JSONBin's success envelopes: exactly the keys the hosted API sends (strict clients break on
an extra one)."""

from __future__ import annotations

import json
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
    and, for a versioned write, `version`."""
    metadata: dict[str, Any] = {"parentId": bin_id, "private": private}
    if version is not None:
        metadata["version"] = version
    return _with_raw_record(raw, json.dumps(metadata))


def meta_changed(record_id: str, **metadata: Any) -> dict[str, Any]:
    """The answer to a rename or a privacy change: the id and the metadata that changed."""
    return {"record": record_id, "metadata": metadata}


def _with_raw_record(raw: bytes, metadata: str) -> web.Response:
    """`{"record": <the body as sent>, "metadata": ...}` without encoding the record again:
    for a large record that would be the costliest step of the request. `raw` is the body
    `parse_json` accepted, without its BOM: strict UTF-8 JSON, fit to echo byte for byte."""
    body = b'{"record":' + raw.strip() + b',"metadata":' + metadata.encode() + b"}"
    return web.Response(body=body, content_type="application/json")


def message(text: str, **metadata: Any) -> dict[str, Any]:
    if metadata:
        return {"metadata": metadata, "message": text}
    return {"message": text}
