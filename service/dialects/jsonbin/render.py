"""JSONBin's success envelopes: exactly the keys the hosted API sends (strict clients break on
an extra one)."""

from __future__ import annotations

from typing import Any

from service.core.times import iso_utc


def _optional(doc: dict[str, Any]) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if doc.get("name") is not None:
        extra["name"] = doc["name"]
    if doc.get("collectionId") is not None:
        extra["collectionId"] = doc["collectionId"]
    return extra


def bin_created(doc: dict[str, Any], record: Any) -> dict[str, Any]:
    metadata = {"id": doc["_id"], "createdAt": iso_utc(doc["createdAt"]), "private": doc["private"]}
    return {"record": record, "metadata": {**metadata, **_optional(doc)}}


def bin_read(doc: dict[str, Any], record: Any) -> dict[str, Any]:
    metadata = {"id": doc["_id"], "private": doc["private"], "createdAt": iso_utc(doc["createdAt"])}
    return {"record": record, "metadata": {**metadata, **_optional(doc)}}


def bin_updated(bin_id: str, record: Any, *, private: bool, version: int | None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"parentId": bin_id, "private": private}
    if version is not None:
        metadata["version"] = version
    return {"record": record, "metadata": metadata}


def message(text: str, **metadata: Any) -> dict[str, Any]:
    if metadata:
        return {"metadata": metadata, "message": text}
    return {"message": text}
