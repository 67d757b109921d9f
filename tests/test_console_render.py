"""The console's Block Kit renderer: tables, mrkdwn, numbered buttons, colour only when wanted."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.cards.common import Surface
from bot.cards.replies import RoleFit
from bot.console.render import (
    PLAIN,
    Palette,
    column_widths,
    mrkdwn,
    render_blocks,
    strip_ansi,
    table,
    use_color,
    visible_width,
    wrap,
)

COLOR = Palette(color=True, me="U0ME", bot="U0BOT")
SGR = re.compile(r"\x1b\[[0-9;]*m")
CARD_INPUTS = ("help", "topics", "compare", "compare kpis", "pm", "tpm", "jd tpm", "jd")


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def columns_of(line: str) -> list[int]:
    """Visible positions of the column separators in a table line."""
    plain = strip_ansi(line)
    return [visible_width(plain[: m.start()]) for m in re.finditer("[│╪┼]", plain)]


# -- tables ---------------------------------------------------------------------------------------


def test_table_columns_line_up_on_every_line_and_wrap_inside_their_column() -> None:
    rows = [
        ["Area", "Product Manager", "Technical Product Manager"],
        ["Focus", "Customer outcomes", "Feasibility"],
        ["KPIs", "Activation, retention, NPS, revenue, CAC/LTV and a lot more words " * 2, "SLOs"],
    ]
    lines = table(rows, width=60)
    assert all(visible_width(line) <= 60 for line in lines)
    separators = {tuple(columns_of(line)) for line in lines if columns_of(line)}
    assert len(separators) == 1, lines
    assert strip_ansi(lines[0]).startswith("Area ")
    assert "Activation," in "\n".join(lines)
    kpi_lines = [line for line in lines if line.startswith("KPIs") or line.startswith("    ")]
    assert len(kpi_lines) > 1, "the long cell wraps onto more lines"


def test_narrow_columns_keep_their_width_and_wide_ones_share_the_rest() -> None:
    assert column_widths([4, 10, 10], 40) == [4, 10, 10]
    widths = column_widths([4, 80, 80], 60)
    assert widths[0] == 4
    assert sum(widths) <= 60
    assert abs(widths[1] - widths[2]) <= 1


def test_table_cells_align_right_and_rows_missing_cells_are_padded() -> None:
    lines = table([["Name", "Score"], ["a", "7"], ["bbbbbb"]], width=40, align=["left", "right"])
    assert strip_ansi(lines[2]).endswith("    7")
    assert strip_ansi(lines[3]).startswith("bbbbbb")
    assert len({tuple(columns_of(line)) for line in lines}) == 1


def test_the_compare_card_table_is_aligned(rolefit: RoleFit) -> None:
    card = rolefit.reply("compare", surface=Surface.PRIVATE).card
    assert card is not None
    lines = render_blocks(card.blocks, text=card.text, width=100).lines
    table_lines = [line for line in lines if "│" in line or "╪" in line]
    assert len(table_lines) > len(rolefit.knowledge.snapshot)
    assert len({tuple(columns_of(line)) for line in table_lines}) == 1
    for area in rolefit.knowledge.snapshot:
        assert any(line.startswith(area.name) for line in table_lines), area.name


def test_rich_text_cells_are_rendered() -> None:
    cell = {
        "type": "rich_text",
        "elements": [
            {
                "type": "rich_text_section",
                "elements": [
                    {"type": "text", "text": "fast", "style": {"bold": True}},
                    {"type": "text", "text": " and "},
                    {"type": "link", "url": "https://example.com", "text": "docs"},
                ],
            }
        ],
    }
    block = {"type": "table", "rows": [[{"type": "raw_text", "text": "H"}], [cell]]}
    text = "\n".join(render_blocks([block]).lines)
    assert "fast and docs (https://example.com)" in text


# -- mrkdwn ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "plain"),
    [
        ("*bold* and _italic_ and ~gone~", "bold and italic and gone"),
        ("<https://example.com|the docs>", "the docs (https://example.com)"),
        ("<https://example.com>", "https://example.com"),
        ("&lt;b&gt; &amp; &amp;lt;", "<b> & &lt;"),
        ("<@U0ME> and <@U0BOT> and <@U0OTHER>", "@you and @RoleFit and @U0OTHER"),
        ("<!here> <#C0GEN|general>", "@here #general"),
        (":thumbsup: :white_check_mark: :not_an_emoji:", "👍 ✅ :not_an_emoji:"),
        ("snake_case_name and 2*3*4", "snake_case_name and 2*3*4"),
        ("*not closed and _not either", "*not closed and _not either"),
        ("`*code* stays &lt;raw&gt;`", "`*code* stays <raw>`"),
        ("*<https://x.test|bold link>*", "bold link (https://x.test)"),
        ("&gt; quoted line", "│ quoted line"),
        ("at 10:30:45 sharp", "at 10:30:45 sharp"),
    ],
)
def test_mrkdwn_renders_to_plain_text(source: str, plain: str) -> None:
    assert mrkdwn(source, Palette(me="U0ME", bot="U0BOT")) == plain


def test_mrkdwn_in_colour_uses_bold_italic_strike_and_dims_link_targets() -> None:
    text = mrkdwn("*b* _i_ ~s~ <https://x.test|x>", COLOR)
    assert "\x1b[1mb\x1b[22m" in text
    assert "\x1b[3mi\x1b[23m" in text
    assert "\x1b[9ms\x1b[29m" in text
    assert "\x1b[2m (https://x.test)\x1b[22m" in text
    assert strip_ansi(text) == "b i s x (https://x.test)"


def test_bold_inside_a_dim_context_line_keeps_the_rest_dim() -> None:
    block = {"type": "context", "elements": [{"type": "mrkdwn", "text": "a *b* c"}]}
    (line,) = render_blocks([block], palette=COLOR).lines
    after_bold = line[line.index("\x1b[22m") :]
    assert after_bold.startswith("\x1b[22m\x1b[2m"), repr(line)


# -- wrapping -------------------------------------------------------------------------------------


def test_bullets_wrap_with_a_hanging_indent() -> None:
    lines = wrap("• " + "word " * 30, 40)
    assert len(lines) > 1
    assert all(line.startswith("  ") for line in lines[1:])
    assert all(visible_width(line) <= 40 for line in lines)


def test_wide_characters_count_twice() -> None:
    assert visible_width("👍 ok") == 5
    lines = wrap("👍👍👍👍👍👍", 5)
    assert all(visible_width(line) <= 5 for line in lines)
    assert "".join(lines) == "👍👍👍👍👍👍"


def test_styles_do_not_bleed_across_wrapped_lines() -> None:
    text = COLOR.paint("one two three four five six", ("1", "22"))
    lines = wrap(text, 10)
    assert len(lines) > 1
    for line in lines:
        assert line.startswith("\x1b[1m"), repr(line)
        assert line.endswith(("\x1b[0m", "\x1b[22m")), repr(line)


words = st.text(alphabet="abcdefghij*_", min_size=1, max_size=12)


@given(st.lists(words, min_size=1, max_size=40), st.integers(min_value=12, max_value=120))
def test_wrapping_keeps_every_word_and_the_width(parts: list[str], width: int) -> None:
    text = " ".join(parts)
    lines = wrap(text, width)
    assert all(visible_width(line) <= width for line in lines)
    assert " ".join(lines).split() == text.split()


# -- buttons --------------------------------------------------------------------------------------


def _button(text: str, action_id: str, **extra: str) -> dict[str, object]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "action_id": action_id,
        "value": "v",
        **extra,
    }


def test_buttons_are_numbered_in_reading_order_across_blocks() -> None:
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Pick"}},
        {
            "type": "actions",
            "block_id": "first",
            "elements": [_button("Share in channel", "a.0"), _button(":thumbsup: Helpful", "a.1")],
        },
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "More"},
            "accessory": _button("Side", "acc"),
        },
        {"type": "actions", "elements": [_button("Last", "b")]},
    ]
    out = render_blocks(blocks, first_number=3)
    text = "\n".join(out.lines)
    assert "[3] Share in channel  [4] 👍 Helpful" in text
    assert "[5] Side" in text
    assert "[6] Last" in text
    assert [b["action_id"] for b in out.buttons] == ["a.0", "a.1", "acc", "b"]
    assert out.buttons[0]["block_id"] == "first"


def test_many_buttons_flow_onto_lines_that_fit_the_width() -> None:
    blocks = [
        {
            "type": "actions",
            "elements": [_button(f"Choice number {i}", f"c.{i}") for i in range(12)],
        }
    ]
    lines = render_blocks(blocks, width=50).lines
    assert len(lines) > 2
    assert all(visible_width(line) <= 50 for line in lines)
    assert all(re.match(r"^\[\d+\] ", line) for line in lines), "a button never splits"


def test_without_blocks_the_message_text_is_shown() -> None:
    out = render_blocks([], text=":pray: Thanks! *Glad* it helped.")
    assert out.lines == ["🙏 Thanks! Glad it helped."]
    assert out.buttons == []


# -- colour ---------------------------------------------------------------------------------------


def test_colour_only_on_a_terminal_and_never_with_no_color() -> None:
    assert use_color(FakeTty(), {}) is True
    assert use_color(io.StringIO(), {}) is False
    assert use_color(FakeTty(), {"NO_COLOR": "1"}) is False
    assert use_color(FakeTty(), {"TERM": "dumb"}) is False


def test_real_cards_render_without_escape_codes_in_plain_mode_and_fit_the_width(
    rolefit: RoleFit,
) -> None:
    for text in (*CARD_INPUTS, "what is a tpm", "banana bread"):
        card = rolefit.reply(text, surface=Surface.PRIVATE).card
        assert card is not None
        for width in (60, 100):
            plain = render_blocks(card.blocks, text=card.text, width=width, palette=PLAIN)
            assert "\x1b" not in "\n".join(plain.lines), text
            assert all(visible_width(line) <= width for line in plain.lines), text
            colored = render_blocks(card.blocks, text=card.text, width=width, palette=COLOR)
            assert SGR.search("\n".join(colored.lines)), text
            assert all(visible_width(line) <= width for line in colored.lines), text
            assert len(plain.buttons) == len(colored.buttons)
