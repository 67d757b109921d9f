"""Every card the app can send is valid Block Kit within Slack's limits, with a text fallback."""

from __future__ import annotations

import json

import pytest

from bench.questions import questions
from bot.cards import refs
from bot.cards.answer import AnswerBlocks, answer_card
from bot.cards.common import OPEN, SHARE, Card, Surface, message_json
from bot.cards.help import help_card, home_view, short_help_card
from bot.cards.replies import RoleFit
from bot.knowledge.model import FaqEntry, Knowledge
from bot.local_slack.payloads import buttons
from tests.support.blockkit import all_text, check_message, check_view


def test_every_entry_renders_on_both_surfaces(knowledge: Knowledge, rolefit: RoleFit) -> None:
    for entry in knowledge.entries:
        for surface in Surface:
            card = rolefit.render(refs.entry(entry.id), surface=surface)
            assert card is not None
            check_message(card.message())
            assert entry.question in card.text


def test_longest_answer_fits(knowledge: Knowledge, rolefit: RoleFit) -> None:
    longest = max(knowledge.entries, key=lambda e: len(e.answer))
    card = rolefit.render(refs.entry(longest.id), surface=Surface.PRIVATE, shared_by="U123ABC")
    assert card is not None
    check_message(card.message())
    assert longest.answer in all_text(card.blocks)


def test_share_button_only_on_private_cards(rolefit: RoleFit, knowledge: Knowledge) -> None:
    entry = knowledge.entries[0]
    private = rolefit.render(refs.entry(entry.id), surface=Surface.PRIVATE)
    public = rolefit.render(refs.entry(entry.id), surface=Surface.PUBLIC)
    assert private is not None and public is not None
    assert any(b["action_id"] == SHARE for b in buttons(private.blocks))
    assert not any(b["action_id"] == SHARE for b in buttons(public.blocks))


@pytest.mark.parametrize(
    "ref",
    [
        refs.compare(),
        refs.profile("pm"),
        refs.profile("tpm"),
        refs.jd("pm"),
        refs.jd("tpm"),
        refs.TOPICS,
        refs.HELP,
    ],
)
def test_reference_cards_are_valid(rolefit: RoleFit, ref: str) -> None:
    for surface in Surface:
        card = rolefit.render(ref, surface=surface, shared_by="U0ALICE01")
        assert card is not None, ref
        check_message(card.message())


def test_every_area_and_topic_card_is_valid(rolefit: RoleFit, knowledge: Knowledge) -> None:
    for area in knowledge.areas:
        card = rolefit.render(refs.compare(area.id), surface=Surface.PRIVATE)
        assert card is not None
        check_message(card.message())
        assert area.pm in all_text(card.blocks) and area.tpm in all_text(card.blocks)
    for topic in knowledge.topics():
        card = rolefit.render(refs.topic(topic), surface=Surface.PUBLIC)
        assert card is not None
        check_message(card.message())


def test_comparison_table_has_all_eight_areas(rolefit: RoleFit, knowledge: Knowledge) -> None:
    card = rolefit.render(refs.compare(), surface=Surface.PRIVATE)
    assert card is not None
    [table] = [b for b in card.blocks if b["type"] == "table"]
    assert len(table["rows"]) == 9
    assert [row[0]["text"] for row in table["rows"][1:]] == [a.name for a in knowledge.snapshot]


def test_every_open_button_leads_somewhere(rolefit: RoleFit, knowledge: Knowledge) -> None:
    """Follow every card-reference button from every card: none is stale."""
    seen: set[str] = set()
    queue = [refs.HELP, refs.compare(), refs.TOPICS, refs.profile("pm"), refs.profile("tpm")]
    queue += [refs.entry(e.id) for e in knowledge.entries]
    while queue:
        ref = queue.pop()
        if ref in seen:
            continue
        seen.add(ref)
        card = rolefit.render(ref, surface=Surface.PUBLIC)
        assert card is not None, f"button reference {ref!r} renders nothing"
        queue += [b["value"] for b in buttons(card.blocks) if b["action_id"].startswith(OPEN)]
    assert len(seen) > len(knowledge.entries)


