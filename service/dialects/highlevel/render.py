"""HighLevel's success envelopes: records, search items, object schemas and custom fields."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from service.core.documents import StoredRecord
from service.core.times import iso_utc
from service.dialects.highlevel import objectschema

# A record written through this API, as HighLevel describes its author in search results.
_AUTHOR = {"channel": "WEB_USER", "source": "PUBLIC_API"}
_OPTIONAL_FIELD_KEYS = (
    "description",
    "placeholder",
    "options",
    "acceptedFormats",
    "allowCustomOption",
    "maxFileLimit",
)


def record(stored: StoredRecord) -> dict[str, Any]:
    content = stored.data if isinstance(stored.data, dict) else {}
    return {
        "id": stored.id,
        "owner": content.get(objectschema.OWNER, []),
        "followers": content.get(objectschema.FOLLOWERS, []),
        "properties": content.get(objectschema.PROPERTIES, {}),
        "dateAdded": iso_utc(stored.created_at),
        "dateUpdated": iso_utc(stored.updated_at),
    }


def epoch_ms(stored: StoredRecord) -> int:
    moment = stored.created_at
    if moment.tzinfo is None:  # the driver hands back naive UTC unless tz_aware
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def search_item(stored: StoredRecord, schema: objectschema.ObjectSchema) -> dict[str, Any]:
    full = record(stored)
    location = stored.project
    return {
        "id": full["id"],
        "owner": full["owner"],
        "followers": full["followers"],
        "properties": full["properties"],
        "createdAt": full["dateAdded"],
        "updatedAt": full["dateUpdated"],
        "locationId": location,
        "objectId": schema.id,
        "objectKey": schema.key,
        "createdBy": {**_AUTHOR, "createdAt": full["dateAdded"], "sourceId": location},
        "lastUpdatedBy": {**_AUTHOR, "createdAt": full["dateUpdated"], "sourceId": location},
        "searchAfter": [epoch_ms(stored), stored.id],
    }


def object_schema(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": doc["_id"],
        "standard": False,
        "key": doc["key"],
        "labels": doc["labels"],
        "description": doc.get("description"),
        "locationId": doc["project"],
        "primaryDisplayProperty": doc["primaryDisplayProperty"],
        "searchableProperties": doc.get("searchableProperties", []),
        "dateAdded": iso_utc(doc["createdAt"]),
        "dateUpdated": iso_utc(doc["updatedAt"]),
        "type": "USER_DEFINED",
    }


def field(doc: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": doc["_id"],
        "locationId": doc["project"],
        "name": doc["name"],
        "showInForms": doc["showInForms"],
        "objectKey": doc["objectKey"],
        "dataType": doc["dataType"],
        "parentId": doc.get("parentId"),
        "fieldKey": doc["key"],
        "dateAdded": iso_utc(doc["createdAt"]),
        "dateUpdated": iso_utc(doc["updatedAt"]),
    }
    out.update({key: doc[key] for key in _OPTIONAL_FIELD_KEYS if doc.get(key) is not None})
    return out
