"""The suite runs on the event loop the service serves on (tests/conftest.py)."""

from __future__ import annotations

import asyncio

import uvloop


async def test_async_tests_run_on_the_serving_loop():
    assert isinstance(asyncio.get_running_loop(), uvloop.Loop)
