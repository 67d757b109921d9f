"""Secrets and addresses taken out of text before it is stored or shown to other people."""

from __future__ import annotations

import re

_SECRETS = re.compile(
    r"xox[a-z]-[A-Za-z0-9-]+"  # Slack bot, user and legacy tokens
    r"|xapp-[A-Za-z0-9-]+"  # Slack app-level tokens
    r"|\b[0-9a-fA-F]{32,}\b"  # signing secrets, API keys and other long hex runs
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail addresses
)
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """People paste tokens and addresses into questions; nobody else should read them."""
    return _SECRETS.sub(REDACTED, text)
