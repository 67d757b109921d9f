"""The request gate's fast readings agree with the plain ones they replace.

The gate reads every request's body on the hot path, so it reads form fields without
`urllib.parse.parse_qsl` and looks nested fields up grouped by the object they sit in. Both must
accept and refuse exactly what the plain readings do.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.local_slack import payloads
from bot.local_slack.signing import FORM, form_body
from bot.slack import server
from bot.slack.server import MalformedBody, parse_body

_FORM_ALPHABET = st.sampled_from([*"ab=&+%2F0fFgé \x00", "%C3%A9", "%FF", "%2", "%%"])
_FORM_TEXT = st.lists(_FORM_ALPHABET, max_size=30).map("".join) | st.text(max_size=40)


def _plain_form(text: str) -> dict[str, str] | None:
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True, errors="strict")
    except ValueError:
        return None
    return dict(pairs)


@settings(max_examples=500, deadline=None)
@given(text=_FORM_TEXT)
def test_form_fields_read_as_parse_qsl_reads_them(text: str) -> None:
    expected = _plain_form(text)
    if expected is None:
        with pytest.raises(MalformedBody):
            server._form_fields(text)
    else:
        assert server._form_fields(text) == expected


def test_a_real_command_reads_the_same_both_ways() -> None:
    command = payloads.command(
        "what's a TPM? 50% of us & <!channel> + more", response_url="https://hooks.slack.test/x"
    )
    raw = form_body(command)
    assert _plain_form(raw) == command
    assert parse_body(raw.encode(), FORM) == command


def _plain_nested_problem(data: dict[str, Any]) -> bool:
    """The nested checks as they read field by field, before the lookups were grouped."""
    for parent, field in server._NESTED_STRINGS:
        value = server._at(data, (parent, field))
        if value is not None and not isinstance(value, str):
            return True
    for rule, path in server._ID_PATHS:
        value = server._at(data, path)
        if value is None or value == "" or (isinstance(value, dict) and path[0] == "event"):
            continue
        if not server._ID_RULES[rule](value):
            return True
    return False


_LEAF = st.none() | st.integers() | st.sampled_from(["", "U1", "UABC", "C0AB", "T1", "x y", "é"])
_OBJECT = st.dictionaries(
    st.sampled_from(["id", "team_id", "type", "channel_id", "message_ts", "ts", "user", "team"]),
    _LEAF | st.lists(_LEAF, max_size=2),
    max_size=4,
)
_BODY = st.dictionaries(
    st.sampled_from(
        ["user", "channel", "team", "container", "message", "view", "event", "user_id",
         "channel_id", "team_id", "enterprise_id", "api_app_id", "event_id", "text"]
    ),
    _LEAF | _OBJECT,
    max_size=6,
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(data=_BODY)
def test_grouped_nested_checks_refuse_what_the_plain_ones_refuse(data: dict[str, Any]) -> None:
    def grouped_problem() -> bool:
        try:
            server._check_nested_strings(data)
            server._check_ids(data)
        except MalformedBody:
            return True
        return False

    assert grouped_problem() == _plain_nested_problem(data)
