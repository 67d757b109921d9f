"""Secrets people paste into questions never reach the feedback store (or its reports)."""

from __future__ import annotations

import re

# Most specific first: a token's tail can contain a long hex run, an e-mail can too.
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bxox[a-z]-[A-Za-z0-9-]+", re.IGNORECASE), "[slack token]"),
    (re.compile(r"\bxapp-[A-Za-z0-9-]+", re.IGNORECASE), "[slack token]"),
    (re.compile(r"[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"), "[e-mail]"),
    (re.compile(r"\b[0-9a-fA-F]{32,}\b"), "[secret]"),
)


def redact(text: str) -> str:
    """`text` with Slack tokens, signing-secret-like hex runs and e-mail addresses replaced."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text
