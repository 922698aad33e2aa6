"""The version documents the engine stores for a record, read straight from its collection."""

from __future__ import annotations

import json
from typing import Any

from service.store.records import Scope


async def stored_slots(db: Any, scope: Scope, key: Any) -> list[dict[str, Any]]:
    """Every version document of `key`, by number, whatever the record's count says."""
    found = db[scope.collection].find({"project": scope.project, "ns": {"$exists": False}})
    slots = [doc async for doc in found if json.loads(doc["_id"])[1:3] == [scope.ns, key]]
    return sorted(slots, key=lambda doc: doc["version"])
