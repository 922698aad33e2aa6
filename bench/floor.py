"""The floor: minimal aiohttp + motor handlers doing the same database work as a workload.

    python -m bench.floor --uri URI --port PORT

PUT /one/{id}   one update_one of the whole content            ("1 op", JSONBin PUT)
PUT /two/{id}   update_one of three fields, then find_one      ("2 ops", HighLevel update)
GET /read/{id}  one find_one                                   (JSONBin GET latest)
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

from aiohttp import web
from motor.motor_asyncio import AsyncIOMotorClient

RECORDS = web.AppKey("records", object)


async def put_one(request: web.Request) -> web.Response:
    body = json.loads(await request.read())
    await request.app[RECORDS].update_one(  # type: ignore[attr-defined]
        {"_id": request.match_info["id"]},
        {"$set": {"data": body, "updatedAt": datetime.now(UTC)}, "$inc": {"rev": 1}},
    )
    return web.json_response({"record": body})


async def put_two(request: web.Request) -> web.Response:
    body = json.loads(await request.read())
    records = request.app[RECORDS]
    record_id = request.match_info["id"]
    await records.update_one(  # type: ignore[attr-defined]
        {"_id": record_id},
        {"$set": {f"data.properties.{k}": v for k, v in body.items()}, "$inc": {"rev": 1}},
    )
    doc = await records.find_one({"_id": record_id})  # type: ignore[attr-defined]
    return web.json_response({"record": doc["data"]})


async def read(request: web.Request) -> web.Response:
    doc = await request.app[RECORDS].find_one({"_id": request.match_info["id"]})  # type: ignore[attr-defined]
    return web.json_response({"record": doc["data"]})


def build(uri: str) -> web.Application:
    app = web.Application()
    client: AsyncIOMotorClient = AsyncIOMotorClient(uri)
    app[RECORDS] = client["floor"]["records"]
    app.router.add_put("/one/{id}", put_one)
    app.router.add_put("/two/{id}", put_two)
    app.router.add_get("/read/{id}", read)
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--uri", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    web.run_app(build(args.uri), host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
