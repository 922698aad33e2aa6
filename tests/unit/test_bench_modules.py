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
        ("bench.http", "run"),
        ("bench.report", "render"),
    ],
)
def test_every_benchmark_module_imports(name, entry):
    assert callable(getattr(importlib.import_module(name), entry))
