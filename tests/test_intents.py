"""Reading subcommands from what follows /rolefit."""

from __future__ import annotations

import pytest

from bot import intents


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", intents.Help()),
        ("  help ", intents.Help()),
        ("HELP", intents.Help()),
        ("topics", intents.Topics()),
        ("compare", intents.Compare(None)),
        ("compare kpis", intents.Compare("kpis")),
        ("compare day to day", intents.Compare("day to day")),
        ("pm", intents.Profile("pm")),
        ("TPM", intents.Profile("tpm")),
        ("jd tpm", intents.JobDescription("tpm")),
        ("jd", intents.JobDescription(None)),
        ("job description pm", intents.JobDescription("pm")),
        ("decide", intents.Decide()),
        ("help me decide", intents.Decide()),
        ("Should we hire a PM or a TPM?", intents.Decide()),
        ("pm vs tpm", intents.Ask("pm vs tpm")),
        ("what is a tpm", intents.Ask("what is a tpm")),
        ("help me understand kpis", intents.Ask("help me understand kpis")),
    ],
)
def test_parse(text: str, expected: intents.Intent) -> None:
    assert intents.parse(text) == expected
