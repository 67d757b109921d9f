"""Calibrated verdicts and the replies around them: answer on clear evidence only, "did you mean"
when the topic is clear but the entry is not, polite declines, greetings, the walkthrough."""

from __future__ import annotations

import json

import pytest

from bot.answers.matcher import Candidate, Matcher
from bot.answers.smalltalk import asks_which_to_hire, smalltalk
from bot.cards.answer import no_match_card
from bot.cards.common import Surface
from bot.cards.replies import RoleFit
from bot.knowledge.model import Knowledge
from tests.support.blockkit import check_message


@pytest.fixture(scope="module")
def matcher(knowledge: Knowledge) -> Matcher:
    return Matcher.of(knowledge)


def topics(candidates: tuple[Candidate, ...]) -> list[str]:
    return [c.entry.topic for c in candidates]


def test_a_nearby_subject_is_never_answered(matcher: Matcher) -> None:
    for question in (
        "what is the difference between a product owner and a product manager",
        "is a scrum master the same as a project manager",
        "which jira workflow should our pms use",
        "how to do user interviews",
    ):
        assert matcher.match(question).verdict != "answer", question


def test_a_concept_points_the_answer_to_its_topic(matcher: Matcher) -> None:
    """'paid' asks about salary: the answer comes from that topic, whatever else matches."""
    result = matcher.match("how are technical product managers paid at startups")
    assert result.best is not None
    offered = [result.best.entry.topic, *topics(result.alternatives)]
    assert "salary" in offered[:3]
    if result.verdict == "answer":
        assert result.best.entry.topic == "salary"


def test_a_role_question_with_weak_evidence_gets_did_you_mean_not_a_shrug(
    matcher: Matcher,
) -> None:
    result = matcher.match("our tpm keeps arguing with design about the onboarding flow")
    assert result.verdict == "suggest"
    assert result.best is not None


def test_did_you_mean_choices_cover_several_topics(matcher: Matcher) -> None:
    """Three choices from three topics cover more readings than three from one."""
    result = matcher.match("what is the difference between a product owner and a product manager")
    assert result.verdict == "suggest" and result.best is not None
    offered = [result.best.entry.topic, *topics(result.alternatives)]
    assert len(set(offered)) == len(offered)


def test_off_topic_without_a_role_is_declined(matcher: Matcher) -> None:
    for question in ("can I expense a taxi?", "what's for lunch", "is the api down?"):
        assert matcher.match(question).verdict == "none", question


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("hi", "greeting"),
        ("Hello there!", "greeting"),
        ("thanks!", "thanks"),
        ("thank you so much", "thanks"),
        ("hi, what is a tpm?", None),
        ("thanks, but why?", None),
    ],
)
def test_smalltalk(text: str, kind: str | None) -> None:
    assert smalltalk(text) == kind


@pytest.mark.parametrize(
    ("text", "which"),
    [
        ("who should we hire?", True),
        ("should we hire a pm or a tpm first", True),
        ("which role do we need next", True),
        ("when should we hire a pm", False),
        ("what does a tpm do", False),
    ],
)
def test_which_to_hire(text: str, which: bool) -> None:
    assert asks_which_to_hire(text) is which


def blocks_text(blocks: list[dict[str, object]]) -> str:
    return json.dumps(blocks)


def test_greetings_and_thanks_get_a_friendly_card(rolefit: RoleFit) -> None:
    for text in ("hi", "thanks!"):
        reply = rolefit.answer(text, surface=Surface.PRIVATE)
        assert reply.card is not None and reply.match is not None
        assert reply.match.verdict == "none"
        check_message(reply.card.message())
        dumped = blocks_text(reply.card.blocks)
        assert "I don't know that one" not in dumped
        assert "rolefit.decide" in dumped


def test_who_should_we_hire_offers_the_walkthrough(rolefit: RoleFit) -> None:
    reply = rolefit.answer("who should we hire?", surface=Surface.PRIVATE)
    assert reply.card is not None
    check_message(reply.card.message())
    assert "rolefit.decide" in blocks_text(reply.card.blocks)


def test_other_questions_become_buttons(rolefit: RoleFit) -> None:
    reply = rolefit.answer(
        "Do startups need a TPM? And who earns more, a PM or a TPM?", surface=Surface.PRIVATE
    )
    assert reply.kind == "answer" and reply.card is not None
    assert reply.match is not None and reply.match.others
    other = reply.match.others[0].entry
    check_message(reply.card.message())
    dumped = blocks_text(reply.card.blocks)
    assert "You also asked" in dumped and f"entry:{other.id}" in dumped


