"""`rolefit chat`: the real app driven from a terminal. Sessions run `python -m bot chat` as a
subprocess with no Slack settings, the way a newcomer would; the building blocks are tested
directly."""

from __future__ import annotations

import io
import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from slack_sdk.signature import SignatureVerifier

from bot.answers.matcher import Matcher
from bot.cards.common import HELPFUL, SHARE
from bot.cards.replies import RoleFit
from bot.console.render import PLAIN
from bot.console.session import (
    Console,
    command_text,
    is_quit,
    label_for,
)
from bot.knowledge.model import Knowledge
from bot.local_slack import payloads
from bot.local_slack.signing import FORM, signed_headers
from bot.local_slack.standin import Change, LocalSlack, Message
from bot.local_slack.workspace import DM, USER
from tests.support.blockkit import check_message, check_view
from tests.support.cli import scratch_db

ROOT = Path(__file__).resolve().parent.parent
PROMPT = "rolefit> "
TURN_TIMEOUT = 30.0
SGR = re.compile(r"\x1b\[[0-9;]*m")
BUTTON = re.compile(r"\[(\d+)\] (.+?)(?=  \[\d+\] |$)", re.MULTILINE)
NEAR_MISS_CANDIDATES = (
    "tpm = what exactly, spelled out?",
    "so what is a technical product manager, in plain english?",
    "at what point should a company bring on its first product manager",
    "is it the tpm's job to manage tech debt and run spikes / proofs of concept",
    "i'm new here and keep hearing about our PM, what is that role exactly",
    "how do a product manager and technical product manager avoid stepping on each other's toes",
)


def console_env(**extra: str) -> dict[str, str]:
    """The environment of someone who has not connected Slack."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SLACK_") and k not in {"NO_COLOR", "LOG_LEVEL", "COLUMNS", "LINES"}
    }
    env.update(
        {"COLUMNS": "100", "PYTHONIOENCODING": "utf-8", "ROLEFIT_DB": str(scratch_db())}, **extra
    )
    return env


def buttons(output: str) -> dict[int, str]:
    return {int(n): label.strip() for n, label in BUTTON.findall(output)}


def number(output: str, label: str) -> str:
    """The number of the last button whose label contains `label` (the newest message wins)."""
    found = [n for n, text in buttons(output).items() if label.lower() in text.lower()]
    assert found, f"no button {label!r} in:\n{output}"
    return str(found[-1])


class ChatSession:
    """`python -m bot chat` with piped stdin, driven one line at a time: a turn ends when the
    console prints its prompt again."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "chat"],
            cwd=ROOT,
            env=console_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.intro = self._until_prompt()

    def _until_prompt(self) -> str:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        data = b""
        deadline = time.monotonic() + TURN_TIMEOUT
        while not data.endswith(PROMPT.encode()):
            if time.monotonic() > deadline:
                raise AssertionError(f"no prompt; got:\n{data.decode(errors='replace')}")
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise AssertionError(f"console exited; got:\n{data.decode()}")
                data += chunk
        return data.decode()[: -len(PROMPT)]

    def send(self, line: str) -> str:
        """Everything the console printed in answer to `line` (its echo removed)."""
        assert self.process.stdin is not None
        self.process.stdin.write(line.encode() + b"\n")
        self.process.stdin.flush()
        output = self._until_prompt()
        echo, _, rest = output.partition("\n")
        assert echo == line
        return rest

    def close(self) -> tuple[int, str]:
        assert self.process.stdin is not None and self.process.stderr is not None
        self.process.stdin.close()
        code = self.process.wait(timeout=TURN_TIMEOUT)
        return code, self.process.stderr.read().decode()


@pytest.fixture(scope="module")
def chat() -> Iterator[ChatSession]:
    """One console for the scripted scenarios: numbers always refer to the latest turn, so
    scenarios do not depend on each other."""
    session = ChatSession()
    yield session
    code, stderr = session.close()
    assert code == 0
    assert stderr == "", "app logs must stay out of the conversation"


def run_piped(script: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "chat"],
        cwd=ROOT,
        env=console_env(**env),
        input=script,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )


# -- scripted sessions ----------------------------------------------------------------------------


def test_the_intro_says_what_numbers_mean(chat: ChatSession) -> None:
    intro = " ".join(chat.intro.split())
    assert "numbers refer to the buttons of the most recently shown messages" in intro
    assert "quit" in intro


