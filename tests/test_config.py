"""Settings come from the environment; a missing or malformed one stops start-up in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

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
        ({"DATABASE_URL": "mysql://u:pw@db/x"}, "DATABASE_URL"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL"),
        ({"SLACK_CLIENT_ID": "abc", "SLACK_CLIENT_SECRET": "x" * 20}, "SLACK_CLIENT_ID"),
        ({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "sh0rt"}, "SLACK_CLIENT_SECRET"),
        ({"SLACK_SCOPES": "chat:write,<script>"}, "SLACK_SCOPES"),
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


def test_scale_out_settings() -> None:
    settings = load_settings(
        {
            "DATABASE_URL": "postgres://u:p@db:5432/rolefit",
            "REDIS_URL": "redis://cache:6379/2",
            "SLACK_CLIENT_ID": "1111.2222",
            "SLACK_CLIENT_SECRET": "0123456789abcdef0123",
            "SLACK_SCOPES": "chat:write, commands",
        }
    )
    assert settings.database_url == "postgres://u:p@db:5432/rolefit"
    assert settings.redis_url == "redis://cache:6379/2"
    assert settings.distributed and settings.scopes == ("chat:write", "commands")
    defaults = load_settings({})
    assert defaults.database_url is None and defaults.redis_url is None
    assert not defaults.distributed
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    assert list(defaults.scopes) == sorted(manifest["oauth_config"]["scopes"]["bot"])


def test_distribution_mode_needs_both_client_settings() -> None:
    with pytest.raises(ConfigError, match=r"^SLACK_CLIENT_SECRET is not set"):
        load_settings({"SLACK_CLIENT_ID": "1111.2222"})
    with pytest.raises(ConfigError, match=r"^SLACK_CLIENT_ID is not set"):
        load_settings({"SLACK_CLIENT_SECRET": "0123456789abcdef0123"})


def test_distribution_mode_serves_without_a_bot_token_and_hides_secrets(tmp_path: Path) -> None:
    """Unreachable PostgreSQL at start: one clear line, exit 1, no password in the output."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_CLIENT_ID": "1111.2222",
        "SLACK_CLIENT_SECRET": "0123456789abcdef0123",
        "DATABASE_URL": "postgresql://rolefit:hunter2hunter2@127.0.0.1:9/rolefit",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "rolefit: cannot create the OAuth tables" in done.stderr
    assert "hunter2" not in done.stderr and "Traceback" not in done.stderr


def test_socket_mode_refuses_distribution_settings() -> None:
    env = {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_CLIENT_ID": "1111.2222",
        "SLACK_CLIENT_SECRET": "0123456789abcdef0123",
    }
    result = _run(["socket"], env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "rolefit: SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set: distribution mode runs in "
        "HTTP mode (rolefit serve); unset them for Socket Mode."
    ]
