"""Settings from the environment only, checked at start-up with one clear line per mistake."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_PORT = 3000
DEFAULT_DB = "rolefit.db"
DEFAULT_SCOPES = (
    "app_mentions:read",
    "chat:write",
    "chat:write.public",
    "commands",
    "im:history",
)
"""The manifest's bot scopes: what an install asks for unless SLACK_SCOPES says otherwise."""
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}

_WHERE = {
    "SLACK_BOT_TOKEN": "your app's OAuth & Permissions page (Bot User OAuth Token, xoxb-...)",
    "SLACK_SIGNING_SECRET": "your app's Basic Information page (App Credentials > Signing Secret)",
    "SLACK_APP_TOKEN": (
        "your app's Basic Information page (App-Level Tokens, xapp-..., scope connections:write)"
    ),
    "SLACK_CLIENT_ID": "your app's Basic Information page (App Credentials > Client ID)",
    "SLACK_CLIENT_SECRET": "your app's Basic Information page (App Credentials > Client Secret)",
}


class ConfigError(Exception):
    """A start-up problem; its message is the one line shown to the operator."""


@dataclass(frozen=True)
class Settings:
    bot_token: str | None = None
    signing_secret: str | None = None
    app_token: str | None = None
    api_url: str = DEFAULT_API_URL
    host: str = "0.0.0.0"
    port: int = DEFAULT_PORT
    log_level: str = "INFO"
    log_format: str = "text"
    db_path: str | None = None
    record_questions: bool = True
    admins: frozenset[str] = frozenset()
    experts_channel: str | None = None
    database_url: str | None = None
    redis_url: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    scopes: tuple[str, ...] = DEFAULT_SCOPES

    @property
    def distributed(self) -> bool:
        """Distribution mode: every request is authorised from the installation store."""
        return bool(self.client_id and self.client_secret)

    @property
    def mode(self) -> str:
        """Socket Mode when an app token is set, HTTP when a signing secret is, else the console."""
        if self.app_token:
            return "socket"
        if self.signing_secret:
            return "http"
        return "console"

    def require(self, *names: str) -> None:
        values = {
            "SLACK_BOT_TOKEN": self.bot_token,
            "SLACK_SIGNING_SECRET": self.signing_secret,
            "SLACK_APP_TOKEN": self.app_token,
            "SLACK_CLIENT_ID": self.client_id,
            "SLACK_CLIENT_SECRET": self.client_secret,
        }
        for name in names:
            if not values[name]:
                raise ConfigError(f"{name} is not set: get it from {_WHERE[name]}.")


def _check(name: str, value: str | None, pattern: str, shape: str) -> str | None:
    if value is None or not value.strip():
        return None
    value = value.strip()
    if not re.fullmatch(pattern, value):
        raise ConfigError(f"{name} is malformed (expected {shape}): get it from {_WHERE[name]}.")
    return value


def _db_path(value: str | None) -> str:
    path = (value or "").strip() or DEFAULT_DB
    if path.lower().startswith("file:") or path == ":memory:" or "\x00" in path:
        raise ConfigError(
            f"ROLEFIT_DB must be a plain file path such as {DEFAULT_DB}, not an SQLite URI or "
            "an in-memory database (feedback written there would be lost)."
        )
    if os.path.isdir(os.path.expanduser(path)):
        raise ConfigError(
            f"ROLEFIT_DB is a folder ({path}): give a file path such as {path.rstrip('/')}/"
            f"{DEFAULT_DB}."
        )
    return path


def _flag(name: str, value: str | None, *, default: bool) -> bool:
    text = (value or "").strip().lower()
    if not text:
        return default
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise ConfigError(f"{name} is malformed (expected 1 or 0, got {value!r}).")


def _admins(value: str | None) -> frozenset[str]:
    ids = [item.strip() for item in (value or "").split(",") if item.strip()]
    for item in ids:
        if not re.fullmatch(r"[UW][A-Z0-9]{2,}", item):
            raise ConfigError(
                "ROLEFIT_ADMINS is malformed (expected Slack user ids separated by commas, "
                f"such as U012AB3CD,U045EF6GH; got {item!r})."
            )
    return frozenset(ids)


def _experts_channel(value: str | None) -> str | None:
    channel = (value or "").strip()
    if not channel:
        return None
    if not re.fullmatch(r"[CG][A-Z0-9]{2,}", channel):
        raise ConfigError(
            "ROLEFIT_EXPERTS_CHANNEL is malformed (expected a channel id such as C012AB3CD: "
            f"in Slack, open the channel's details and copy the id at the bottom; got {channel!r})."
        )
    return channel
