"""Memory, files and text that try to exhaust the process: long questions, big ids, bombs."""

from __future__ import annotations

import pytest

from bot.cards.common import Surface
from bot.cards.replies import MAX_TEXT, RoleFit
from handlers.events import mention_text

LONG = "what is a tpm? " + "\ufdfa" * 100_000


@pytest.mark.parametrize("entry", ["reply", "answer"])
def test_a_long_question_is_cut_before_it_is_normalised(rolefit: RoleFit, entry: str) -> None:
    """Item 14: what the matcher is handed (and keeps) is at most Slack's 4,000 characters."""
    reply = getattr(rolefit, entry)(LONG, surface=Surface.PRIVATE)
    assert reply.match is not None
    assert len(reply.match.question) <= MAX_TEXT
    assert reply.match.question.startswith("what is a tpm?")


def test_a_long_mention_is_cut_before_the_mention_is_removed() -> None:
    text = mention_text("<@UBOT0001> what is a tpm? " + "x" * 100_000)
    assert text.startswith("what is a tpm?")
    assert len(text) <= MAX_TEXT