def test_a_question_gets_the_answer_card_and_its_buttons_work(
    chat: ChatSession, knowledge: Knowledge
) -> None:
    best = Matcher(knowledge.entries).match("what is a tpm").best
    assert best is not None
    entry = best.entry
    out = chat.send("what is a tpm")
    assert "only visible to you" in out
    assert entry.question in out
    assert "You asked `what is a tpm`" in out
    assert "\x1b" not in out
    labels = buttons(out)
    assert "Share in channel" in labels.values()
    assert "👍 Helpful" in labels.values()

    shared = chat.send(number(out, "Share in channel"))
    assert "Shared by @you" in shared
    assert "· updated" in shared and "Shared in the channel." in shared
    assert "Share in channel" not in buttons(shared).values(), "a shared card has no share button"

    thanks = chat.send(number(shared, "👍 Helpful"))
    assert "Thanks! Glad it helped." in thanks
    assert "You found this helpful" not in thanks, "a public card is not changed by one vote"
    related = knowledge.by_id[entry.related[0]]
    opened = chat.send(number(shared, related.question))
    assert "RoleFit · in the thread" in opened, "a click on a public card answers in its thread"
    assert related.question in opened


def test_a_near_miss_offers_did_you_mean_and_a_choice_opens_the_answer(
    chat: ChatSession, knowledge: Knowledge
) -> None:
    matcher = Matcher.of(knowledge)  # as the app builds it
    near = next((q for q in NEAR_MISS_CANDIDATES if matcher.match(q).verdict == "suggest"), None)
    assert near is not None, "no candidate is a near miss any more: add one that is"
    result = matcher.match(near)
    assert result.best is not None
    out = chat.send(near)
    assert "Did you mean one of these?" in out
    assert result.best.entry.question in buttons(out).values()

    opened = chat.send(number(out, result.best.entry.question))
    assert "· updated" in opened, "the suggestions are replaced by the answer"
    question = result.best.entry.question
    assert f"{question}\n{'─' * len(question)}" in opened, "the answer card's header"


@pytest.mark.parametrize(
    ("typed", "shown", "press", "then"),
    [
        pytest.param(
            "how do I bake sourdough bread",
            ("I don't know that one", "`how do I bake sourdough bread`"),
            "Browse all topics",
            "What I can answer",
            id="a question it cannot answer says so and offers a way on",
        ),
        pytest.param(
            "home",
            ("App Home",),
            "TPM profile",
            "Technical Product Manager (TPM)",
            id="home shows the App Home and its buttons answer in the DM",
        ),
    ],
)
def test_a_reply_and_the_button_that_leads_on(
    chat: ChatSession, typed: str, shown: tuple[str, ...], press: str, then: str
) -> None:
    out = chat.send(typed)
    for text in shown:
        assert text in out
    assert press in buttons(out).values()
    assert then in chat.send(number(out, press))


def test_compare_shows_the_table_as_aligned_columns(
    chat: ChatSession, knowledge: Knowledge
) -> None:
    out = chat.send("compare")
    rows = [line for line in out.splitlines() if "│" in line]
    assert rows, out
    starts = {tuple(m.start() for m in re.finditer("│", line)) for line in rows}
    assert len(starts) == 1, "every row puts its columns in the same place"
    for area in knowledge.snapshot:
        assert any(line.startswith(area.name) for line in rows), area.name
    assert all(len(line) <= 100 for line in out.splitlines())


def test_compare_kpis_and_its_buttons(chat: ChatSession, knowledge: Knowledge) -> None:
    area = knowledge.find_area("kpis")
    assert area is not None
    out = chat.send("compare kpis")
    assert f"PM vs TPM: {area.name}" in out
    assert "Product Manager" in out and "Technical Product Manager" in out
    full = chat.send(number(out, "Full comparison"))
    assert "PM vs TPM, side by side" in full


def test_a_profile_and_the_other_profile(chat: ChatSession, knowledge: Knowledge) -> None:
    pm, tpm = knowledge.roles["pm"], knowledge.roles["tpm"]
    out = chat.send("pm")
    assert f"{pm.name} ({pm.acronym})" in out
    other = chat.send(number(out, "TPM profile"))
    assert f"{tpm.name} ({tpm.acronym})" in other


