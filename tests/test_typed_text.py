"""Slack's markup in what people type: read as the words they meant, nothing more."""

from __future__ import annotations

import pytest

from bot.slack.context import typed_text


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("<@U0123ABC> what is a tpm?", "what is a tpm?"),
        ("what is a tpm :thinking_face: :+1: :skin-tone-2:", "what is a tpm"),
        ("pm vs tpm <https://example.com/post|this post>", "pm vs tpm this post"),
        ("see <https://example.com/a?b=1> first", "see first"),
        ("<!here> <!subteam^S123|@pms> hi <#C0123|general>", "hi"),
        ("PM &lt;-&gt; TPM &amp; design", "PM <-> TPM & design"),
        ("meet at 10:30, ok?", "meet at 10:30, ok?"),
        ("first line\nsecond line?", "first line\nsecond line?"),
    ],
)
def test_markup_goes_and_words_stay(text: str, plain: str) -> None:
    assert typed_text(text) == plain
