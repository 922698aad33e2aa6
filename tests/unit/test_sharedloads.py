"""Concurrent callers of one key share one load; errors reach all; forget starts afresh."""

from __future__ import annotations

import asyncio

import pytest

from service.store.sharedloads import SharedLoads


class Loader:
    def __init__(self, result: object = "value", error: Exception | None = None) -> None:
        self.calls = 0
        self.release = asyncio.Event()
        self.result, self.error = result, error

    async def __call__(self) -> object:
        self.calls += 1
        await self.release.wait()
        if self.error is not None:
            raise self.error
        return self.result


async def test_concurrent_callers_share_one_load_and_a_later_caller_loads_again():
    loads, loader = SharedLoads(), Loader()
    waiting = [asyncio.ensure_future(loads.run("k", loader)) for _ in range(10)]
    await asyncio.sleep(0)
    loader.release.set()
    assert await asyncio.gather(*waiting) == ["value"] * 10
    assert loader.calls == 1
    await loads.run("k", loader)
    assert loader.calls == 2  # nothing is cached here: only loads in flight are shared


async def test_different_keys_load_separately():
    loads, loader = SharedLoads(), Loader()
    loader.release.set()
    await asyncio.gather(loads.run("a", loader), loads.run("b", loader))
    assert loader.calls == 2


async def test_an_error_reaches_every_caller():
    loads, loader = SharedLoads(), Loader(error=RuntimeError("down"))
    waiting = [asyncio.ensure_future(loads.run("k", loader)) for _ in range(3)]
    await asyncio.sleep(0)
    loader.release.set()
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert [str(r) for r in results] == ["down"] * 3 and loader.calls == 1


async def test_a_cancelled_caller_leaves_the_load_to_the_others():
    loads, loader = SharedLoads(), Loader()
    first = asyncio.ensure_future(loads.run("k", loader))
    second = asyncio.ensure_future(loads.run("k", loader))
    await asyncio.sleep(0)
    first.cancel()
    loader.release.set()
    assert await second == "value"
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_after_forget_a_caller_starts_its_own_load():
    loads, old, new = SharedLoads(), Loader("old"), Loader("new")
    before = asyncio.ensure_future(loads.run("k", old))
    await asyncio.sleep(0)
    loads.forget("k")
    new.release.set()
    assert await loads.run("k", new) == "new"
    old.release.set()
    assert await before == "old"
    assert (old.calls, new.calls) == (1, 1)


async def test_a_load_keeps_its_result_unless_its_key_was_forgotten_meanwhile():
    loads, kept = SharedLoads(), []
    first, second = Loader("first"), Loader("second")
    first.release.set()
    await loads.run("k", first, kept.append)
    assert kept == ["first"]
    stale = asyncio.ensure_future(loads.run("k", second, kept.append))
    await asyncio.sleep(0)
    loads.forget("k")
    second.release.set()
    assert await stale == "second"  # its callers still get it ...
    assert kept == ["first"]  # ... but it is not kept
