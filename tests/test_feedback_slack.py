"""Feedback through Slack: signed requests in, rows in the database, the admins' App Home."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.cards.common import HELPFUL, NOT_HELPFUL, Surface
from bot.cards.replies import RoleFit
from bot.config import ConfigError, load_settings
from bot.feedback.home import gaps_blocks
from bot.feedback.records import Question, Vote
from bot.feedback.report import build_report
from bot.feedback.store import SqliteStore
from bot.feedback.writer import BackgroundStore
from bot.knowledge.model import Knowledge
from bot.local_slack import payloads
from bot.local_slack.payloads import find_button
from bot.local_slack.signing import FORM, form_body
from bot.local_slack.standin import LocalSlack
from bot.local_slack.workspace import OTHER_USER, TEAM, USER
from bot.slack.app import build_services
from bot.slack.services import Services
from tests.conftest import Start
from tests.support.blockkit import check_message, check_view
from tests.support.harness import RunningApp

ADMIN = "U0ADMIN01"
UNKNOWN = "can I expense a taxi ride to the airport?"



async def recorded(app: RunningApp) -> tuple[list[Question], list[Vote]]:
    """What reached the database file, read through a connection of the test's own."""
    feedback = app.services.feedback
    assert feedback is not None
    assert await asyncio.to_thread(feedback.flush)
    store = SqliteStore.open(feedback.name)
    try:
        return store.questions(), store.votes()
    finally:
        store.close()


def verdict_of(rolefit: RoleFit, text: str) -> str:
    match = rolefit.answer(text, surface=Surface.PRIVATE).match
    assert match is not None
    return match.verdict


def view_of(call: Any) -> dict[str, Any]:
    view = call.params["view"]
    found: dict[str, Any] = json.loads(view) if isinstance(view, str) else view
    return found


