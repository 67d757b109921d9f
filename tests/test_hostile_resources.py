"""Memory, files and text that try to exhaust the process: long questions, big ids, bombs."""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import pytest

from bot.cards.common import Surface
from bot.cards.replies import MAX_TEXT, RoleFit
from bot.config import ConfigError, load_settings
from bot.feedback.records import Question
from bot.feedback.store import SqliteStore, StoreError
from bot.knowledge.loader import collect_problems
from bot.knowledge.model import Knowledge
from bot.knowledge.yaml_source import MAX_FILE_BYTES
from bot.local_slack import payloads
from bot.local_slack.signing import BOT_TOKEN, FORM, SIGNING_SECRET, form_body
from bot.local_slack.standin import LocalSlack
from bot.slack.app import build_services
from bot.slack.dedup import MemorySeen, StoreFull
from bot.slack.server import GATE
from handlers.events import mention_text
from tests.support.cli import copy_knowledge, run_rolefit
from tests.support.databases import someone_elses_database
from tests.support.harness import RunningApp

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


# ---------------------------------------------------------------- the record of what was seen


def test_a_full_record_refuses_rather_than_forgets() -> None:
    """Item 10: 100,000 other requests used to push an old signature out; it was served again."""
    now = [0.0]
    seen = MemorySeen(max_keys=3, clock=lambda: now[0])
    assert [seen.claim(key, ttl=60) for key in ("a", "b", "c")] == [True, True, True]
    with pytest.raises(StoreFull):
        seen.claim("d", ttl=60)
    assert seen.claim("a", ttl=60) is False, "a is still remembered"
    now[0] = 61
    assert seen.claim("d", ttl=60) is True, "room again once windows end"


def test_each_key_keeps_its_own_window() -> None:
    now = [0.0]
    seen = MemorySeen(max_keys=10, clock=lambda: now[0])
    assert seen.claim("long", ttl=600) and seen.claim("short", ttl=10)
    now[0] = 11
    assert seen.claim("short", ttl=10) is True
    assert seen.claim("long", ttl=600) is False


def test_huge_keys_cost_a_fixed_size_digest() -> None:
    """Item 9: 800 events with 880 KiB ids took 700 MB; the record keeps 16 bytes a key."""
    seen = MemorySeen(max_keys=1000)
    keys = [f"{n}" + "E" * 900_000 for n in range(20)]
    assert all(seen.claim(key, ttl=60) for key in keys)
    held = sum(sys.getsizeof(k) for k in seen._expiry)
    assert held < 20 * 100


async def test_a_full_replay_record_is_503_not_a_second_answer(
    stub: LocalSlack, knowledge: Knowledge
) -> None:
    services = build_services(RoleFit(knowledge))
    app = await RunningApp.start(stub, knowledge, services=services)
    try:
        assert app._runner is not None
        gate_store = MemorySeen(max_keys=2)
        app._runner.app[GATE].replay = gate_store
        body = form_body(payloads.command("what is a tpm?", response_url=stub.response_url()))
        ts = int(time.time())
        first = [await app.post(body + f"&n={n}", content_type=FORM, timestamp=ts) for n in (1, 2)]
        assert [status for status, _ in first] == [200, 200]
        status, text = await app.post(body + "&n=3", content_type=FORM, timestamp=ts)
        assert status == 503 and "Traceback" not in text
        status, _ = await app.post(body + "&n=1", content_type=FORM, timestamp=ts)
        assert status == 401, "the first request is still remembered as seen"
    finally:
        await app.stop()


async def test_a_request_signed_before_a_restart_is_not_served_again(
    app: RunningApp, stub: LocalSlack, knowledge: Knowledge
) -> None:
    """Item 10: the same captured request, replayed to a freshly started process."""
    body = form_body(payloads.command("what is a tpm?"))
    ts = int(time.time()) - 2
    assert app._runner is not None
    app._runner.app[GATE].not_before = ts - 10
    assert (await app.post(body, content_type=FORM, timestamp=ts))[0] == 200
    restarted = await RunningApp.start(stub, knowledge)
    try:
        status, _ = await restarted.post(body, content_type=FORM, timestamp=ts)
        assert status == 401
    finally:
        await restarted.stop()


