"""Settings parsing: defaults, every variable parsed, bad values named in the error."""

from pathlib import Path

import pytest

from service.config import ENVIRONMENT, ConfigError, Settings, load_settings


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


def test_every_settings_field_has_a_variable_documented_in_readme():
    readme = Path("README.md").read_text(encoding="utf-8")
    for variable in ENVIRONMENT:
        assert f"`{variable}`" in readme, variable
