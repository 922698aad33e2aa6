"""A closed-loop load generator in its own process: N workers, one request at a time each.

    python -m bench.load SPEC_JSON  -> {"requests", "errors", "seconds", "p50_ms", "p99_ms"}

SPEC: {"method", "urls": [...], "headers", "body" (text or null), "concurrency", "seconds",
       "max_requests"?}.
Worker i uses urls[i % len(urls)], so workers can each own a record (no write contention).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import aiohttp


async def worker(session, spec, url, deadline, latencies, errors):
    body = spec.get("body")
    budget = spec.get("max_requests")
    while time.perf_counter() < deadline and (budget is None or len(latencies) < budget):
        started = time.perf_counter()
        try:
            async with session.request(
                spec["method"], url, data=body, headers=spec.get("headers")
            ) as response:
                await response.read()
                ok = response.status < 400
        except aiohttp.ClientError:
            ok = False
        latencies.append(time.perf_counter() - started)
        if not ok:
            errors.append(1)


async def run(spec: dict) -> dict:
    latencies: list[float] = []
    errors: list[int] = []
    connector = aiohttp.TCPConnector(limit=spec["concurrency"])
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        deadline = started + spec["seconds"]
        urls = spec["urls"]
        await asyncio.gather(
            *(
                worker(session, spec, urls[i % len(urls)], deadline, latencies, errors)
                for i in range(spec["concurrency"])
            )
        )
        elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 2)

    return {
        "latencies_ms": [round(x * 1000, 3) for x in latencies] if spec.get("raw") else None,
        "requests": len(latencies),
        "errors": len(errors),
        "seconds": round(elapsed, 3),
        "p50_ms": pct(0.50) if latencies else None,
        "p99_ms": pct(0.99) if latencies else None,
    }


if __name__ == "__main__":
    sys.stdout.write(json.dumps(asyncio.run(run(json.loads(sys.argv[1])))) + "\n")
