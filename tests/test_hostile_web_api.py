"""The Web API misbehaving: bodies that are not JSON, endless Retry-After, outages at start-up."""

from __future__ import annotations

import logging

import pytest

from handlers.messages import UNDELIVERED
from tests.support import payloads
from tests.support.harness import RunningApp
from tests.support.slack_stub import SlackStub


async def test_a_bad_gateway_page_still_gets_the_person_told(
    app: RunningApp, stub: SlackStub, caplog: pytest.LogCaptureFixture
) -> None:
    """A proxy's 502 page (not JSON) through every retry: the asker hears about it privately."""
    stub.fail_text("chat.postMessage", 502, times=3)
    with caplog.at_level(logging.WARNING, logger="rolefit.handlers"):
        assert await app.event(payloads.mention("what is a tpm?", ts="1700000008.000008")) == 200
        notes = await stub.wait_for("chat.postEphemeral", timeout=10)
    assert notes[0].params["text"] == UNDELIVERED
    assert stub.delivered("chat.postMessage") == []
    failures = [r for r in caplog.records if "chat.postMessage failed" in r.getMessage()]
    assert [r.getMessage() for r in failures] == ["chat.postMessage failed: http_502"]
