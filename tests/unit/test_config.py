"""Settings parsing: defaults, every variable parsed, bad values named in the error, and
the dialects' sections read from the same environment."""

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest

from service.app import settings_sections
from service.config import (
    ConfigError,
    Settings,
    Table,
    integer,
    load_settings,
    unmatched_fields,
    variables,
)
from service.dialects.highlevel.settings import HighLevelSettings


@dataclass(frozen=True)
class ClashingSection:
    """A section that claims a core variable."""

    port: int = 1
    environment: ClassVar[Table] = {"PORT": ("port", integer(0, 9))}


def test_defaults_when_environment_is_empty():
    settings = load_settings({})
    assert settings == Settings()
    assert settings.embedded is True
    assert settings.port == 8080


def test_values_are_parsed_from_their_variables():
    settings = load_settings(
        {
            "HOST": "0.0.0.0",
            "PORT": "9000",
            "MONGODB_URI": "mongodb://db:27017/?replicaSet=rs0",
            "MONGODB_DB": "records",
            "ADMIN_TOKEN": "a" * 32,
            "LOG_LEVEL": "debug",
            "MAX_BODY_BYTES": "2048",
            "KEY_CACHE_SECONDS": "0.5",
            "CREATE_DEMO_PROJECT": "false",
        }
    )
    assert settings.host == "0.0.0.0"
    assert settings.port == 9000
    assert settings.embedded is False
    assert settings.mongodb_db == "records"
    assert settings.log_level == "DEBUG"
    assert settings.max_body_bytes == 2048
    assert settings.key_cache_seconds == 0.5
    assert settings.create_demo_project is False


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PORT", "eighty"),
        ("PORT", "70000"),
        ("MAX_BODY_BYTES", "12"),
        ("LOG_LEVEL", "LOUD"),
        ("MONGODB_DB", "bad.name"),
        ("CREATE_DEMO_PROJECT", "perhaps"),
        ("KEY_CACHE_SECONDS", "-1"),
    ],
)
def test_invalid_value_fails_naming_the_variable(variable, value):
    with pytest.raises(ConfigError, match=f"^{variable}"):
        load_settings({variable: value})


def test_secret_values_are_not_echoed_in_errors():
    with pytest.raises(ConfigError) as caught:
        load_settings({"ADMIN_TOKEN": "short-secret"})
    assert "ADMIN_TOKEN" in str(caught.value)
    assert "short-secret" not in str(caught.value)


def test_blank_mongodb_uri_means_embedded():
    assert load_settings({"MONGODB_URI": "  "}).embedded is True


def test_every_variable_of_the_core_and_the_dialects_is_documented_in_readme():
    readme = Path("README.md").read_text(encoding="utf-8")
    listed = list(variables(settings_sections()))
    assert "HIGHLEVEL_BURST" in listed
    for variable in listed:
        assert f"`{variable}`" in readme, variable


@pytest.mark.parametrize("kind", [Settings, *settings_sections()])
def test_every_settings_field_has_exactly_one_variable(kind):
    assert unmatched_fields(kind) == set()


def test_dialect_variables_are_read_into_their_section():
    environ = {
        "HIGHLEVEL_BURST": "7",
        "HIGHLEVEL_BURST_WINDOW_SECONDS": "2.5",
        "HIGHLEVEL_DAILY_LIMIT": "900",
        "HIGHLEVEL_SCHEMA_CACHE_SECONDS": "0",
        "PORT": "9000",
    }
    settings = load_settings(environ, settings_sections())

    assert settings.port == 9000
    assert settings.section(HighLevelSettings) == HighLevelSettings(
        burst=7, burst_window_seconds=2.5, daily_limit=900, schema_cache_seconds=0
    )


def test_a_section_keeps_its_defaults_when_unset_or_not_loaded():
    assert load_settings({}, settings_sections()).section(HighLevelSettings) == HighLevelSettings()
    assert Settings().section(HighLevelSettings) == HighLevelSettings(
        burst=100, burst_window_seconds=10.0, daily_limit=200_000, schema_cache_seconds=5.0
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [("HIGHLEVEL_BURST", "0"), ("HIGHLEVEL_BURST_WINDOW_SECONDS", "soon")],
)
def test_invalid_dialect_value_fails_naming_the_variable(variable, value):
    with pytest.raises(ConfigError, match=f"^{variable}='{value}' is invalid"):
        load_settings({variable: value}, settings_sections())


def test_two_tables_claiming_one_variable_fail_at_load():
    with pytest.raises(ConfigError, match=r"^PORT is claimed by two settings tables"):
        load_settings({}, [ClashingSection])
