"""rested's answers: the record envelope, its `dataOnly` form, and the error body."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from service.core.documents import StoredRecord
from service.core.times import iso_utc


def envelope(record: StoredRecord) -> dict[str, Any]:
    """`{uniqueId, data, createdAt, updatedAt}`: the seed's shape, timestamps in UTC
    milliseconds."""
    return {
        "uniqueId": record.id,
        "data": record.data,
        "createdAt": iso_utc(record.created_at),
        "updatedAt": iso_utc(record.updated_at),
    }


def shaped(record: StoredRecord, *, data_only: bool) -> Any:
    return record.data if data_only else envelope(record)


def answer(value: Any, *, status: int = 200) -> web.Response:
    return web.json_response(value, status=status)


def error(message: str, status: int, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"message": message}, status=status, headers=headers)
