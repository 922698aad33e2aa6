"""The benchmarks are not run by the suite (they take minutes), but they import the
service's modules: an API they use that moves must break here, not at the next `make bench`."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize(
    ("name", "entry"),
    [
        ("bench.__main__", "main"),
        ("bench.engine", "main"),
        ("bench.floor", "main"),
        ("bench.hotbin", "main"),
        ("bench.instructions", "main"),
        ("bench.dbwork", "main"),
        ("bench.concerns", "main"),
        ("bench.http", "run"),
        ("bench.report", "render"),
    ],
)
def test_every_benchmark_module_imports(name, entry):
    assert callable(getattr(importlib.import_module(name), entry))


def test_a_sample_goes_to_the_concern_of_its_innermost_named_frame():
    from bench.concerns import (
        DATABASE_CONCERNS,
        DATABASE_ENCLOSING,
        OTHER,
        SERVICE_CONCERNS,
        tally,
    )

    edge = "edge (service/web/middleware.py:70)"
    raw = "\n".join(
        [
            f"main (service/__main__.py:28);{edge};update_one (pymongo/collection.py:1) 3",
            f"main (service/__main__.py:28);{edge};compile_plan (service/core/compiler.py:9) 2",
            f"main (service/__main__.py:28);{edge};iso_utc (service/core/times.py:8) 1",
            f"main (service/__main__.py:28);{edge} 4",
            "_run_once (asyncio/base_events.py:1922) 5",
            # The floor starts its loop from aiohttp's run_app: the loop's work is still OTHER.
            "run_app (aiohttp/web.py:502);BaseEventLoop.run_forever (asyncio/base_events.py:607)"
            ";BaseEventLoop._run_once (asyncio/base_events.py:1922) 6",
            "run_app (aiohttp/web.py:502);BaseEventLoop.run_forever (asyncio/base_events.py:607)"
            ";Handle._run (asyncio/events.py:80);_handle (aiohttp/web_app.py:1) 7",
            "run_forever (asyncio/base_events.py:607);EpollSelector.select (selectors.py:468) 9",
            "Thread._bootstrap (threading.py:1002);_worker (concurrent/futures/thread.py:81) 8",
        ]
    )
    assert tally(raw, SERVICE_CONCERNS) == {
        "driver (PyMongo, BSON)": 3,
        "engine (compile, swap, guards)": 2,
        "answer (render)": 1,
        "edge (request id, CORS, metrics, access log)": 4,
        "aiohttp": 7,
        OTHER: 5 + 6,  # the selector's wait is left out
    }
    picker = "Storage._try_index_id_keys (secantus/storage.py:8509)"
    database = f"handle (secantus/commands.py:1);{picker};_doc_recordid (secantus/storage.py:2) 7"
    assert tally(database, DATABASE_CONCERNS, DATABASE_ENCLOSING) == {"index pickers": 7}
    assert tally(database, DATABASE_CONCERNS) == {"storage (documents, WiredTiger)": 7}