def view_text(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


# --- questions --------------------------------------------------------------------------------


async def test_unanswered_command_is_recorded_with_its_text(start: Start, rolefit: RoleFit) -> None:
    assert verdict_of(rolefit, UNKNOWN) == "none"
    app = await start()
    body = await app.command(UNKNOWN)
    check_message(body)
    [question], votes = await recorded(app)
    expected = rolefit.answer(UNKNOWN, surface=Surface.PRIVATE).match
    assert expected is not None
    assert question.text == UNKNOWN
    assert (question.team, question.channel_type, question.command) == (TEAM, "command", "ask")
    assert question.verdict == "none"
    assert question.score == (expected.best.score if expected.best else None)
    assert question.topic is None and votes == []


async def test_secrets_in_a_question_are_redacted_before_they_are_stored(
    start: Start, rolefit: RoleFit
) -> None:
    token = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"
    secret = "8f14e45fceea167a5a36dedd4bea2543"
    typed = f"can I expense a taxi? my token is {token}, secret {secret}, mail ann@example.com"
    assert verdict_of(rolefit, typed) == "none"
    app = await start()
    await app.command(typed)
    [question], _ = await recorded(app)
    assert question.text is not None
    for leaked in (token, secret, "ann@example.com", "xoxb-"):
        assert leaked not in question.text
    assert "can I expense a taxi?" in question.text
    assert "[slack token]" in question.text and "[e-mail]" in question.text


async def test_answered_question_is_counted_without_its_text(
    start: Start, knowledge: Knowledge, rolefit: RoleFit
) -> None:
    entry = next(e for e in knowledge.entries if e.topic == "salary")
    assert verdict_of(rolefit, entry.question) == "answer"
    app = await start()
    await app.command(entry.question)
    await app.command("compare")
    [answered, compared], _ = await recorded(app)
    assert (answered.verdict, answered.topic, answered.answer_id) == ("answer", "salary", entry.id)
    assert answered.text is None
    assert (compared.command, compared.verdict, compared.text) == ("compare", None, None)


async def test_did_you_mean_is_recorded(start: Start, rolefit: RoleFit) -> None:
    near_miss = "platform"
    assert verdict_of(rolefit, near_miss) == "suggest"
    app = await start()
    await app.command(near_miss)
    [question], _ = await recorded(app)
    assert (question.verdict, question.text) == ("suggest", near_miss)


async def test_mentions_and_dms_record_their_place(
    start: Start, stub: LocalSlack, rolefit: RoleFit
) -> None:
    dm_question = "where do I book a meeting room?"
    assert verdict_of(rolefit, dm_question) == "none"
    app = await start()
    assert await app.event(payloads.mention(UNKNOWN)) == 200
    assert await app.event(payloads.dm(dm_question)) == 200
    posts = await stub.wait_for("chat.postMessage", count=2)
    for post in posts:
        check_message(post.params)
    questions, _ = await recorded(app)
    assert {(q.channel_type, q.text) for q in questions} == {
        ("channel", UNKNOWN),
        ("im", dm_question),
    }


async def test_recording_waits_for_nobody(start: Start, stub: LocalSlack, tmp_path: Path) -> None:
    """A store stuck opening does not hold up the ack or the lazy reply; rows land afterwards."""
    release = threading.Event()

    def stuck_open() -> SqliteStore:
        release.wait(10)
        return SqliteStore.open(tmp_path / "stuck.db")

    app = await start(db_path=None)
    app.services.feedback = BackgroundStore(stuck_open, name=str(tmp_path / "stuck.db"))
    body = await app.command(UNKNOWN)
    assert "don't know" in body["text"]
    await app.event(payloads.dm(UNKNOWN))
    await stub.wait_for("chat.postMessage")
    assert not release.is_set()
    release.set()
    questions, _ = await recorded(app)
    assert [q.channel_type for q in questions] == ["command", "im"]


# --- votes ------------------------------------------------------------------------------------


async def test_votes_are_recorded_and_a_second_click_changes_them(
    start: Start, stub: LocalSlack, knowledge: Knowledge
) -> None:
    entry = next(e for e in knowledge.entries if e.topic == "salary")
    app = await start()
    body = await app.command(entry.question)
    helpful = find_button(body["blocks"], action_prefix=HELPFUL)
    not_helpful = find_button(body["blocks"], action_prefix=NOT_HELPFUL)

    assert await app.click(helpful, ephemeral=True) == 200
    await stub.wait_for("response_url", count=1)
    _, votes = await recorded(app)
    assert [(v.answer_id, v.team, v.user, v.helpful) for v in votes] == [
        (entry.id, TEAM, USER, True)
    ]
    first_at = votes[0].at

    assert await app.click(not_helpful, ephemeral=True) == 200
    assert await app.click(helpful, ephemeral=True, user=OTHER_USER) == 200
    await stub.wait_for("response_url", count=3)
    _, votes = await recorded(app)
    by_user = {v.user: v for v in votes}
    assert set(by_user) == {USER, OTHER_USER}
    assert by_user[USER].helpful is False and by_user[USER].at >= first_at
    assert by_user[OTHER_USER].helpful is True


async def test_opting_out_keeps_counts_and_votes_but_no_text(
    start: Start, stub: LocalSlack, knowledge: Knowledge
) -> None:
    app = await start(record_questions=False)
    await app.command(UNKNOWN)
    entry = knowledge.entries[0]
    body = await app.command(entry.question)
    await app.click(find_button(body["blocks"], action_prefix=NOT_HELPFUL), ephemeral=True)
    await stub.wait_for("response_url")
    questions, votes = await recorded(app)
    assert (questions[0].verdict, questions[0].text) == ("none", None)
    assert all(q.text is None for q in questions)
    assert [(v.answer_id, v.helpful) for v in votes] == [(entry.id, False)]


# --- a store in trouble -----------------------------------------------------------------------


@pytest.fixture
def read_only_db(tmp_path: Path) -> Iterator[Path]:
    """A feedback database the process cannot write: chmod, or chattr +i when running as root."""
    path = tmp_path / "ro" / "rolefit.db"
    SqliteStore.open(path).close()
    if os.geteuid() != 0:
        path.chmod(0o444)
        path.parent.chmod(0o555)
        yield path
        path.parent.chmod(0o755)
        path.chmod(0o644)
        return
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(path)], check=False).returncode:
        pytest.skip("cannot make a file read-only for root here")
    try:
        yield path
    finally:
        subprocess.run([chattr, "-i", str(path)], check=False)


