"""The HighLevel dialect's settings and the environment variables they come from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from service.config import Table, integer, number


@dataclass(frozen=True)
class HighLevelSettings:
    """Rate limits per location and how long a replica trusts its cached definitions."""

    burst: int = 100
    burst_window_seconds: float = 10.0
    daily_limit: int = 200_000
    schema_cache_seconds: float = 5.0

    environment: ClassVar[Table] = {
        "HIGHLEVEL_BURST": ("burst", integer(1, 10**9)),
        "HIGHLEVEL_BURST_WINDOW_SECONDS": ("burst_window_seconds", number(0.001, 86_400)),
        "HIGHLEVEL_DAILY_LIMIT": ("daily_limit", integer(1, 10**12)),
        "HIGHLEVEL_SCHEMA_CACHE_SECONDS": ("schema_cache_seconds", number(0, 300)),
    }