async def test_huge_event_ids_are_refused_at_the_gate(app: RunningApp, stub: LocalSlack) -> None:
    """Item 9: ids are capped at the gate, so nothing that long is even looked up."""
    status = await app.event(payloads.mention("what is a tpm?"), event_id="Ev" + "A" * 900_000)
    assert status == 413 or status == 400
    await stub.settle()
    assert stub.posts() == []


# ---------------------------------------------------------------- what the CLI prints


def test_report_prints_no_terminal_escapes_from_recorded_questions(tmp_path: Path) -> None:
    """Item 11: a recorded question carrying `ESC ]0;...` used to reach the terminal verbatim."""
    db = tmp_path / "feedback.db"
    store = SqliteStore.open(db)
    hostile = "\x1b]0;owned\x07how do I \x1b[2Jclear\u202ethe screen\x9b?"
    store.add_question(
        Question(
            at=time.time() - 60,
            team="T1",
            channel_type="command",
            command="ask\x1b[31m",
            verdict="none",
            score=10.0,
            topic=None,
            answer_id=None,
            text=hostile,
        )
    )
    store.close()
    done = run_rolefit("report", "--since", "all", "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert "clear" in done.stdout
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]", done.stdout)


# ---------------------------------------------------------------- where feedback is kept


@pytest.mark.parametrize("value", ["file:feedback.db?mode=memory", "FILE:x.db", ":memory:"])
def test_rolefit_db_accepts_plain_paths_only(value: str) -> None:
    """Item 12: `file:...?mode=memory` silently discarded every vote and question."""
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}
    with pytest.raises(ConfigError, match="ROLEFIT_DB must be a plain file path"):
        load_settings({**env, "ROLEFIT_DB": value})


def test_a_database_that_is_not_rolefits_is_left_untouched(tmp_path: Path) -> None:
    """Item 12: it was refused, but only after it had been switched to WAL."""
    path = someone_elses_database(tmp_path / "other.db")
    before = path.read_bytes()
    with pytest.raises(StoreError):
        SqliteStore.open(path)
    assert path.read_bytes() == before
    assert not (tmp_path / "other.db-wal").exists()


def test_a_file_path_that_looks_like_a_uri_is_a_file(tmp_path: Path) -> None:
    store = SqliteStore.open(tmp_path / "file:x.db")
    store.close()
    assert (tmp_path / "file:x.db").is_file()


# ---------------------------------------------------------------- hostile knowledge folders


def test_a_fifo_in_the_knowledge_folder_is_a_problem_not_a_hang(tmp_path: Path) -> None:
    """Item 13: `faq.yml` as a FIFO hung `serve` forever (run as a process, with a timeout)."""
    folder = copy_knowledge(tmp_path / "k")
    (folder / "faq.yml").unlink()
    os.mkfifo(folder / "faq.yml")
    done = run_rolefit("check", str(folder))
    assert done.returncode == 1
    assert "faq.yml" in done.stderr + done.stdout
    assert "not a regular file" in done.stderr + done.stdout
    assert "Traceback" not in done.stderr


BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_a_yaml_alias_bomb_is_refused_with_its_line(tmp_path: Path) -> None:
    """Item 13: 433 bytes of nested aliases took 18 s and 2.9 GB, then a MemoryError."""
    folder = copy_knowledge(tmp_path / "k")
    (folder / "roles.yml").write_text(BOMB)
    knowledge, problems = collect_problems(folder)
    assert knowledge is None
    assert [(p.file, p.line) for p in problems if "alias" in p.message] == [("roles.yml", 2)]


def test_an_oversized_knowledge_file_is_refused(tmp_path: Path) -> None:
    folder = copy_knowledge(tmp_path / "k")
    with (folder / "faq.yml").open("a") as file:
        file.write("#" + "x" * (MAX_FILE_BYTES + 10) + "\n")
    _, problems = collect_problems(folder)
    assert [p.file for p in problems if "larger than" in p.message] == ["faq.yml"]
