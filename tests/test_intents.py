"""Reading subcommands from what follows /rolefit."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.answers import intents
from bot.answers.text_norm import clean


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


_WORDS = (
    "jd job description sample for a an pm tpm product manager technical compare comparison "
    "snapshot side by kpis profile role the my help decide topics what is x"
).split()


@settings(max_examples=300, deadline=None)
@example("sample job description for a technical product manager")
@example("side by side day to day")
@example("role product")
@given(text=st.lists(st.sampled_from(_WORDS), min_size=1, max_size=7).map(" ".join))
def test_only_a_subcommand_word_can_start_a_subcommand(text: str) -> None:
    """`parse` tries the subcommand patterns only after one of `_STARTS`; any text those
    patterns read as a subcommand must start with one, or `parse` would miss it."""
    words = clean(text)
    found = intents._subcommand(words)
    if found is not None:
        assert words.partition(" ")[0] in intents._STARTS
        assert intents.parse(text) == found