def test_stale_references_render_nothing(rolefit: RoleFit) -> None:
    for value in ["", "entry:does-not-exist", "nonsense", "profile:cto", "compare:colour", "x:y"]:
        assert rolefit.render(value, surface=Surface.PUBLIC) is None


def test_help_and_home(knowledge: Knowledge) -> None:
    check_message(help_card().message())
    check_message(short_help_card().message())
    view = home_view(topics=list(knowledge.topics()))
    check_view(view)
    labels = [b["text"]["text"] for b in buttons(view["blocks"])]
    assert "Compare PM vs TPM" in labels
    assert any("walkthrough" in label.lower() for label in labels)


def test_user_text_is_escaped_in_cards(rolefit: RoleFit) -> None:
    nasty = "<!channel> <@U999> <https://evil.example|click> & *bold* `code`"
    for text in (nasty, f"what is a tpm {nasty}", f"compare {nasty}"):
        reply = rolefit.reply(text, surface=Surface.PRIVATE)
        assert reply.card is not None
        check_message(reply.card.message())
        rendered = all_text(reply.card.blocks)
        assert "<!channel>" not in rendered
        assert "<@U999>" not in rendered
        assert "<https://evil" not in rendered


def test_bare_tpm_gets_the_program_manager_note(rolefit: RoleFit) -> None:
    note = "Technical _Product_ Manager. Some companies"
    reply = rolefit.reply("which kpis does a tpm own?", surface=Surface.PRIVATE)
    assert reply.kind == "answer" and reply.card is not None and reply.match is not None
    assert reply.match.best is not None
    assert "program manager" not in reply.match.best.entry.answer.lower()
    assert note in all_text(reply.card.blocks)
    spelled = rolefit.reply(
        "which kpis does a technical product manager own?", surface=Surface.PRIVATE
    )
    assert spelled.card is not None
    assert note not in all_text(spelled.card.blocks)


def test_no_program_note_when_the_answer_already_explains_it(rolefit: RoleFit) -> None:
    reply = rolefit.reply("what does tpm stand for", surface=Surface.PRIVATE)
    assert reply.card is not None and reply.match is not None and reply.match.best is not None
    assert "program manager" in reply.match.best.entry.answer.lower()
    assert "Some companies use it for" not in all_text(reply.card.blocks)


def _answer(
    entry: FaqEntry,
    knowledge: Knowledge,
    surface: Surface,
    *,
    flagged: bool,
    kept: AnswerBlocks | None,
) -> Card:
    return answer_card(
        entry,
        knowledge=knowledge,
        surface=surface,
        question="a `tpm` <!here>?",
        also_asked=knowledge.entries[:2],
        bare_tpm=flagged,
        truncated=flagged,
        offer_decide=flagged,
        kept=kept,
    )  # fmt: skip


def test_kept_blocks_build_the_same_answer_cards(knowledge: Knowledge) -> None:
    """Blocks an answer card keeps for its entry give the very card built from scratch."""
    kept = AnswerBlocks(knowledge)
    for entry in knowledge.entries:
        for surface in Surface:
            for flagged in (False, True):
                fresh = _answer(entry, knowledge, surface, flagged=flagged, kept=None)
                assert _answer(entry, knowledge, surface, flagged=flagged, kept=kept) == fresh
    assert len(kept._kept) == len(knowledge.entries), "one kept set per entry, built once"


@pytest.mark.parametrize("surface", list(Surface))
def test_message_json_is_json_dumps_byte_for_byte(rolefit: RoleFit, surface: Surface) -> None:
    """The acknowledgement reuses the JSON of fixed blocks; the bytes are json.dumps' own."""
    texts = ["hi", "thanks", "compare", "topics", "help", "jd pm", "decide", "zzz qqq", "x" * 5000]
    for text in [*texts, *questions()]:
        reply = rolefit.reply(text, surface=surface)
        if reply.card is None:
            continue
        payload = {"response_type": "ephemeral", **reply.card.message()}
        assert message_json(payload) == json.dumps(payload), text
    for entry in rolefit.knowledge.entries:
        card = rolefit.render(refs.entry(entry.id), surface=surface, shared_by="U0ALICE01")
        assert card is not None
        assert message_json(card.message()) == json.dumps(card.message())
