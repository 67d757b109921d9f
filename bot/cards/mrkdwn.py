"""User-typed text made safe to echo in Slack mrkdwn: no broadcasts, mentions or disguised links."""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_BACKTICK = str.maketrans({"`": "\u02cb"})
_USER_ID = re.compile(r"[UWB][A-Z0-9]{2,31}")
_CHANNEL_ID = re.compile(r"[CDG][A-Z0-9]{2,31}")


def is_user_id(value: object) -> bool:
    """Slack user (U/W) or bot (B) ids: anything else must never reach a mention."""
    return isinstance(value, str) and _USER_ID.fullmatch(value) is not None


def is_channel_id(value: object) -> bool:
    return isinstance(value, str) and _CHANNEL_ID.fullmatch(value) is not None


def user_mention(user_id: str) -> str:
    """A mention only of a well-formed id: a payload's `user.id` could carry `<!channel>`."""
    return f"<@{user_id}>" if is_user_id(user_id) else "someone"


def channel_link(channel_id: str | None) -> str | None:
    return f"<#{channel_id}>" if is_channel_id(channel_id) else None


def escape(text: str) -> str:
    """Escape the three characters Slack treats as control sequences."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def flatten(text: str) -> str:
    """User text on one line: NFC, no control or direction characters, single spaces. Doing it
    once lets a card quote a question and keep a cut of it with the same result."""
    return " ".join(_CONTROL.sub(" ", unicodedata.normalize("NFC", text)).split())


def quote_user_text(text: str, *, limit: int = 200) -> str:
    """User text made inert for echoing, as inline code so Slack neither styles nor links it."""
    flat = flatten(text)
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    flat = flat.translate(_BACKTICK)
    return f"`{escape(flat)}`" if flat else "_(nothing)_"


def shorten(text: str, limit: int) -> str:
    """Cut plain text to a Slack field limit at a word boundary, marking the cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


def bullets(items: list[str] | tuple[str, ...]) -> str:
    return "\n".join(f"• {item}" for item in items)
