"""The Slack app manifest and the code agree, and the manifest passes SchemaStore's schema."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, cast

import pytest
import yaml
from slack_bolt.async_app import AsyncApp

from bot.cards.replies import RoleFit
from bot.slack.services import Services

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = yaml.safe_load((ROOT / "manifest.yml").read_text("utf-8"))
SCHEMA = ROOT.parent / "shared" / "schemas" / "slack-app-manifest.schema.json"

# What each thing the code uses needs from Slack.
EVENT_SUBSCRIPTION = {
    "message": "message.im",
    "app_mention": "app_mention",
    "app_home_opened": "app_home_opened",
}
EVENT_SCOPES = {
    "message.im": "im:history",
    "app_mention": "app_mentions:read",
    "app_home_opened": None,
}
METHOD_SCOPES = {
    "chat_postMessage": "chat:write",
    "views_open": None,
    "chat_postEphemeral": "chat:write",
    "chat_update": "chat:write",
    "chat_delete": "chat:write",
    "views_publish": None,
    "conversations_open": "im:write",
    "users_info": "users:read",
    "reactions_add": "reactions:write",
}


class RecordingApp:
    """Stands in for AsyncApp during registration and records what the code listens to."""

    def __init__(self) -> None:
        self.commands: set[str] = set()
        self.events: set[str] = set()
        self.actions: list[Any] = []
        self.shortcuts: set[tuple[str, str]] = set()
        self.views: set[str] = set()

    def _decorator(self, sink: set[Any] | list[Any], key: Any) -> Any:
        if isinstance(sink, set):
            sink.add(key)
        else:
            sink.append(key)

        def register(*functions: Any, **kwargs: Any) -> Any:
            return functions[0] if functions else None

        return register

    def command(self, name: str, *_: Any, **__: Any) -> Any:
        return self._decorator(self.commands, name)

    def event(self, name: Any, *_: Any, **__: Any) -> Any:
        return self._decorator(self.events, name if isinstance(name, str) else name["type"])

    def action(self, constraint: Any, *_: Any, **__: Any) -> Any:
        return self._decorator(self.actions, constraint)

    def message_shortcut(self, callback_id: str, *_: Any, **__: Any) -> Any:
        return self._decorator(self.shortcuts, ("message", callback_id))

    def global_shortcut(self, callback_id: str, *_: Any, **__: Any) -> Any:
        return self._decorator(self.shortcuts, ("global", callback_id))

    def view(self, callback_id: str, *_: Any, **__: Any) -> Any:
        return self._decorator(self.views, callback_id)

    def error(self, function: Any) -> Any:
        return function

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: lambda *f, **k: f[0] if f else None


@pytest.fixture(scope="module")
def registered(rolefit: RoleFit) -> RecordingApp:
    from handlers import register

    app = RecordingApp()
    register(cast(AsyncApp, app), services=Services(rolefit=rolefit))
    return app


def _methods_called() -> set[str]:
    sources = [*ROOT.joinpath("bot").rglob("*.py"), *ROOT.joinpath("handlers").rglob("*.py")]
    pattern = re.compile(r"\.(chat_\w+|views_\w+|conversations_\w+|users_\w+|reactions_\w+)\(")
    return {m for path in sources for m in pattern.findall(path.read_text("utf-8"))}


def test_commands_agree(registered: RecordingApp) -> None:
    declared = {c["command"] for c in MANIFEST["features"]["slash_commands"]}
    assert declared == registered.commands
    for command in MANIFEST["features"]["slash_commands"]:
        assert command["description"] and command["usage_hint"]


def test_shortcuts_agree(registered: RecordingApp) -> None:
    declared = MANIFEST["features"]["shortcuts"]
    assert {(s["type"], s["callback_id"]) for s in declared} == registered.shortcuts
    for shortcut in declared:
        assert shortcut["name"] and shortcut["description"]


def test_posting_in_the_experts_channel_needs_no_invitation(registered: RecordingApp) -> None:
    assert registered.views, "the answer modal's submission is handled"
    assert "chat:write.public" in MANIFEST["oauth_config"]["scopes"]["bot"]


def test_events_agree(registered: RecordingApp) -> None:
    declared = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    assert declared == {EVENT_SUBSCRIPTION[e] for e in registered.events}


def test_scopes_agree(registered: RecordingApp) -> None:
    methods = _methods_called()
    assert methods, "found no Web API calls in the code"
    unknown = methods - METHOD_SCOPES.keys()
    assert not unknown, f"add these methods' scopes to the test table: {unknown}"
    needed = {METHOD_SCOPES[m] for m in methods} | {
        EVENT_SCOPES[EVENT_SUBSCRIPTION[e]] for e in registered.events
    }
    if registered.commands or registered.shortcuts:
        needed.add("commands")
    if registered.views:
        needed.add("chat:write.public")  # "Ask a person" posts where RoleFit was not invited
    needed.discard(None)
    assert set(MANIFEST["oauth_config"]["scopes"]["bot"]) == needed


def test_features_the_app_relies_on() -> None:
    features = MANIFEST["features"]
    assert features["app_home"]["home_tab_enabled"] is True
    assert features["app_home"]["messages_tab_enabled"] is True
    assert features["bot_user"]["display_name"]
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True
    assert MANIFEST["settings"]["socket_mode_enabled"] is True


def test_manifest_matches_the_published_schema() -> None:
    if not SCHEMA.is_file():
        pytest.skip(f"no schema at {SCHEMA}: SchemaStore's manifest schema is not shipped here")
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text("utf-8"))
    jsonschema.validate(MANIFEST, schema)


DISTRIBUTION = yaml.safe_load((ROOT / "manifest.distribution.yml").read_text("utf-8"))
REVOCATION_EVENTS = ("app_uninstalled", "tokens_revoked")
"""What Bolt's token revocation listeners (enabled in distribution mode) subscribe to."""


def test_the_distribution_manifest_is_the_same_app_over_http() -> None:
    """Same commands, scopes and events (plus Bolt's revocation events), HTTP URLs, no sockets."""
    from bot.config import DEFAULT_SCOPES

    assert DISTRIBUTION["display_information"] == MANIFEST["display_information"]
    assert DISTRIBUTION["oauth_config"]["scopes"] == MANIFEST["oauth_config"]["scopes"]
    assert tuple(DISTRIBUTION["oauth_config"]["scopes"]["bot"]) == DEFAULT_SCOPES
    events = set(DISTRIBUTION["settings"]["event_subscriptions"]["bot_events"])
    assert events == set(MANIFEST["settings"]["event_subscriptions"]["bot_events"]) | set(
        REVOCATION_EVENTS
    )
    commands = DISTRIBUTION["features"]["slash_commands"]
    assert [c["command"] for c in commands] == [
        c["command"] for c in MANIFEST["features"]["slash_commands"]
    ]
    settings = DISTRIBUTION["settings"]
    assert settings["socket_mode_enabled"] is False
    urls = [
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        *(c["url"] for c in commands),
    ]
    assert {url.rsplit("/", 2)[-2:] == ["slack", "events"] for url in urls} == {True}
    [redirect] = DISTRIBUTION["oauth_config"]["redirect_urls"]
    assert redirect.endswith("/slack/oauth_redirect")


def test_distribution_manifest_matches_the_published_schema() -> None:
    if not SCHEMA.is_file():
        pytest.skip(f"no schema at {SCHEMA}: SchemaStore's manifest schema is not shipped here")
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(DISTRIBUTION, json.loads(SCHEMA.read_text("utf-8")))
