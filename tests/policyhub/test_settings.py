"""Start-up refuses bad configuration, naming the variable. Each case starts a fresh
Python process, as a deployment would."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent.parent


def start(**env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=PROJECT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = start(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_it_starts_with_a_development_key_while_debug_is_on():
    result = start(DEBUG="1")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG='maybe' is not a boolean"),
        (
            "DATABASE_URL",
            "mysql://localhost/x",
            "DATABASE_URL='mysql://localhost/x' is not supported",
        ),
        ("ALLOWED_HOSTS", " , ", "ALLOWED_HOSTS is set but empty"),
        ("SECRET_KEY_FILE", "/nonexistent/secret", "SECRET_KEY_FILE: cannot read"),
    ],
)
def test_a_bad_value_stops_start_up_with_a_message_naming_the_variable(variable, value, message):
    result = start(**{"DEBUG": "1", variable: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_a_secret_key_can_come_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    result = start(DEBUG="0", SECRET_KEY_FILE=str(secret), ALLOWED_HOSTS="example.org")
    assert result.returncode == 0, result.stderr
