"""The floor: minimal aiohttp handlers doing the same database work as a workload, on
PyMongo's asyncio API as RecordHub is, on asyncio's own event loop (or, with `--driver motor`,
on motor, the thread-pool driver RecordHub used before: its figures are the issues' original
floor; with `--driver pymongo-uvloop`, on PyMongo and uvloop, RecordHub's event loop).

    python -m bench.floor --uri URI --port PORT [--driver pymongo|motor|pymongo-uvloop]

PUT /one/{id}     one update_one of the whole content          ("1 op", JSONBin PUT)
PUT /versioned/{id}  find_one, then one update command of two    ("2 ops", JSONBin PUT
                  statements: the old content upserted as a       versioned: the same
                  version, the record replaced if unchanged       logical update)
PUT /two/{id}     update_one of three fields, then find_one    ("2 ops", HighLevel update)
GET /read/{id}    one find_one                                 (JSONBin GET latest)
PUT /rested/{id}  update_one as ?strategy= says, then find_one  ("2 ops", rested PUT;
                  for the envelope (not with ?dataOnly=true)    "1 op" with dataOnly)
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from pymongo import AsyncMongoClient, ReplaceOne, UpdateOne

RECORDS = web.AppKey("records", object)
# The floor's drivers and how a report names each; the first is RecordHub's own, the default.
DRIVERS = {
    "pymongo": "PyMongo's asyncio API, as RecordHub's, on asyncio's own event loop (RecordHub "
    "serves on uvloop)",
    "motor": "motor (`--floor-driver motor`), the issues' original floor (RecordHub is on "
    "PyMongo's asyncio API)",
    "pymongo-uvloop": "PyMongo's asyncio API on uvloop (`--floor-driver pymongo-uvloop`), as "
    "RecordHub serves",
}
DEFAULT_DRIVER = next(iter(DRIVERS))
# The stored content must be an object for a merge's paths, and of the body's kind for a
# replace: the bench's bodies are objects, so both check the same, inside the filter.
IS_OBJECT = {"data": {"$type": "object"}}


def dotted(prefix: str, body: dict[str, Any]) -> dict[str, Any]:
    """The body's top-level keys as `$set` paths under `prefix` (one level is enough for
    the bench's bodies)."""
    return {f"{prefix}.{k}": v for k, v in body.items()}


async def update(
    request: web.Request, changes: dict[str, Any], where: dict[str, Any] | None = None
) -> None:
    """One update_one of the record in the path; a 400 when nothing matched (no record, or
    one that fails `where`), as RecordHub answers."""
    done = await request.app[RECORDS].update_one(  # type: ignore[attr-defined]
        {"_id": request.match_info["id"], **(where or {})},
        {"$set": changes, "$inc": {"rev": 1}},
    )
    if not done.matched_count:
        raise web.HTTPBadRequest()


async def stored(request: web.Request) -> dict[str, Any]:
    doc: dict[str, Any] = await request.app[RECORDS].find_one(  # type: ignore[attr-defined]
        {"_id": request.match_info["id"]}
    )
    return doc


async def put_one(request: web.Request) -> web.Response:
    body = json.loads(await request.read())
    await update(request, {"data": body, "updatedAt": datetime.now(UTC)})
    return web.json_response({"record": body})


async def put_versioned(request: web.Request) -> web.Response:
    body = json.loads(await request.read())
    doc = await stored(request)
    archived = {"_id": f"{doc['_id']}:{doc['rev']}", "data": doc["data"]}
    done = await request.app[RECORDS].bulk_write(  # type: ignore[attr-defined]
        [
            ReplaceOne({"_id": archived["_id"]}, archived, upsert=True),
            UpdateOne(
                {"_id": doc["_id"], "rev": doc["rev"]},
                {"$set": {"data": body, "updatedAt": datetime.now(UTC)}, "$inc": {"rev": 1}},
            ),
        ]
    )
    if done.matched_count + done.upserted_count < 2:
        raise web.HTTPConflict()
    return web.json_response({"record": body, "metadata": {"version": doc["rev"] + 1}})


async def put_two(request: web.Request) -> web.Response:
    await update(request, dotted("data.properties", json.loads(await request.read())))
    return web.json_response({"record": (await stored(request))["data"]})


async def put_rested(request: web.Request) -> web.Response:
    body = json.loads(await request.read())
    how = request.query.get("strategy", "force")
    changes = dotted("data", body) if how == "merge" else {"data": body}
    where = None if how == "force" else IS_OBJECT  # force replaces whatever the kinds
    await update(request, {**changes, "updatedAt": datetime.now(UTC)}, where)
    if how != "merge" and request.query.get("dataOnly") == "true":
        return web.json_response(body)  # the stored content is the body: no read-back
    doc = await stored(request)
    envelope = {"uniqueId": doc["_id"], "data": doc["data"]}
    # The driver reads naive UTC datetimes; rested shows them to the millisecond, with a Z.
    for field in ("createdAt", "updatedAt"):
        envelope[field] = doc[field].isoformat(timespec="milliseconds") + "Z"
    return web.json_response(envelope)


async def read(request: web.Request) -> web.Response:
    return web.json_response({"record": (await stored(request))["data"]})


def build(uri: str, driver: str = DEFAULT_DRIVER) -> web.Application:
    app = web.Application()
    if driver == "motor":
        from motor.motor_asyncio import AsyncIOMotorClient  # a dev dependency only

        client: Any = AsyncIOMotorClient(uri)
    else:
        client = AsyncMongoClient(uri)
    app[RECORDS] = client["floor"]["records"]
    app.router.add_put("/one/{id}", put_one)
    app.router.add_put("/versioned/{id}", put_versioned)
    app.router.add_put("/two/{id}", put_two)
    app.router.add_get("/read/{id}", read)
    app.router.add_put("/rested/{id}", put_rested)
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--uri", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--driver", choices=DRIVERS, default=DEFAULT_DRIVER)
    args = parser.parse_args()
    loop = None
    if args.driver == "pymongo-uvloop":
        import uvloop

        loop = uvloop.new_event_loop()
    app = build(args.uri, args.driver)
    web.run_app(app, host="127.0.0.1", port=args.port, access_log=None, print=None, loop=loop)


if __name__ == "__main__":
    main()