def test_a_none_card_offers_the_closest_entries_with_evidence(
    rolefit: RoleFit, knowledge: Knowledge
) -> None:
    """A nearby subject is declined politely: what RoleFit covers, the closest entries, topics
    and the walkthrough."""
    closest = [knowledge.by_id["pm-vs-tpm-difference"]]
    card = no_match_card(
        "should our product owner use jira",
        knowledge=knowledge,
        surface=Surface.PRIVATE,
        closest=closest,
        nearby=True,
    )
    check_message(card.message())
    dumped = blocks_text(card.blocks)
    assert "outside what I cover" in dumped and "Closest I have" in dumped
    assert "entry:pm-vs-tpm-difference" in dumped
    assert "Browse all topics" in dumped and "rolefit.decide" in dumped
    reply = rolefit.answer("should our product owner use jira", surface=Surface.PRIVATE)
    assert reply.kind == "none" and reply.card is not None
    assert "outside what I cover" in blocks_text(reply.card.blocks)


def test_greetings_are_not_recorded_as_knowledge_gaps(rolefit: RoleFit) -> None:
    from bot.feedback.records import question_from_reply

    reply = rolefit.answer("hi", surface=Surface.PRIVATE)
    row = question_from_reply(reply, team="T1", channel_type="im", keep_text=True, at=0.0)
    assert row.text is None and row.command == "greeting"


def test_a_question_about_one_role_prefers_that_role_over_a_comparison() -> None:
    """A comparison entry scores lower (`ONE_ROLE`) for a question that names one role only;
    it keeps its full score when the question compares."""
    from bot.answers.matcher import ONE_ROLE
    from bot.knowledge.model import FaqEntry

    compare = FaqEntry(
        "compare",
        "difference",
        "What does a typical day look like for a PM vs a TPM?",
        ("pm vs tpm day to day", "daily work of a pm vs a tpm", "typical day of a pm and a tpm"),
        "x",
    )
    single = FaqEntry(
        "single",
        "responsibilities-tpm",
        "What does a TPM do every day?",
        ("what does a tpm do", "tpm duties", "what is a tpm's typical day like"),
        "y",
    )
    matcher = Matcher([compare, single])
    one = matcher.match("what does a typical day look like for a tpm")
    assert one.best is not None and one.best.entry.id == "single"
    both = matcher.match("typical day of a pm vs a tpm")
    assert both.best is not None and both.best.entry.id == "compare"
    assert 0 < ONE_ROLE < 1


def test_a_role_named_only_in_the_context_still_gets_closest_entries(matcher: Matcher) -> None:
    """A long post that names a role before asking a question in other words is a role
    question: its closest entries are offered rather than declined."""
    result = matcher.match("Our TPM left last month. Who should run the weekly sync now?")
    assert result.verdict == "suggest"
    assert result.best is not None


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("do startups need a pm", "do-startups-need-a-pm"),
        ("should a startup hire a tpm", "do-startups-need-a-tpm"),
        ("tips for a new pm", "new-pm-mistakes"),
        ("advice for a new tpm", "new-tpm-mistakes"),
        ("what makes a great product manager", "great-pm-traits"),
        ("who do product managers report to", "where-pms-sit"),
        ("what's the career path for a pm", "pm-career-ladder"),
        ("how many pms do we need", "how-many-pms"),
    ],
)
def test_a_question_about_one_role_gets_that_roles_entry(
    matcher: Matcher, question: str, entry_id: str
) -> None:
    """ "pm" and "tpm" are in nearly every entry, so IDF alone barely tells them apart: a question
    about one role must still rank that role's entry above the other role's on the same subject."""
    result = matcher.match(question)
    assert result.best is not None and result.best.entry.id == entry_id, question


def test_entries_about_the_other_role_rank_lower(matcher: Matcher) -> None:
    from bot.answers.matcher import OTHER_ROLE, _asked_role, _role_of

    assert 0 < OTHER_ROLE < 1
    assert _asked_role({"startup", "pm"}) == "pm"
    assert _asked_role({"pm", "tpm"}) is None  # both roles: a comparison
    assert _asked_role({"tpm", "difference"}) is None
    assert _asked_role({"pgm"}) is None  # program managers: no PM-or-TPM preference
    tpm_only = [frozenset({"tpm", "startup"}), frozenset({"tpm", "hire"}), frozenset({"pm"})]
    assert _role_of(tpm_only) == "tpm"
    assert _role_of([frozenset({"pm", "tpm"}), frozenset({"tpm"})]) is None


def test_a_near_tie_goes_to_the_topic_the_concepts_ask_about(matcher: Matcher) -> None:
    """ "how much do ... make" asks about pay: an entry about the role named does not outrank the
    salary entry by a hair."""
    from bot.answers.matcher import OTHER_TOPIC

    assert 0 < OTHER_TOPIC < 1
    result = matcher.match("what do technical program managers get paid")
    assert result.best is not None and result.best.entry.topic == "salary"


