"""Settings: frozen dataclasses built once from the environment; bad values fail at start.

The core's knobs are `Settings`; a dialect declares its own dataclass (a *section*) with
a table of its variables, and `load_settings` reads the core table and every section's
table from the one environment, so README, code and checks see one list of variables.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Protocol, TypeVar

Parser = Callable[[str], Any]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# Environment variable -> (dataclass field, parser).
Table = Mapping[str, tuple[str, Parser]]


class ConfigError(ValueError):
    """An environment variable has a value RecordHub cannot use; the message names it."""


class Section(Protocol):
    """A dialect's settings: a frozen dataclass whose every field has a default, with
    its `environment` table (and optionally `secrets`, variables never echoed)."""

    environment: ClassVar[Table]


SectionT = TypeVar("SectionT")


def integer(low: int, high: int) -> Parser:
    def parse(raw: str) -> int:
        value = int(raw.strip())
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}")
        return value

    return parse


def number(low: float, high: float) -> Parser:
    def parse(raw: str) -> float:
        value = float(raw.strip())
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}")
        return value

    return parse


def boolean(raw: str) -> bool:
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


def _networks(raw: str) -> tuple[Network, ...]:
    """`10.0.0.0/8, 192.168.1.7`: networks or single addresses, comma separated."""
    return tuple(ipaddress.ip_network(part.strip()) for part in raw.split(",") if part.strip())


def _admin_token(raw: str) -> str | None:
    token = raw.strip()
    if not token:
        return None
    if len(token) < 16:
        raise ValueError("must be at least 16 characters")
    return token


@dataclass(frozen=True)
class Settings:
    """Every core knob, with its default; the README's configuration table mirrors this.

    `sections` holds the dialects' settings, one instance per section class; a dialect
    whose section is absent gets that section's defaults.
    """

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
    # Proxies (an ingress) whose X-Forwarded-For names the client (service.web.clients).
    trusted_proxies: tuple[Network, ...] = ()
    sections: tuple[Any, ...] = ()

    # Variable -> (field, parser). One table, so README and code agree.
    environment: ClassVar[Table] = {
        "HOST": ("host", _text),
        "PORT": ("port", integer(0, 65535)),
        "MONGODB_URI": ("mongodb_uri", _optional_text),
        "MONGODB_DB": ("mongodb_db", _db_name),
        "DATA_DIR": ("data_dir", _text),
        "ADMIN_TOKEN": ("admin_token", _admin_token),
        "LOG_LEVEL": ("log_level", _log_level),
        "MAX_BODY_BYTES": ("max_body_bytes", integer(1024, 1024**3)),
        "KEY_CACHE_SECONDS": ("key_cache_seconds", number(0, 300)),
        "READY_TIMEOUT_SECONDS": ("ready_timeout_seconds", number(0.05, 30)),
        "SHUTDOWN_GRACE_SECONDS": ("shutdown_grace_seconds", number(0, 600)),
        "KEEPALIVE_TIMEOUT_SECONDS": ("keepalive_timeout_seconds", number(0.1, 86_400)),
        "BODY_TIMEOUT_SECONDS": ("body_timeout_seconds", number(0.1, 86_400)),
        "DB_TIMEOUT_MS": ("db_timeout_ms", integer(100, 120_000)),
        "CREATE_DEMO_PROJECT": ("create_demo_project", boolean),
        "QUOTA_FREE_REQUESTS": ("quota_free_requests", integer(0, 10**12)),
        "QUOTA_PRO_REQUESTS": ("quota_pro_requests", integer(0, 10**12)),
        "TRUSTED_PROXIES": ("trusted_proxies", _networks),
    }
    # Never echoed in error messages or logs.
    secrets: ClassVar[frozenset[str]] = frozenset({"ADMIN_TOKEN", "MONGODB_URI"})

    @property
    def embedded(self) -> bool:
        """True when RecordHub must start its own database (no MONGODB_URI)."""
        return self.mongodb_uri is None

    def monthly_requests(self, plan: str) -> int:
        """The monthly request quota of a plan; 0 means unlimited."""
        return self.quota_free_requests if plan == "free" else self.quota_pro_requests

    def section(self, kind: type[SectionT]) -> SectionT:
        """The loaded settings of one section class, or its defaults."""
        for found in self.sections:
            if type(found) is kind:
                return found
        return kind()


ENVIRONMENT = Settings.environment  # the core's variables
SECRET_VARIABLES = Settings.secrets


def unmatched_fields(kind: type[Any]) -> set[str]:
    """Fields of a settings class without a variable, and variables naming no field."""
    tabled = {name for name, _ in kind.environment.values()}
    declared = {f.name for f in fields(kind)} - {"sections"}
    return tabled ^ declared


assert not unmatched_fields(Settings)


def variables(sections: Iterable[type[Section]] = ()) -> Iterator[str]:
    """Every variable RecordHub reads: the core's, then each section's."""
    kinds: list[type[Any]] = [Settings, *sections]
    for kind in kinds:
        yield from kind.environment


def load_settings(environ: Mapping[str, str], sections: Iterable[type[Section]] = ()) -> Settings:
    """Build Settings and the given sections from `environ`; raise ConfigError naming the
    first bad variable."""
    kinds = list(sections)
    seen: set[str] = set()
    for variable in variables(kinds):
        if variable in seen:  # two tables must never fight over one variable
            raise ConfigError(f"{variable} is claimed by two settings tables")
        seen.add(variable)
    loaded = tuple(_read(environ, kind) for kind in kinds)
    return _read(environ, Settings, sections=loaded)


def _read(environ: Mapping[str, str], kind: type[SectionT], **extra: Any) -> SectionT:
    values: dict[str, Any] = {}
    table: Table = kind.environment  # type: ignore[attr-defined]
    secrets: frozenset[str] = getattr(kind, "secrets", frozenset())
    for variable, (name, parse) in table.items():
        raw = environ.get(variable)
        if raw is None:
            continue
        try:
            values[name] = parse(raw)
        except ValueError as exc:
            shown = "" if variable in secrets else f"={raw!r}"
            raise ConfigError(f"{variable}{shown} is invalid: {exc}") from None
    return kind(**values, **extra)