def test_jd_tpm_shows_the_sample_job_description(chat: ChatSession, knowledge: Knowledge) -> None:
    jd = knowledge.roles["tpm"].job_description
    out = chat.send("jd tpm")
    assert jd.title in out
    assert "PM job description" in " ".join(buttons(out).values())
    typed = chat.send("/rolefit jd tpm")
    assert jd.title in typed, "typing the command itself works too"


def test_a_number_without_such_a_button_is_explained(chat: ChatSession) -> None:
    chat.send("help")
    out = chat.send("99")
    assert "There is no button [99]" in out


def _options(output: str) -> dict[int, str]:
    return {
        n: label
        for n, label in buttons(output).items()
        if label not in {"Start over", "⬅️ Back", "Back"} and "Back" not in label
    }


def test_a_full_walkthrough_with_back_and_start_over(
    chat: ChatSession, knowledge: Knowledge
) -> None:
    total = len(knowledge.walkthrough.questions)
    out = chat.send("decide")
    assert f"Question 1 of {total}" in out
    first = chat.send(min(_options(out)).__str__())
    assert "✅" in first, "the answered question keeps a record of the choice"
    assert f"Question 2 of {total}" in first
    assert "Start over" in " ".join(buttons(first).values())

    back = chat.send(number(first, "Back"))
    assert f"Question 1 of {total}" in back

    out = back
    for step in range(1, total + 1):
        assert f"Question {step} of {total}" in out
        out = chat.send(str(min(_options(out))))
    titles = [v.title for v in knowledge.walkthrough.verdicts]
    assert any(title in out for title in titles), out

    again = chat.send(number(out, "Start over"))
    assert f"Question 1 of {total}" in again

    mid = chat.send(str(max(_options(again))))
    restart = chat.send(number(mid, "Start over"))
    assert f"Question 1 of {total}" in restart


def test_shortcut_lists_both_shortcuts_and_runs_them(
    chat: ChatSession, knowledge: Knowledge
) -> None:
    listed = chat.send("shortcut")
    assert "shortcut ask <a message>" in listed and "Ask RoleFit" in listed
    assert "shortcut decide" in listed and "Hire a PM or a TPM?" in listed

    asked = chat.send("shortcut ask what does a technical product manager do?")
    assert "only visible to you" in asked
    assert "Share in channel" in buttons(asked).values()

    total = len(knowledge.walkthrough.questions)
    decided = chat.send("shortcut decide")
    assert f"Question 1 of {total}" in decided
    assert "only visible to you" not in decided, "the walkthrough is posted in the DM"


# -- piped input, quitting, colour ----------------------------------------------------------------


def test_a_piped_script_prints_plain_text_and_ends_at_eof() -> None:
    done = run_piped("what is a tpm\ndecide\n1\n")
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout
    assert "What is a Technical Product Manager?" in done.stdout
    assert "Question 2 of" in done.stdout
    assert done.stderr == ""


@pytest.mark.parametrize("word", ["quit", "exit", "QUIT"])
def test_quit_and_exit_end_the_session(word: str) -> None:
    done = run_piped(f"{word}\nwhat is a tpm\n")
    assert done.returncode == 0
    assert "What is a Technical Product Manager?" not in done.stdout


def test_no_color_even_when_asked_for_a_terminal_style() -> None:
    done = run_piped("compare\n", NO_COLOR="1", TERM="xterm-256color")
    assert done.returncode == 0
    assert not SGR.search(done.stdout)


class Terminal:
    """`python -m bot chat` on a real pseudo-terminal, as a person at a shell runs it."""

    def __init__(self) -> None:
        env = console_env()
        env.pop("COLUMNS")
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the console on a real terminal
            os.chdir(ROOT)
            os.execve(sys.executable, [sys.executable, "-m", "bot", "chat"], env)
        self.seen = bytearray()

    def read_until(self, until: Callable[[bytes], bool], *, timeout: float = TURN_TIMEOUT) -> bool:
        """Read until `until` holds (True) or the console closed the terminal (False)."""
        deadline = time.monotonic() + timeout
        while not until(bytes(self.seen)):
            if time.monotonic() > deadline:
                raise TimeoutError(bytes(self.seen).decode(errors="replace"))
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:  # EIO: the child closed the terminal
                    return False
                if not chunk:
                    return False
                self.seen.extend(chunk)
        return True

    def prompts(self) -> int:
        return bytes(self.seen).count(b"rolefit>")

    def text(self) -> str:
        return SGR.sub("", bytes(self.seen).decode(errors="replace"))

    def exit_status(self) -> int:
        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        assert os.WIFEXITED(status), status
        return os.WEXITSTATUS(status)

    def close(self) -> None:
        if self.pid:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self.fd)


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    term = Terminal()
    yield term
    term.close()