def test_a_question_that_names_no_role_is_not_answered_from_shared_words() -> None:
    """ "How do I prioritise my backlog?" shares words with an entry on who owns the backlog, but
    asks about the craft: offered, not answered. The entry's own wording still answers, and so
    does the same question once it names a role."""
    from bot.knowledge.model import FaqEntry

    backlog = FaqEntry(
        "backlog",
        "responsibilities-pm",
        "Who owns the product backlog and decides what goes into it?",
        ("who owns the backlog", "does the pm own the backlog"),
        "x",
    )
    other = FaqEntry("other", "salary", "Who earns more, a PM or a TPM?", ("pm pay",), "y")
    matcher = Matcher([backlog, other])
    craft = matcher.match("how should I prioritise the product backlog")
    assert craft.best is not None and craft.best.entry.id == "backlog"
    assert craft.verdict == "suggest"
    assert matcher.match("Who owns the product backlog and decides what goes into it?").verdict == (
        "answer"
    )
    assert matcher.match("does the pm own the product backlog").verdict == "answer"


def test_a_question_about_one_role_is_not_answered_by_a_move_between_the_roles() -> None:
    """ "Can I become a PM?" is not "can a PM become a TPM?": an entry whose phrasings describe a
    move between the two roles answers only a question that names both (or the move)."""
    from bot.knowledge.model import FaqEntry

    move = FaqEntry(
        "move",
        "career-pm-to-tpm",
        "Can a Product Manager become a TPM?",
        ("can a pm become a tpm", "moving from pm to tpm", "switch from pm to tpm"),
        "x",
    )
    matcher = Matcher([move])
    assert matcher.match("can a pm become a tpm?").verdict == "answer"
    assert matcher.match("can I become a pm?").verdict == "suggest"


def test_without_concepts_to_go_on_a_near_tie_between_topics_is_not_answered() -> None:
    """With no concept pointing to a topic, the best entry needs `UNAGREED_MARGIN` over the best
    entry of another topic, a wider lead than `MARGIN`."""
    from bot.answers.matcher import MARGIN, UNAGREED_MARGIN, Candidate
    from bot.knowledge.model import FaqEntry

    assert UNAGREED_MARGIN > MARGIN
    first = FaqEntry("a", "definition-tpm", "What is a TPM?", (), "x")
    second = FaqEntry("b", "responsibilities-tpm", "What does a TPM do?", (), "y")
    matcher = Matcher([first, second])
    best = Candidate(first, 70.0)
    close = [Candidate(second, 70.0 - (MARGIN + UNAGREED_MARGIN) / 2)]
    far = [Candidate(second, 70.0 - UNAGREED_MARGIN - 1)]
    query = {"tpm": 1.0, "role": 1.0}
    assert matcher._verdict(best, close, frozenset(), {"tpm"}, query) == "suggest"
    assert matcher._verdict(best, far, frozenset(), {"tpm"}, query) == "answer"
    agreed = frozenset({"definition-tpm"})
    assert matcher._verdict(best, close, agreed, {"tpm"}, query) == "answer"


@pytest.mark.parametrize(
    "question",
    [
        "What is TPM in manufacturing? Total Productive Maintenance explained",
        "How do I turn on the trusted platform module (TPM) in my laptop's BIOS?",
        "What does a UX designer do on a product team?",
        "Product marketing manager vs product manager: where is the line?",
    ],
)
def test_other_tpms_and_other_roles_are_never_answered(matcher: Matcher, question: str) -> None:
    assert matcher.match(question).verdict != "answer", question


@pytest.mark.parametrize(
    ("text", "kind", "topic"),
    [
        ("PM or TPM?", "decide", "difference"),
        ("should we hire a pm or a tpm", "decide", "hire-both"),
        ("pm", "profile", "definition-pm"),
        ("jd tpm", "jd", "job-description"),
    ],
)
def test_ask_reports_the_entry_a_subcommands_card_stands_for(
    rolefit: RoleFit, text: str, kind: str, topic: str
) -> None:
    """`rolefit ask` gives a subcommand's card (or the walkthrough) the topic of the entry the
    matcher answers the same words with, so that scripts and the eval see what users get."""
    from bot.cli import result_json

    reply = rolefit.reply(text, surface=Surface.PRIVATE)
    result = result_json(text, reply, rolefit=rolefit)
    assert (result["kind"], result["verdict"], result["topic"]) == (kind, "answer", topic)
    assert reply.match is None, "the card itself is not an answer card"


def test_a_bare_command_stands_for_no_entry(rolefit: RoleFit) -> None:
    from bot.cli import result_json

    result = result_json(
        "decide", rolefit.reply("decide", surface=Surface.PRIVATE), rolefit=rolefit
    )
    assert (result["kind"], result["verdict"], result["topic"]) == ("decide", "none", None)
