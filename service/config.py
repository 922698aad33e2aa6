"""Settings: one frozen dataclass built once from the environment; bad values fail at start."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any


class ConfigError(ValueError):
    """An environment variable has a value RecordHub cannot use; the message names it."""


def _integer(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        value = int(raw.strip())
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}")
        return value

    return parse


def _number(low: float, high: float) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        value = float(raw.strip())
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}")
        return value

    return parse


def _boolean(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError("must be true or false")


def _log_level(raw: str) -> str:
    level = raw.strip().upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
    return level


def _text(raw: str) -> str:
    return raw.strip()


def _optional_text(raw: str) -> str | None:
    return raw.strip() or None


def _db_name(raw: str) -> str:
    name = raw.strip()
    if not name or any(ch in name for ch in '/\\. "$\0') or len(name) > 63:
        raise ValueError('must be a MongoDB database name (no / \\ . space " $, at most 63)')
    return name


def _admin_token(raw: str) -> str | None:
    token = raw.strip()
    if not token:
        return None
    if len(token) < 16:
        raise ValueError("must be at least 16 characters")
    return token


@dataclass(frozen=True)
class Settings:
    """Every knob, with its default; the README's configuration table mirrors this."""

    host: str = "127.0.0.1"
    port: int = 8080
    mongodb_uri: str | None = None
    mongodb_db: str = "recordhub"
    data_dir: str = "./data"
    admin_token: str | None = None
    log_level: str = "INFO"
    max_body_bytes: int = 10 * 1024 * 1024
    key_cache_seconds: float = 3.0
    ready_timeout_seconds: float = 1.0
    shutdown_grace_seconds: float = 10.0
    # A connection that has not sent a whole request header this long after it opened or
    # after its last answer is closed: idle keep-alive and slow-header clients alike.
    keepalive_timeout_seconds: float = 75.0
    body_timeout_seconds: float = 60.0  # to receive a whole request body, once reading starts
    db_timeout_ms: int = 5000
    create_demo_project: bool = True
    quota_free_requests: int = 10_000
    quota_pro_requests: int = 0
    highlevel_burst: int = 100
    highlevel_burst_window_seconds: float = 10.0
    highlevel_daily_limit: int = 200_000
    highlevel_schema_cache_seconds: float = 5.0

    @property
    def embedded(self) -> bool:
        """True when RecordHub must start its own database (no MONGODB_URI)."""
        return self.mongodb_uri is None

    def monthly_requests(self, plan: str) -> int:
        """The monthly request quota of a plan; 0 means unlimited."""
        return self.quota_free_requests if plan == "free" else self.quota_pro_requests


# Environment variable -> (Settings field, parser). One table, so README and code agree.
ENVIRONMENT: dict[str, tuple[str, Callable[[str], Any]]] = {
    "HOST": ("host", _text),
    "PORT": ("port", _integer(0, 65535)),
    "MONGODB_URI": ("mongodb_uri", _optional_text),
    "MONGODB_DB": ("mongodb_db", _db_name),
    "DATA_DIR": ("data_dir", _text),
    "ADMIN_TOKEN": ("admin_token", _admin_token),
    "LOG_LEVEL": ("log_level", _log_level),
    "MAX_BODY_BYTES": ("max_body_bytes", _integer(1024, 1024**3)),
    "KEY_CACHE_SECONDS": ("key_cache_seconds", _number(0, 300)),
    "READY_TIMEOUT_SECONDS": ("ready_timeout_seconds", _number(0.05, 30)),
    "SHUTDOWN_GRACE_SECONDS": ("shutdown_grace_seconds", _number(0, 600)),
    "KEEPALIVE_TIMEOUT_SECONDS": ("keepalive_timeout_seconds", _number(0.1, 86_400)),
    "BODY_TIMEOUT_SECONDS": ("body_timeout_seconds", _number(0.1, 86_400)),
    "DB_TIMEOUT_MS": ("db_timeout_ms", _integer(100, 120_000)),
    "CREATE_DEMO_PROJECT": ("create_demo_project", _boolean),
    "QUOTA_FREE_REQUESTS": ("quota_free_requests", _integer(0, 10**12)),
    "QUOTA_PRO_REQUESTS": ("quota_pro_requests", _integer(0, 10**12)),
    "HIGHLEVEL_BURST": ("highlevel_burst", _integer(1, 10**9)),
    "HIGHLEVEL_BURST_WINDOW_SECONDS": ("highlevel_burst_window_seconds", _number(0.001, 86_400)),
    "HIGHLEVEL_DAILY_LIMIT": ("highlevel_daily_limit", _integer(1, 10**12)),
    "HIGHLEVEL_SCHEMA_CACHE_SECONDS": ("highlevel_schema_cache_seconds", _number(0, 300)),
}

# Never echoed in error messages or logs.
SECRET_VARIABLES = frozenset({"ADMIN_TOKEN", "MONGODB_URI"})

assert {name for name, _ in ENVIRONMENT.values()} == {f.name for f in fields(Settings)}


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Build Settings from `environ`; raise ConfigError naming the first bad variable."""
    values: dict[str, Any] = {}
    for variable, (name, parse) in ENVIRONMENT.items():
        raw = environ.get(variable)
        if raw is None:
            continue
        try:
            values[name] = parse(raw)
        except ValueError as exc:
            shown = "" if variable in SECRET_VARIABLES else f"={raw!r}"
            raise ConfigError(f"{variable}{shown} is invalid: {exc}") from None
    return Settings(**values)
