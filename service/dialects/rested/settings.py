"""The rested dialect's settings and the environment variables they come from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from service.config import Table, boolean, integer, number


@dataclass(frozen=True)
class RestedSettings:
    """Login cookies and sessions, throttles, caches, the bounds of a read and uploads."""

    # False only for plain-HTTP development: no client sends a Secure cookie over http://.
    cookie_secure: bool = True
    session_idle_seconds: float = 7 * 86_400
    session_lifetime_seconds: float = 30 * 86_400
    # Failed logins per project and client address, and registrations per client address.
    login_failures_per_minute: int = 10
    registrations_per_minute: int = 60
    endpoint_cache_seconds: float = 5.0
    jsonata_timeout_ms: int = 1000
    # A read of every record answers at most this many (the oldest): a bound on memory.
    max_read_records: int = 10_000
    # GET with exactly one uniqueId answers one envelope (false: an array of one).
    single_id_as_object: bool = True
    # Uploads: files a request and bytes a file (rested.dev's 10 and 100 MB), and the text
    # fields stored under `metadata` (names and values, a request).
    max_files: int = 10
    max_file_bytes: int = 100 * 1024 * 1024
    max_metadata_bytes: int = 64 * 1024

    environment: ClassVar[Table] = {
        "RESTED_COOKIE_SECURE": ("cookie_secure", boolean),
        "RESTED_SESSION_IDLE_SECONDS": ("session_idle_seconds", number(60, 10**8)),
        "RESTED_SESSION_LIFETIME_SECONDS": ("session_lifetime_seconds", number(60, 10**9)),
        "RESTED_LOGIN_FAILURES_PER_MINUTE": ("login_failures_per_minute", integer(1, 10**6)),
        "RESTED_REGISTRATIONS_PER_MINUTE": ("registrations_per_minute", integer(1, 10**6)),
        "RESTED_ENDPOINT_CACHE_SECONDS": ("endpoint_cache_seconds", number(0, 300)),
        "RESTED_JSONATA_TIMEOUT_MS": ("jsonata_timeout_ms", integer(10, 60_000)),
        "RESTED_MAX_READ_RECORDS": ("max_read_records", integer(1, 10**7)),
        "RESTED_SINGLE_ID_AS_OBJECT": ("single_id_as_object", boolean),
        "RESTED_MAX_FILES": ("max_files", integer(1, 1000)),
        "RESTED_MAX_FILE_BYTES": ("max_file_bytes", integer(1, 2**40)),
        "RESTED_MAX_FILE_METADATA_BYTES": ("max_metadata_bytes", integer(0, 16 * 1024 * 1024)),
    }
