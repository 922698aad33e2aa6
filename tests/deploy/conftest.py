"""Fixtures: each overlay is rendered once per test module."""

from __future__ import annotations

import pytest

from tests.deploy.manifests import OVERLAYS, Rendered, render


@pytest.fixture(scope="module", params=OVERLAYS)
def rendered(request: pytest.FixtureRequest) -> Rendered:
    return render(request.param)


@pytest.fixture(scope="module")
def dev() -> Rendered:
    return render("dev")


@pytest.fixture(scope="module")
def prod() -> Rendered:
    return render("prod")
