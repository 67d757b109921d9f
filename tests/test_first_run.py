"""What an operator sees on a first start: a usable port, a quiet log, errors that name the fix."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys

import aiohttp

from bot.local_slack.launcher import READY_TIMEOUT, server_env
from bot.local_slack.standin import LocalSlack
from tests.support.cli import ROOT, run_rolefit


def test_a_missing_knowledge_folder_names_the_variable_that_chose_it() -> None:
    done = run_rolefit("check", knowledge=ROOT / "no-such-folder")
    assert done.returncode == 1
    assert "no-such-folder: is not a folder" in done.stderr
    assert "ROLEFIT_KNOWLEDGE_DIR" in done.stderr

    asked = run_rolefit("ask", "what is a tpm", knowledge=ROOT / "no-such-folder")
    assert asked.returncode == 1
    assert "ROLEFIT_KNOWLEDGE_DIR" in asked.stderr


def test_a_folder_given_on_the_command_line_is_not_blamed_on_the_variable() -> None:
    done = run_rolefit("check", str(ROOT / "no-such-folder"))
    assert done.returncode == 1
    assert "no-such-folder: is not a folder" in done.stderr
    assert "ROLEFIT_KNOWLEDGE_DIR" not in done.stderr


def test_a_negative_port_is_refused_with_a_clear_line() -> None:
    done = run_rolefit("serve", "--port", "-1")
    assert done.returncode == 2
    assert "expected 0 (a free port) or a number from 1 to 65535" in done.stderr


async def test_port_0_serves_on_a_free_port_it_prints_and_starts_without_warnings(
    stub: LocalSlack,
) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "bot", "serve", "--host", "127.0.0.1", "--port", "0"),
        cwd=ROOT,
        env=server_env(api_url=stub.api_url),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), READY_TIMEOUT)).decode()
        assert line.startswith("listening on http://127.0.0.1:"), line
        port = int(line.rsplit(":", 1)[1].split("/", 1)[0])
        assert port not in {0, 3000}
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/healthz") as response,
        ):
            assert response.status == 200
        process.send_signal(signal.SIGTERM)
        stderr = (await asyncio.wait_for(process.stderr.read(), READY_TIMEOUT)).decode()
        assert await asyncio.wait_for(process.wait(), READY_TIMEOUT) == 0
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
    assert f"serving Slack requests on http://127.0.0.1:{port}/slack/events" in stderr
    assert "WARNING" not in stderr, stderr
    assert "token" not in stderr.lower(), stderr


def test_the_procfile_has_a_web_and_a_socket_mode_worker_process() -> None:
    processes = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip()
    )
    assert {name: command.strip() for name, command in processes.items()} == {
        "web": "rolefit serve",
        "worker": "rolefit socket",
    }
    needs = {"web": "SLACK_SIGNING_SECRET", "worker": "SLACK_APP_TOKEN"}
    for name, command in processes.items():
        program, *args = command.split()
        assert program == "rolefit"
        done = run_rolefit(*args)
        assert done.returncode == 2, (name, done.stderr)
        assert "SLACK_BOT_TOKEN is not set" in done.stderr, name
    for name, variable in needs.items():
        arguments = processes[name].split()[1:]
        done = run_rolefit(*arguments, env={"SLACK_BOT_TOKEN": "xoxb-1-procfile"})
        assert variable in done.stderr, (name, done.stderr)
