"""Configuration: read from the environment once, checked, frozen; a bad value stops the function
at start-up with the variable named, rather than a bare ValueError or a misbehaving request."""

import dataclasses
import os
import subprocess
import sys

import pytest

from course_service.common.settings import ConfigurationError, Settings


def test_an_empty_environment_gives_the_documented_defaults():
    config = Settings.from_environment({})

    assert (config.table_name, config.idempotency_table_name) == ("courses", "courses-idempotency")
    assert (config.connect_timeout_seconds, config.read_timeout_seconds, config.max_retry_attempts) == (1, 2, 2)
    assert (config.dynamodb_endpoint, config.region, config.cors_allow_origin) == (None, "us-east-1", "")
    assert config.tracing_enabled


def test_values_from_the_environment_are_read_as_their_types():
    config = Settings.from_environment(
        {
            "TABLE_NAME": "t",
            "DYNAMODB_READ_TIMEOUT": "0.5",
            "DYNAMODB_MAX_RETRIES": "0",
            "POWERTOOLS_TRACE_DISABLED": " True ",
            "CORS_ALLOW_ORIGIN": " https://a.example ",
        }
    )

    assert (config.table_name, config.idempotency_table_name) == ("t", "t-idempotency")
    assert (config.read_timeout_seconds, config.max_retry_attempts) == (0.5, 0)
    assert not config.tracing_enabled
    assert config.cors_allow_origin == "https://a.example"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DYNAMODB_READ_TIMEOUT", "abc"),
        ("DYNAMODB_CONNECT_TIMEOUT", "0"),
        ("DYNAMODB_READ_TIMEOUT", "nan"),
        ("DYNAMODB_CONNECT_TIMEOUT", "inf"),
        ("DYNAMODB_MAX_RETRIES", "1.5"),
        ("DYNAMODB_MAX_RETRIES", "-1"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(variable, value):
    with pytest.raises(ConfigurationError, match=f"{variable}={value!r}"):
        Settings.from_environment({variable: value})


def test_settings_cannot_change_once_read():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings.from_environment({}).table_name = "other"


def test_a_function_with_a_bad_timeout_fails_at_import_with_the_variable_named():
    env = {**os.environ, "DYNAMODB_READ_TIMEOUT": "abc", "PYTHONPATH": os.pathsep.join(sys.path)}
    started = subprocess.run(
        [sys.executable, "-c", "import course_service.common.settings"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert started.returncode != 0
    assert "ConfigurationError: DYNAMODB_READ_TIMEOUT='abc'" in started.stderr