def _garbage(tmp_path: Path) -> str:
    path = tmp_path / "garbage.db"
    path.write_bytes(b"this is not an SQLite database, just some bytes" * 100)
    return str(path)


def _under_a_file(tmp_path: Path) -> str:
    (tmp_path / "a-file").write_text("in the way")
    return str(tmp_path / "a-file" / "rolefit.db")


@pytest.mark.parametrize("where", ["under a file", "not a database", "read-only"])
async def test_answers_keep_flowing_when_the_store_is_broken(
    start: Start,
    stub: LocalSlack,
    knowledge: Knowledge,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    request: pytest.FixtureRequest,
    where: str,
) -> None:
    if where == "read-only":
        db_path = str(request.getfixturevalue("read_only_db"))
    else:
        db_path = (_under_a_file if where == "under a file" else _garbage)(tmp_path)
    app = await start(db_path=db_path, admins=frozenset({ADMIN}))
    entry = knowledge.entries[0]
    with caplog.at_level(logging.WARNING, logger="rolefit.feedback"):
        for _ in range(3):
            body = await app.command(UNKNOWN)
            assert "don't know" in body["text"]
        body = await app.command(entry.question)
        check_message(body)
        await app.click(find_button(body["blocks"], action_prefix=HELPFUL), ephemeral=True)
        [thanks] = await stub.wait_for("response_url")
        assert "You found this helpful" in json.dumps(thanks.params["blocks"])
        await app.event(payloads.mention(UNKNOWN))
        await stub.wait_for("chat.postMessage")
        await app.event(payloads.home_opened(user=ADMIN))
        [published] = await stub.wait_for("views.publish")
        assert app.services.feedback is not None
        assert await asyncio.to_thread(app.services.feedback.flush)
    view = view_of(published)
    check_view(view)
    if where == "read-only":
        assert "Top unanswered questions" in view_text(view), "a read-only file is still read"
    else:
        assert "feedback store cannot be read" in view_text(view)
    warnings = [r.getMessage() for r in caplog.records if r.name == "rolefit.feedback"]
    assert len(warnings) == 1, warnings
    assert "answers go on" in warnings[0]
    assert not app.services.feedback.healthy


# --- the admins' App Home section -------------------------------------------------------------


async def test_admins_see_knowledge_gaps_and_others_do_not(
    start: Start, stub: LocalSlack, knowledge: Knowledge, rolefit: RoleFit
) -> None:
    hostile = "<!channel> where is the *office* <b>party</b> <@U0BOB0002>?"
    assert verdict_of(rolefit, hostile) == "none"
    app = await start(admins=frozenset({ADMIN}))
    for text in (UNKNOWN, UNKNOWN.upper(), hostile, UNKNOWN):
        await app.command(text)
    entry = next(e for e in knowledge.entries if e.topic == "salary")
    body = await app.command(entry.question)
    await app.click(find_button(body["blocks"], action_prefix=NOT_HELPFUL), ephemeral=True)
    await stub.wait_for("response_url")
    await recorded(app)

    await app.event(payloads.home_opened(user=ADMIN))
    await app.event(payloads.home_opened(user=USER))
    published = {
        call.params["user_id"]: view_of(call)
        for call in await stub.wait_for("views.publish", count=2)
    }
    admin_view, user_view = published[ADMIN], published[USER]
    check_view(admin_view)
    check_view(user_view)
    assert "Knowledge gaps" not in view_text(user_view)
    assert len(admin_view["blocks"]) > len(user_view["blocks"])

    gaps = json.loads(view_text(admin_view))
    texts = [b["text"]["text"] for b in gaps if b.get("type") == "section"]
    unanswered = next(t for t in texts if t.startswith("*Top unanswered questions*"))
    lines = unanswered.splitlines()[1:]
    assert lines[0].startswith(f"1. `{UNKNOWN}`") and "3 times" in lines[0], lines
    assert "&lt;b&gt;party&lt;/b&gt;" in lines[1] and "<b>" not in unanswered
    assert "<!channel>" not in unanswered and "<@U0BOB0002>" not in unanswered
    least = next(t for t in texts if t.startswith("*Least helpful answers*"))
    assert entry.title in least and "0% helpful of 1" in least