def test_under_a_real_terminal_the_prompt_appears_and_an_answer_comes_back(
    terminal: Terminal,
) -> None:
    terminal.read_until(lambda out: b"rolefit>" in out)
    os.write(terminal.fd, b"what is a tpm\r")
    terminal.read_until(lambda out: out.count(b"rolefit>") >= 2)
    assert "What is a Technical Product Manager?" in terminal.text()
    assert SGR.search(bytes(terminal.seen).decode(errors="replace")), "colour on a terminal"
    os.write(terminal.fd, b"quit\r")
    assert terminal.read_until(lambda out: False) is False
    assert terminal.exit_status() == 0


def test_ctrl_d_and_ctrl_c_end_a_terminal_session_cleanly(terminal: Terminal) -> None:
    terminal.read_until(lambda out: b"rolefit>" in out)
    os.write(terminal.fd, b"\x04")
    assert terminal.read_until(lambda out: False) is False
    assert terminal.exit_status() == 0

    second = Terminal()
    try:
        second.read_until(lambda out: b"rolefit>" in out)
        os.write(second.fd, b"what")
        second.read_until(lambda out: out.rstrip().endswith(b"what"))
        closed = False
        for _ in range(5):
            # Python's readline loop misses a SIGINT that lands between redrawing the line and
            # waiting for the next key; a person just presses Ctrl-C again, and so does this test.
            os.write(second.fd, b"\x03")
            try:
                closed = not second.read_until(lambda out: False, timeout=1.0)
            except TimeoutError:
                continue
            break
        assert closed, second.text()
        assert second.exit_status() == 0
        assert "Traceback" not in second.text()
    finally:
        second.close()


# -- building blocks ------------------------------------------------------------------------------


def test_typed_lines() -> None:
    assert command_text("/rolefit compare kpis") == "compare kpis"
    assert command_text("  what is a tpm ") == "what is a tpm"
    assert command_text("/rolefit") == ""
    assert command_text("/rolefitness") == "/rolefitness"
    assert is_quit("Exit") and is_quit(" quit ") and not is_quit("quit smoking")


def test_requests_are_signed_the_way_slack_signs_them() -> None:
    secret = "0123456789abcdef0123456789abcdef"
    headers = signed_headers("a=b", content_type=FORM, secret=secret, timestamp=1700000000)
    verifier = SignatureVerifier(secret)
    expected = verifier.generate_signature(timestamp="1700000000", body="a=b")
    assert headers["X-Slack-Signature"] == expected
    assert headers["X-Slack-Request-Timestamp"] == "1700000000"
    fresh = signed_headers("a=b", content_type=FORM, secret=secret)
    assert verifier.is_valid_request("a=b", fresh)
    assert not SignatureVerifier("another-secret").is_valid_request("a=b", fresh)


def test_the_slash_command_comes_from_the_dm_with_a_response_url() -> None:
    payload = payloads.command("compare", channel=DM, response_url="http://127.0.0.1:1/response/r1")
    assert payload["command"] == "/rolefit"
    assert payload["channel_id"] == DM and payload["user_id"] == USER
    assert payload["response_url"].endswith("/response/r1")


def test_clicks_say_where_the_button_was() -> None:
    button = {"action_id": "rolefit.open.1", "value": "entry:x", "block_id": "b"}
    private = payloads.block_action(
        button, channel=DM, ephemeral=True, message={"ts": "1.1"}, response_url="u"
    )
    assert private["container"]["is_ephemeral"] is True
    assert "message" not in private
    assert private["actions"][0]["value"] == "entry:x"

    message = Message(key="m1", where="posted", ts="2.2", thread_ts="1.0")
    posted = payloads.block_action(button, channel=DM, message=message.content(), response_url="u")
    assert posted["container"]["is_ephemeral"] is False
    assert posted["message"]["ts"] == "2.2" and posted["message"]["thread_ts"] == "1.0"
    assert posted["channel"]["id"] == DM

    home = payloads.block_action(button, view={"type": "home", "blocks": []})
    assert home["container"]["type"] == "view" and home["view"]["type"] == "home"


