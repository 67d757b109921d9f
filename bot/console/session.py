"""`rolefit chat`: the real Slack app, driven from a terminal.

The console builds the same Bolt app as HTTP and Socket Mode, points its Web API client at its own
Slack stand-in (`bot.local_slack.standin`), and turns what the person types into signed slash
commands and button clicks dispatched into the app. What the app posts comes back through the
stand-in and is printed with `bot.console.render`. No feature lives here, so every feature of the
app shows up.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import os
import re
import secrets
import shutil
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot import logs
from bot.cards.common import ASK_SHORTCUT, DECIDE_SHORTCUT
from bot.cards.replies import RoleFit
from bot.config import Settings
from bot.console.render import (
    BOLD,
    CYAN,
    DEFAULT_WIDTH,
    DIM,
    MIN_WIDTH,
    Palette,
    banner,
    render_blocks,
    text_object,
    use_color,
    wrap,
)
from bot.local_slack import payloads
from bot.local_slack.signing import FORM, JSON, form_body, json_body, payload_body, signed_headers
from bot.local_slack.standin import Change, LocalSlack
from bot.local_slack.workspace import BOT_USER, DM, USER
from bot.pipes import discard_output
from bot.slack.app import build_app, build_services
from bot.slack.services import Services

COMMAND = payloads.COMMAND
MENTION = "@rolefit"
CHANNEL = "C0CONSOLE0"  # `rolefit chat --channel`: a public channel RoleFit is a member of
CHANNEL_NAME = "console"
QUIT = {"quit", "exit", ":q"}
HOME = "home"
SHORTCUT = "shortcut"
SHORTCUTS = (
    (
        "shortcut ask <a message>",
        "“Ask RoleFit”, the message shortcut: RoleFit answers that message, only for you.",
    ),
    (
        "shortcut decide",
        "“Hire a PM or a TPM?”, the global shortcut: the hiring walkthrough, in your DM.",
    ),
)
QUIET = 0.05  # the app is done once nothing new has arrived for this long...
MAX_WAIT = 5.0  # ...or after this long, whatever is still running

INTRO = (
    "RoleFit console: the Slack app, running here. No Slack workspace needed.",
    "Type a question, or what you would type after /rolefit: help, compare, compare kpis, "
    "pm, tpm, jd tpm, decide, topics.",
    "Type a button's number to press it (numbers refer to the buttons of the most recently "
    "shown messages). `home` opens the App Home tab; `shortcut` lists Slack's shortcuts; "
    "`quit` (or Ctrl-D) leaves.",
)

CHANNEL_INTRO = (
    f"You are in #{CHANNEL_NAME}, a public channel: `/rolefit` replies are still only for you; "
    "start a line with @RoleFit to mention the bot, which answers in a thread everyone sees."
)
_SGR = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class Choice:
    """A numbered button: which message it sits on, and the button as the app sent it."""

    key: str
    button: dict[str, Any]


# ---------------------------------------------------------------------------------------------
# What the person sees (pure)


def mention_text(line: str) -> str | None:
    """What follows `@RoleFit` when the line starts with it, else None."""
    text = line.strip()
    if text.lower().startswith(MENTION):
        return text[len(MENTION) :].strip()
    return None


def label_for(change: Change, *, channel_mode: bool = False) -> str:
    """Who posted it and where, as the line above the message says in Slack."""
    message = change.message
    label = {
        "ephemeral": "RoleFit · only visible to you",
        "posted": "RoleFit",
        "home": "RoleFit · App Home",
        "modal": "RoleFit · dialog",
    }[message.where]
    if channel_mode and message.where == "posted":
        label += " · your DM" if message.channel == DM else f" · #{CHANNEL_NAME}"
    if message.where == "posted" and message.thread_ts and message.thread_ts != message.ts:
        label += " · in the thread"
    if change.kind == "updated":
        label += " · updated"
    return label


def is_quit(line: str) -> bool:
    return line.strip().lower() in QUIT


def command_text(line: str) -> str:
    """What follows `/rolefit`, whether or not the person typed the command itself."""
    text = line.strip()
    if text.lower() == COMMAND or text.lower().startswith(COMMAND + " "):
        text = text[len(COMMAND) :].strip()
    return text


# ---------------------------------------------------------------------------------------------
# The console: one instance per session, on one event loop


class Console:
    """Drives the Bolt app the way Slack does and prints what it posts."""

    def __init__(
        self,
        rolefit: RoleFit,
        *,
        out: TextIO,
        palette: Palette,
        width: Callable[[], int] | None = None,
        in_channel: bool = False,
        settings: Settings | None = None,
    ) -> None:
        self.rolefit = rolefit
        self.channel = CHANNEL if in_channel else DM
        self._settings = settings
        self.out = out
        self.palette = palette
        self._width = width or terminal_width
        self._secret = secrets.token_hex(16)
        self.slack = LocalSlack(token=f"xoxb-console-{secrets.token_hex(8)}", strict=True)
        self.slack.typed_in = self.channel
        self.app: AsyncApp | None = None
        self.services: Services | None = None
        self.choices: list[Choice] = []
        self._round: list[Choice] = []

    async def start(self) -> None:
        await self.slack.start()
        settings = Settings(
            bot_token=self.slack.token, signing_secret=self._secret, api_url=self.slack.api_url
        )
        self.services = build_services(self.rolefit, settings=self._settings)
        self.services.place = "console"
        self.app = build_app(settings=settings, services=self.services)

    async def stop(self) -> None:
        await self.slack.stop()
        if self.services is not None and self.services.feedback is not None:
            await asyncio.to_thread(self.services.feedback.close)

    async def handle(self, line: str) -> None:
        """One line the person typed (not a quit)."""
        text = line.strip()
        if not text:
            return
        self._round = []
        if text.isdigit():
            await self.press(int(text))
        elif text.lower() == HOME:
            await self._run(json_body(payloads.envelope(payloads.home_opened())), JSON)
        elif text.lower() == SHORTCUT or text.lower().startswith(SHORTCUT + " "):
            await self.shortcut(text[len(SHORTCUT) :].strip())
        elif (said := mention_text(text)) is not None and self.channel != DM:
            mention = payloads.mention(said, channel=self.channel, ts=f"{time.time():.6f}")
            await self._run(json_body(payloads.envelope(mention)), JSON)
        else:
            await self.command(command_text(text))
        self._end_round()

    async def command(self, text: str) -> None:
        key = self.slack.new_key()
        payload = payloads.command(
            text,
            channel=self.channel,
            channel_name=None if self.channel == DM else CHANNEL_NAME,
            response_url=self.slack.response_url(target=key),
        )
        response, started = await self._dispatch(form_body(payload), FORM)
        if response.status == 200 and response.body:
            change = self.slack.respond(key, _ack_message(response.body), announce=False)
            if change is not None:
                self._show(change)
        elif response.status != 200:
            self.note(_refused(response))
        await self._settle(started)

    async def shortcut(self, args: str) -> None:
        """Run one of the app's shortcuts, or list them."""
        name, _, text = args.partition(" ")
        if name.lower() == "ask" and text.strip():
            payload = payloads.message_shortcut(
                ASK_SHORTCUT,
                text=text.strip(),
                channel=DM,
                author=USER,
                response_url=self.slack.response_url(None),
            )
        elif name.lower() == "decide" and not text.strip():
            payload = payloads.global_shortcut(DECIDE_SHORTCUT)
        else:
            self.say("Shortcuts (in Slack: the ⚡ menu, or a message's ⋮ menu):")
            self.say(*(f"  {usage:<26} {what}" for usage, what in SHORTCUTS))
            return
        await self._run(payload_body(payload), FORM)

    async def press(self, number: int) -> None:
        if not 1 <= number <= len(self.choices):
            shown = f"1 to {len(self.choices)}" if self.choices else "none right now"
            self.note(f"There is no button [{number}] (buttons: {shown}).")
            return
        choice = self.choices[number - 1]
        message = self.slack.messages.get(choice.key)
        if message is None or not _has_button(message.blocks, choice.button):
            self.note(f"Button [{number}] is gone: that message has changed since.")
            return
        label = text_object(choice.button.get("text"), self.palette)
        self.note(f"You pressed “{label}”.")
        payload = payloads.block_action(
            choice.button,
            channel=message.channel,
            response_url=self.slack.response_url(target=message.key),
            ephemeral=message.where == "ephemeral",
            message=message.content(),
            view={"type": message.where, **(message.view or {})} if message.view else None,
        )
        await self._run(payload_body(payload), FORM)

    async def _run(self, body: str, content_type: str) -> None:
        response, started = await self._dispatch(body, content_type)
        if response.status != 200:
            self.note(_refused(response))
        await self._settle(started)

    async def _dispatch(
        self, body: str, content_type: str
    ) -> tuple[BoltResponse, set[asyncio.Task[Any]]]:
        """Into the app in-process, signed; returns the ack and the tasks (lazy listeners) it
        started."""
        assert self.app is not None, "start() first"
        headers: dict[str, str | Sequence[str]] = {
            **signed_headers(body, content_type=content_type, secret=self._secret)
        }
        before = asyncio.all_tasks()
        response = await self.app.async_dispatch(AsyncBoltRequest(body=body, headers=headers))
        return response, asyncio.all_tasks() - before

    async def _settle(self, started: set[asyncio.Task[Any]]) -> None:
        """Print what the app posts until its lazy listeners are done and things go quiet."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + MAX_WAIT
        while True:
            try:
                change = await asyncio.wait_for(self.slack.changes.get(), QUIET)
            except TimeoutError:
                if not any(not t.done() for t in started) or loop.time() >= deadline:
                    break
                continue
            self._show(change)
            if loop.time() >= deadline:
                break
        while not self.slack.changes.empty():
            self._show(self.slack.changes.get_nowait())

    def _show(self, change: Change) -> None:
        message = change.message
        width = self._width()
        if change.kind == "deleted":
            self.say("", self.palette.paint("(RoleFit removed a message)", DIM))
            return
        rendered = render_blocks(
            message.blocks,
            text=message.text,
            width=width,
            palette=self.palette,
            first_number=len(self._round) + 1,
        )
        self._round.extend(Choice(message.key, b) for b in rendered.buttons)
        label = label_for(change, channel_mode=self.channel != DM)
        self.say("", banner(label, width=width, palette=self.palette))
        self.say(*rendered.lines)

    def _end_round(self) -> None:
        """Numbers follow the latest messages with buttons; a round that showed none keeps the
        numbers as they were (a button that has since gone away is refused when pressed)."""
        if self._round:
            self.choices = self._round
        self._round = []

    def note(self, text: str) -> None:
        self.say(self.palette.paint(text, DIM))

    def say(self, *lines: str) -> None:
        for line in lines:
            self.out.write(line + "\n")
        self.out.flush()


def _ack_message(body: str) -> dict[str, Any]:
    """A command's ack body: JSON with text/blocks, or plain text."""
    try:
        data = json.loads(body)
    except ValueError:
        return {"text": body}
    return data if isinstance(data, dict) else {"text": body}