def _url(name: str, value: str | None, schemes: tuple[str, ...], example: str) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme not in schemes or not re.fullmatch(r"[a-z0-9+]+://\S+", text, flags=re.I):
        raise ConfigError(f"{name} is malformed (expected a URL such as {example}).")
    return text


def _scopes(value: str | None) -> tuple[str, ...]:
    scopes = tuple(item.strip() for item in (value or "").split(",") if item.strip())
    for scope in scopes:
        if not re.fullmatch(r"[a-z_]+(:[a-z_.]+)*", scope):
            raise ConfigError(
                "SLACK_SCOPES is malformed (expected scopes separated by commas, such as "
                f"chat:write,commands; got {scope!r})."
            )
    return scopes or DEFAULT_SCOPES


def _oauth_pair(env: Mapping[str, str]) -> tuple[str | None, str | None]:
    client_id = (env.get("SLACK_CLIENT_ID") or "").strip() or None
    client_secret = (env.get("SLACK_CLIENT_SECRET") or "").strip() or None
    if client_id and not re.fullmatch(r"[0-9]+\.[0-9]+", client_id):
        raise ConfigError(
            "SLACK_CLIENT_ID is malformed (expected digits.digits): get it from "
            f"{_WHERE['SLACK_CLIENT_ID']}."
        )
    if client_secret and not re.fullmatch(r"[0-9A-Za-z]{16,128}", client_secret):
        raise ConfigError(
            "SLACK_CLIENT_SECRET is malformed (expected 16 or more letters and digits): get it "
            f"from {_WHERE['SLACK_CLIENT_SECRET']}."
        )
    for name, value in (("SLACK_CLIENT_ID", client_id), ("SLACK_CLIENT_SECRET", client_secret)):
        if (client_id or client_secret) and not value:
            raise ConfigError(
                f"{name} is not set: distribution mode needs SLACK_CLIENT_ID and "
                f"SLACK_CLIENT_SECRET; get it from {_WHERE[name]}."
            )
    return client_id, client_secret


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    bot_token = _check("SLACK_BOT_TOKEN", env.get("SLACK_BOT_TOKEN"), r"xoxb-[\w-]+", "xoxb-...")
    app_token = _check("SLACK_APP_TOKEN", env.get("SLACK_APP_TOKEN"), r"xapp-[\w-]+", "xapp-...")
    secret = _check(
        "SLACK_SIGNING_SECRET",
        env.get("SLACK_SIGNING_SECRET"),
        r"[0-9A-Za-z]{16,128}",
        "16 or more letters and digits",
    )
    api_url = (env.get("SLACK_API_URL") or DEFAULT_API_URL).strip()
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", api_url):
        raise ConfigError(
            "SLACK_API_URL is malformed (expected a URL such as https://slack.com/api/)."
        )
    if not api_url.endswith("/"):
        api_url += "/"
    port_text = (env.get("PORT") or str(DEFAULT_PORT)).strip()
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError(
            f"PORT is malformed (expected a number from 1 to 65535, got {port_text!r})."
        )
    log_format = (env.get("LOG_FORMAT") or "text").strip().lower()
    if log_format not in {"text", "json"}:
        raise ConfigError("LOG_FORMAT is malformed (expected text or json).")
    log_level = (env.get("LOG_LEVEL") or "INFO").strip().upper()
    if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError("LOG_LEVEL is malformed (expected DEBUG, INFO, WARNING or ERROR).")
    client_id, client_secret = _oauth_pair(env)
    return Settings(
        bot_token=bot_token,
        signing_secret=secret,
        app_token=app_token,
        api_url=api_url,
        port=int(port_text),
        log_level=log_level,
        log_format=log_format,
        db_path=_db_path(env.get("ROLEFIT_DB")),
        record_questions=_flag(
            "ROLEFIT_RECORD_QUESTIONS", env.get("ROLEFIT_RECORD_QUESTIONS"), default=True
        ),
        admins=_admins(env.get("ROLEFIT_ADMINS")),
        experts_channel=_experts_channel(env.get("ROLEFIT_EXPERTS_CHANNEL")),
        database_url=_url(
            "DATABASE_URL",
            env.get("DATABASE_URL"),
            ("postgresql", "postgres"),
            "postgresql://user:pass@host:5432/rolefit",
        ),
        redis_url=_url(
            "REDIS_URL", env.get("REDIS_URL"), ("redis", "rediss"), "redis://host:6379/0"
        ),
        client_id=client_id,
        client_secret=client_secret,
        scopes=_scopes(env.get("SLACK_SCOPES")),
    )