def test_labels_say_who_can_see_a_message_and_whether_it_changed() -> None:
    assert "only visible to you" in label_for(Change("new", Message(key="a", where="ephemeral")))
    threaded = Message(key="b", where="posted", ts="2.0", thread_ts="1.0")
    assert label_for(Change("updated", threaded)) == "RoleFit · in the thread · updated"


# -- the console's Slack stand-in -----------------------------------------------------------------


async def _call(
    slack: LocalSlack, method: str, params: dict[str, Any], token: str | None = None
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token or slack.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(slack.api_url + method, json=params, headers=headers) as response,
    ):
        return await response.json()


@pytest.fixture
async def slack() -> AsyncIterator[LocalSlack]:
    server = LocalSlack(token="xoxb-console-test", strict=True)
    await server.start()
    yield server
    await server.stop()


async def test_the_stand_in_answers_like_slack(slack: LocalSlack) -> None:
    assert (await _call(slack, "auth.test", {}, token="xoxb-wrong"))["error"] == "invalid_auth"
    posted = await _call(slack, "chat.postMessage", {"channel": USER, "text": "hi"})
    assert posted["ok"] and posted["channel"] == DM
    change = slack.changes.get_nowait()
    assert change.kind == "new" and change.message.text == "hi"

    updated = await _call(
        slack, "chat.update", {"channel": DM, "ts": posted["ts"], "text": "hello"}
    )
    assert updated["ok"]
    assert slack.changes.get_nowait().kind == "updated"
    missing = await _call(slack, "chat.update", {"channel": DM, "ts": "9.9", "text": "x"})
    assert missing["error"] == "message_not_found"
    assert (await _call(slack, "chat.postMessage", {"channel": DM}))["error"] == "no_text"
    assert (await _call(slack, "no.such.method", {}))["error"] == "unknown_method"


async def test_response_urls_replace_the_original_and_take_five_posts(slack: LocalSlack) -> None:
    slack.respond("m-orig", {"text": "original"}, announce=False)
    url = slack.response_url("m-orig")
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json={"replace_original": True, "text": "new"}) as r:
            assert r.status == 200
        assert slack.messages["m-orig"].text == "new"
        async with session.post(url, json={"response_type": "in_channel", "text": "all"}) as r:
            assert r.status == 200
        statuses = []
        for _ in range(4):
            async with session.post(url, data=json.dumps({"text": "more"})) as r:
                statuses.append(r.status)
    assert statuses == [200, 200, 200, 404]
    kinds = [slack.changes.get_nowait() for _ in range(slack.changes.qsize())]
    assert kinds[0].kind == "updated"
    assert kinds[1].message.where == "posted"


# -- the console in-process -----------------------------------------------------------------------


@pytest.fixture
async def console(rolefit: RoleFit) -> AsyncIterator[Console]:
    session = Console(rolefit, out=io.StringIO(), palette=PLAIN, width=lambda: 100)
    await session.start()
    yield session
    await session.stop()


def _shown(console: Console) -> str:
    assert isinstance(console.out, io.StringIO)
    text = console.out.getvalue()
    console.out.seek(0)
    console.out.truncate()
    return text


async def test_everything_the_console_shows_is_a_message_slack_would_accept(
    console: Console,
) -> None:
    for line in ("what is a tpm", "2", "compare", "pm", "jd tpm", "decide", "1", "home"):
        await console.handle(line)
    shown = list(console.slack.messages.values())
    assert {m.where for m in shown} >= {"ephemeral", "posted", "home"}
    for message in shown:
        if message.view is not None:
            check_view(message.view)
        else:
            check_message({"text": message.text, "blocks": message.blocks})


async def test_a_button_on_a_message_that_changed_since_is_refused(console: Console) -> None:
    await console.handle("what is a tpm")
    choice = console.choices[0]
    console.slack.respond(choice.key, {"replace_original": True, "text": "gone"}, announce=False)
    _shown(console)
    await console.handle("1")
    assert "Button [1] is gone" in _shown(console)


async def test_a_round_without_buttons_keeps_the_numbers_in_place(console: Console) -> None:
    await console.handle("what is a tpm")
    share = next(n for n, c in enumerate(console.choices, 1) if c.button["action_id"] == SHARE)
    await console.handle(str(share))
    _shown(console)
    before = list(console.choices)
    helpful = next(n for n, c in enumerate(before, 1) if c.button["action_id"].startswith(HELPFUL))
    await console.handle(str(helpful))
    assert "Thanks! Glad it helped." in _shown(console), "a vote on a shared card: a private note"
    assert console.choices == before
