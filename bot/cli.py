"""The `rolefit` command: ask, check, serve, socket, chat, and a sensible default."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from bot.cards.common import OPEN, OPEN_ALSO, Surface
from bot.cards.refs import parse_ref
from bot.cards.replies import Reply, RoleFit, load_rolefit
from bot.config import ConfigError, Settings, load_settings
from bot.console.render import render_blocks
from bot.feedback.cli import add_drafts_parser, add_report_parser, cmd_drafts, cmd_report
from bot.feedback.report import parse_since
from bot.knowledge.loader import collect_problems, folder_origin, knowledge_dir
from bot.knowledge.problems import KnowledgeError
from bot.knowledge.review import stale_entries
from bot.pipes import discard_output

CONNECT_HINT = (
    "Running without Slack. To connect, set SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Socket Mode) "
    "or SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (HTTP mode); see README, 'Connect to Slack'."
)


def _port(text: str) -> int:
    """0 asks for a free port (printed at start); anything else must be a real port number."""
    if not text.strip().isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(
            f"expected 0 (a free port) or a number from 1 to 65535, got {text!r}"
        )
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rolefit", description="RoleFit: do you need a PM or a TPM? A Slack bot."
    )
    sub = parser.add_subparsers(dest="command")
    ask = sub.add_parser("ask", help="answer one question (or '-' for one per line on stdin)")
    ask.add_argument("question", help="the question, or '-' to read questions from stdin")
    ask.add_argument("--format", choices=("text", "json"), default="text")
    check = sub.add_parser("check", help="validate a knowledge folder")
    check.add_argument(
        "folder", nargs="?", help="default: ROLEFIT_KNOWLEDGE_DIR or the bundled one"
    )
    check.add_argument(
        "--stale", metavar="AGE", help="also list entries not reviewed within AGE (e.g. 180d)"
    )
    check.add_argument(
        "--strict", action="store_true", help="with --stale: exit 1 when any entry is due"
    )
    serve = sub.add_parser("serve", help="HTTP mode (needs SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET)")
    serve.add_argument("--host", default=None, help="default 0.0.0.0")
    serve.add_argument(
        "--port", type=_port, default=None, help="default: PORT, else 3000; 0 picks a free port"
    )
    sub.add_parser("socket", help="Socket Mode (needs SLACK_BOT_TOKEN, SLACK_APP_TOKEN)")
    chat = sub.add_parser("chat", help="try every feature in this terminal, no Slack needed")
    chat.add_argument(
        "--channel",
        action="store_true",
        help="as if in a public channel (threads, Share, where to decide), not a DM",
    )
    add_report_parser(sub)
    add_drafts_parser(sub)
    return parser


DECIDE_HINT = "The hiring walkthrough needs buttons: run `rolefit chat` and type `decide`."


def offered_entries(reply: Reply) -> list[str]:
    """The FAQ entries the reply's card offers as buttons, in order, each once."""
    ids: list[str] = []
    for block in reply.card.blocks if reply.card else []:
        elements = list(block.get("elements") or []) if block.get("type") == "actions" else []
        if block.get("accessory"):
            elements.append(block["accessory"])
        for element in elements:
            if not str(element.get("action_id", "")).startswith((OPEN, OPEN_ALSO)):
                continue
            ref = parse_ref(str(element.get("value") or ""))
            if ref is not None and ref.kind == "entry" and ref.arg not in ids:
                ids.append(ref.arg)
    return ids


def result_json(question: str, reply: Reply, *, rolefit: RoleFit) -> dict[str, Any]:
    """The JSON shape of `rolefit ask --format json`, stable for scripts; `suggestions` are the
    entries the card offers as buttons, and a subcommand's card names the entry it stands for
    (`RoleFit.stands_for`)."""
    knowledge = rolefit.knowledge
    match = rolefit.stands_for(question, reply)
    best = match.best if match is not None else None
    scored = (match.best, *match.alternatives) if match is not None else ()
    scores = {c.entry.id: c.score for c in scored if c is not None}
    card = reply.card
    verdict = match.verdict if match is not None else "answer" if card is not None else "none"
    suggestions = [
        {
            "id": entry.id,
            "topic": entry.topic,
            "title": entry.title,
            "score": scores.get(entry.id),
        }
        for entry in (knowledge.by_id[i] for i in offered_entries(reply) if i in knowledge.by_id)
        if best is None or entry.id != best.entry.id or verdict == "suggest"
    ]
    return {
        "question": question,
        "kind": reply.kind,
        "verdict": verdict,
        "answered": verdict == "answer",
        "id": best.entry.id if best else None,
        "topic": best.entry.topic if best else None,
        "title": best.entry.title if best else None,
        "score": best.score if best else None,
        "suggestions": suggestions,
        "text": card.text if card else DECIDE_HINT,
        "blocks": card.blocks if card else [],
    }


