"""Settings come from the environment; a missing or malformed one stops start-up in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from tests.support.cli import scratch_db

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "xoxb-1234-5678-abcdefghijkl"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
APP_TOKEN = "xapp-1-A0ROLEFIT-1234-abcdef"


def test_defaults_and_mode() -> None:
    settings = load_settings({})
    assert settings.mode == "console"
    assert settings.port == 3000
    assert settings.api_url == "https://slack.com/api/"
    assert load_settings({"SLACK_SIGNING_SECRET": SECRET}).mode == "http"
    both = load_settings({"SLACK_SIGNING_SECRET": SECRET, "SLACK_APP_TOKEN": APP_TOKEN})
    assert both.mode == "socket"


def test_api_url_and_port() -> None:
    settings = load_settings({"SLACK_API_URL": "http://127.0.0.1:9000/api", "PORT": "8080"})
    assert settings.api_url == "http://127.0.0.1:9000/api/"
    assert settings.port == 8080


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_APP_TOKEN": "xoxb-not-an-app-token"}, "SLACK_APP_TOKEN"),
        ({"SLACK_SIGNING_SECRET": "short"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL"),
        ({"PORT": "eighty"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
    ],
)
def test_malformed_values_name_the_variable(env: dict[str, str], name: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(env)
    message = str(raised.value)
    assert message.startswith(name)
    assert "\n" not in message
    if name.startswith("SLACK_") and name != "SLACK_API_URL":
        assert env[name] not in message, "a secret-looking value must not be echoed"


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ROLEFIT_"))}
    clean["ROLEFIT_DB"] = str(scratch_db())
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    ("args", "env", "missing"),
    [
        (["serve"], {}, "SLACK_BOT_TOKEN"),
        (["serve"], {"SLACK_BOT_TOKEN": TOKEN}, "SLACK_SIGNING_SECRET"),
        (["socket"], {"SLACK_BOT_TOKEN": TOKEN}, "SLACK_APP_TOKEN"),
        (["socket"], {"SLACK_APP_TOKEN": APP_TOKEN}, "SLACK_BOT_TOKEN"),
        ([], {"SLACK_SIGNING_SECRET": SECRET}, "SLACK_BOT_TOKEN"),
    ],
)
def test_start_up_stops_with_one_clear_line(
    args: list[str], env: dict[str, str], missing: str
) -> None:
    result = _run(args, env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert missing in lines[0] and "get it from" in lines[0]
    for secret in env.values():
        assert secret not in result.stderr