async def test_no_admins_means_no_section(start: Start, stub: LocalSlack) -> None:
    app = await start()
    assert app.services.home_sections == []
    await app.event(payloads.home_opened(user=ADMIN))
    [call] = await stub.wait_for("views.publish")
    check_view(view_of(call))
    assert "Knowledge gaps" not in view_text(view_of(call))


def test_gaps_section_without_text_and_with_a_removed_answer() -> None:
    questions = [
        Question(at=5.0, team=TEAM, channel_type="im", command="ask", verdict="none"),
        Question(at=6.0, team=TEAM, channel_type="im", command="ask", verdict="suggest"),
    ]
    votes = [Vote(answer_id="retired-entry", team=TEAM, user=USER, helpful=False, at=5.0)]
    blocks = gaps_blocks(build_report(questions, votes, since=0.0, now=10.0))
    check_view({"type": "home", "blocks": blocks})
    text = json.dumps(blocks)
    assert "2 unanswered questions whose text was not recorded" in text
    assert "retired-entry (no longer in the knowledge)" in text
    assert "1 vote." in text


# --- settings ---------------------------------------------------------------------------------


def test_feedback_settings_defaults() -> None:
    settings = load_settings({})
    assert (settings.db_path, settings.record_questions, settings.admins) == (
        "rolefit.db",
        True,
        frozenset(),
    )


def test_feedback_settings_parsed(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "ROLEFIT_DB": f" {tmp_path}/data/feedback.db ",
            "ROLEFIT_RECORD_QUESTIONS": "0",
            "ROLEFIT_ADMINS": "U012AB3CD, W045EF6GH ,,",
        }
    )
    assert settings.db_path == f"{tmp_path}/data/feedback.db"
    assert settings.record_questions is False
    assert settings.admins == frozenset({"U012AB3CD", "W045EF6GH"})
    assert load_settings({"ROLEFIT_RECORD_QUESTIONS": "Yes"}).record_questions is True


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("ROLEFIT_RECORD_QUESTIONS", "maybe", "ROLEFIT_RECORD_QUESTIONS is malformed"),
        ("ROLEFIT_ADMINS", "U012AB3CD,bob", "ROLEFIT_ADMINS is malformed"),
        ("ROLEFIT_ADMINS", "<@U012AB3CD>", "ROLEFIT_ADMINS is malformed"),
    ],
)
def test_feedback_settings_rejected(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings({name: value})


def test_a_folder_is_not_a_database_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ROLEFIT_DB is a folder"):
        load_settings({"ROLEFIT_DB": str(tmp_path)})


def test_services_without_settings_record_nothing(rolefit: RoleFit) -> None:
    services = build_services(rolefit)
    assert isinstance(services, Services)
    assert services.feedback is None and services.home_sections == []


async def test_an_admin_sees_only_their_own_workspaces_gaps(start: Start, stub: LocalSlack) -> None:
    other = "T0OTHER02"
    app = await start(admins=frozenset({ADMIN}))
    await app.command(UNKNOWN)
    elsewhere = json.loads(json.dumps(payloads.command("zzqx elsewhere")).replace(TEAM, other))
    status, _ = await app.post(form_body(elsewhere), content_type=FORM)
    assert status == 200
    questions, _ = await recorded(app)
    assert sorted(q.team for q in questions) == sorted([TEAM, other])

    await app.event(payloads.home_opened(user=ADMIN))
    [call] = await stub.wait_for("views.publish")
    shown = view_text(view_of(call))
    assert "1 request, 1 unanswered" in shown
    assert UNKNOWN in shown and "zzqx elsewhere" not in shown