def _ask_text(reply: Reply, result: dict[str, Any]) -> str:
    match = reply.match
    titles = [f"  - {s['title']}" for s in result["suggestions"]]
    if reply.card is None:
        return DECIDE_HINT
    if reply.kind in ("greeting", "thanks"):
        return reply.card.text
    if match is None:
        return "\n".join(render_blocks(reply.card.blocks, text=reply.card.text).lines)
    if match.best is None or match.verdict == "none":
        lines = ['I don\'t know that one. Try `rolefit ask "what is a tpm"`.']
        return "\n".join([*lines, "", "People often ask:", *titles] if titles else lines)
    if match.verdict == "answer":
        lines = [match.best.entry.title, "", match.best.entry.answer.strip()]
        return "\n".join([*lines, "", "See also:", *titles] if titles else lines)
    return "\n".join(["Did you mean:", *titles])


def cmd_ask(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    """The same reply as `/rolefit <text>` in Slack, for every subcommand."""
    rolefit = load_rolefit(err)
    if rolefit is None:
        return 1
    questions = (line.rstrip("\r\n") for line in stdin) if args.question == "-" else [args.question]
    try:
        for question in questions:
            reply = rolefit.reply(question, surface=Surface.PRIVATE)
            result = result_json(question, reply, rolefit=rolefit)
            if args.format == "json":
                print(json.dumps(result, ensure_ascii=False), file=out)
            else:
                print(_ask_text(reply, result), file=out)
            out.flush()
    except BrokenPipeError:
        discard_output(out)
        return 1
    return 0


def cmd_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    max_age = 0
    if args.stale is not None:
        try:
            window = parse_since(args.stale)
        except ValueError:
            window = None
        if window is None:
            print(
                f"rolefit: --stale expects an age such as 180d or 26w, got {args.stale!r}", file=err
            )
            return 2
        max_age = int(window // 86400)
    if args.folder:
        folder = Path(args.folder)
        knowledge, problems = collect_problems(folder)
    else:
        folder = knowledge_dir()
        knowledge, problems = collect_problems(folder, origin=folder_origin())
    if knowledge is None:
        print(KnowledgeError(problems).summary(), file=err)
        return 1
    print(
        f"ok: {folder}: {len(knowledge.entries)} questions in {len(knowledge.topics())} topics, "
        f"{len(knowledge.areas)} comparison areas, {len(knowledge.walkthrough.questions)} "
        "walkthrough questions",
        file=out,
    )
    if args.stale is None:
        return 0
    due = stale_entries(knowledge.entries, today=date.today(), max_age_days=max_age)
    print(f"{len(due)} of {len(knowledge.entries)} entries not reviewed in {args.stale}", file=out)
    for entry in due:
        when = entry.reviewed.isoformat() if entry.reviewed else "never"
        print(f"  {entry.id}  reviewed: {when}  owner: {entry.owner or '(none)'}", file=out)
    return 1 if args.strict and due else 0


def _settings(err: TextIO) -> Settings | None:
    try:
        return load_settings()
    except ConfigError as error:
        print(f"rolefit: {error}", file=err)
        return None


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    out, err = sys.stdout, sys.stderr
    if args.command == "ask":
        return cmd_ask(args, out, err, sys.stdin)
    if args.command == "report":
        return cmd_report(args, out, err)
    if args.command == "drafts":
        return cmd_drafts(args, out, err)
    if args.command == "check":
        return cmd_check(args, out, err)
    settings = _settings(err)
    if settings is None:
        return 2
    command = args.command or settings.mode
    from bot import runner

    try:
        if command in {"serve", "http"}:
            if settings.distributed:
                settings.require("SLACK_SIGNING_SECRET")
            else:
                settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
            return runner.serve(
                settings,
                host=getattr(args, "host", None),
                port=getattr(args, "port", None),
                err=err,
            )
        if command == "socket":
            if settings.distributed:
                raise ConfigError(
                    "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set: distribution mode runs in "
                    "HTTP mode (rolefit serve); unset them for Socket Mode."
                )
            settings.require("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
            return runner.socket(settings, err=err)
    except ConfigError as error:
        print(f"rolefit: {error}", file=err)
        return 2
    if args.command is None:
        print(CONNECT_HINT, file=err)
    return runner.chat(settings, err=err, in_channel=getattr(args, "channel", False))


if __name__ == "__main__":
    raise SystemExit(main())