def _refused(response: BoltResponse) -> str:
    if response.status == 404:
        return "(Nothing in RoleFit handles that yet.)"
    if response.status == 401:
        return "(RoleFit refused the request: bad signature.)"
    return f"(RoleFit answered with HTTP {response.status}.)"


def _has_button(blocks: list[dict[str, Any]], button: Mapping[str, Any]) -> bool:
    def same(element: Mapping[str, Any]) -> bool:
        return element.get("action_id") == button.get("action_id") and element.get(
            "value"
        ) == button.get("value")

    for block in blocks:
        elements = list(block.get("elements") or []) if block.get("type") == "actions" else []
        if block.get("accessory"):
            elements.append(block["accessory"])
        if any(same(e) for e in elements if isinstance(e, Mapping)):
            return True
    return False


def terminal_width() -> int:
    return max(MIN_WIDTH, shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns)


# ---------------------------------------------------------------------------------------------
# The session: reading lines, logging, start and stop


class _OneLineFormatter(logging.Formatter):
    """Warnings and errors as one line: a stack trace would bury the conversation."""

    def formatException(self, ei: Any) -> str:
        return ""

    def formatStack(self, stack_info: str) -> str:
        return ""


def quiet_logging(err: TextIO, env: Mapping[str, str]) -> None:
    """App logs stay out of the conversation: WARNING and up, one line, on stderr. LOG_LEVEL=DEBUG
    or INFO asks for the full logs instead."""
    level = (env.get("LOG_LEVEL") or "").strip().upper()
    if level in {"DEBUG", "INFO"}:
        logs.setup(level=level, fmt=(env.get("LOG_FORMAT") or "text").strip().lower())
        return
    handler = logging.StreamHandler(err)
    handler.setFormatter(_OneLineFormatter("rolefit: %(levelname)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    for noisy in ("slack_bolt", "rolefit.bolt", "aiohttp", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.ERROR)


def _prompt(palette: Palette, *, readline: bool) -> str:
    if not palette.color:
        return "rolefit> "
    styled = palette.paint("rolefit>", BOLD, CYAN)
    if readline:  # readline must be told which characters take no room on screen
        styled = _SGR.sub(lambda m: f"\x01{m.group()}\x02", styled)
    return styled + " "


def _read_line(stdin: TextIO, out: TextIO, prompt: str, *, interactive: bool) -> str | None:
    """The next line, or None at the end of input. Piped input is echoed after the prompt, so a
    scripted session reads like a transcript, and a program driving the console knows it is
    ready for the next line when the prompt appears."""
    if interactive:
        try:
            return input(prompt)
        except EOFError:
            out.write("\n")
            return None
    out.write(prompt)
    out.flush()
    line = stdin.readline()
    out.write(line.rstrip("\r\n") + "\n")
    out.flush()
    return line.rstrip("\r\n") if line else None


def run_console(
    rolefit: RoleFit,
    *,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    env: Mapping[str, str] | None = None,
    in_channel: bool = False,
    settings: Settings | None = None,
) -> int:
    """The console loop; with `settings`, feedback is recorded to ROLEFIT_DB as place console."""
    stdin, out, err = stdin or sys.stdin, out or sys.stdout, err or sys.stderr
    env = os.environ if env is None else env
    interactive = stdin.isatty()
    if isinstance(out, io.TextIOWrapper):
        with contextlib.suppress(ValueError):
            out.reconfigure(errors="replace")
    if interactive:
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (up/down history and line editing for input())
    quiet_logging(err, env)
    palette = Palette(color=use_color(out, env), me=USER, bot=BOT_USER)
    console = Console(rolefit, out=out, palette=palette, in_channel=in_channel, settings=settings)
    prompt = _prompt(palette, readline=interactive)
    loop = asyncio.new_event_loop()
    status = 0
    try:
        loop.run_until_complete(console.start())
        texts = (*INTRO, CHANNEL_INTRO) if in_channel else INTRO
        intro = [line for text in texts for line in wrap(text, terminal_width())]
        console.say(*(palette.paint(line, DIM) for line in intro))
        while True:
            line = _read_line(stdin, out, prompt, interactive=interactive)
            if line is None or is_quit(line):
                break
            try:
                loop.run_until_complete(console.handle(line))
            except BrokenPipeError:
                raise
            except Exception as error:  # the person gets a line, never a stack trace
                logging.getLogger("rolefit.console").error("console: %r", error, exc_info=True)
                console.note(f"(The console could not show that: {type(error).__name__}.)")
    except KeyboardInterrupt:
        with contextlib.suppress(BrokenPipeError):
            out.write("\n")
    except BrokenPipeError:
        discard_output(out)
        status = 1
    except Exception as error:  # e.g. no local port for the stand-in: one line, no stack trace
        err.write(f"rolefit: the console stopped: {type(error).__name__}: {error}\n")
        status = 1
    finally:
        _shutdown(loop, console)
    return status


def _shutdown(loop: asyncio.AbstractEventLoop, console: Console) -> None:
    """Cancel what is still running (a Ctrl-C can land mid-request), then close the stand-in."""
    try:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(console.stop())
        loop.run_until_complete(loop.shutdown_asyncgens())
    except (KeyboardInterrupt, RuntimeError):
        pass
    finally:
        loop.close()
