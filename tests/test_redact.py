"""bot.feedback.redact: what counts as a secret in a stored question, and what does not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.feedback.redact import redact


@pytest.mark.parametrize(
    ("typed", "kept", "gone"),
    [
        ("my token xoxb-12-34-abcDEF please", "my token [slack token] please", "xoxb-12"),
        ("user token XOXP-1-2-3", "user token [slack token]", "XOXP-1"),
        ("app xapp-1-A0ROLEFIT-1-abc", "app [slack token]", "xapp-1"),
        ("secret 0123456789abcdef0123456789ABCDEF.", "secret [secret].", "0123456789abcdef"),
        (
            "ask <mailto:bo.b+x@mail.example.org|bo.b+x@mail.example.org>",
            "ask <mailto:[e-mail]|[e-mail]>",
            "example.org",
        ),
    ],
)
def test_secrets_are_replaced(typed: str, kept: str, gone: str) -> None:
    assert redact(typed) == kept
    assert gone not in redact(typed)


@pytest.mark.parametrize(
    "plain",
    ["what is a tpm?", "a 31-char hex run: 0123456789abcdef0123456789abcde", "xox is not a token"],
)
def test_ordinary_text_is_kept(plain: str) -> None:
    assert redact(plain) == plain


@given(st.text(alphabet="0123456789abcdef", min_size=32, max_size=80))
def test_any_long_hex_run_is_redacted(run: str) -> None:
    assert run not in redact(f"the secret {run} leaked")
