"""The `rolefit` command: ask, check, serve, socket, chat, and a sensible default."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from bot.cards.common import Surface
from bot.cards.replies import Reply, RoleFit
from bot.config import ConfigError, Settings, load_settings
from bot.feedback.cli import add_report_parser, cmd_report
from bot.knowledge.loader import collect_problems, knowledge_dir, load_knowledge
from bot.knowledge.problems import KnowledgeError
from bot.pipes import discard_output

CONNECT_HINT = (
    "Running without Slack. To connect, set SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Socket Mode) "
    "or SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (HTTP mode); see README, 'Connect to Slack'."
)


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
    serve = sub.add_parser("serve", help="HTTP mode (needs SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET)")
    serve.add_argument("--host", default=None, help="default 0.0.0.0")
    serve.add_argument("--port", type=int, default=None, help="default: PORT, else 3000")
    sub.add_parser("socket", help="Socket Mode (needs SLACK_BOT_TOKEN, SLACK_APP_TOKEN)")
    sub.add_parser("chat", help="try every feature in this terminal, no Slack needed")
    add_report_parser(sub)
    return parser


def _load(out: TextIO) -> RoleFit | None:
    try:
        return RoleFit(load_knowledge())
    except KnowledgeError as error:
        print(error.summary(), file=out)
        return None


def result_json(question: str, reply: Reply) -> dict[str, Any]:
    """The JSON shape of `rolefit ask --format json`, stable for scripts."""
    match = reply.match
    best = match.best if match is not None else None
    verdict = match.verdict if match is not None else "answer"
    card = reply.card
    return {
        "question": question,
        "verdict": verdict,
        "answered": match is not None and match.answered,
        "id": best.entry.id if best else None,
        "topic": best.entry.topic if best else None,
        "title": best.entry.title if best else None,
        "score": best.score if best else None,
        "suggestions": [
            {"id": c.entry.id, "topic": c.entry.topic, "title": c.entry.title, "score": c.score}
            for c in (match.alternatives if match is not None else ())
        ],
        "text": card.text if card else "",
        "blocks": card.blocks if card else [],
    }


def _ask_text(reply: Reply) -> str:
    match = reply.match
    if match is None or match.best is None or match.verdict == "none":
        return 'I don\'t know that one. Try `rolefit ask "what is a tpm"`.'
    lines: list[str] = []
    if match.verdict == "answer":
        lines += [match.best.entry.title, "", match.best.entry.answer.strip()]
        if match.alternatives:
            lines += ["", "See also:"]
            lines += [f"  - {c.entry.title} ({c.score:.0f})" for c in match.alternatives]
    else:
        lines.append("Did you mean:")
        lines += [f"  - {c.entry.title} ({c.score:.0f})" for c in (match.best, *match.alternatives)]
    return "\n".join(lines)


def cmd_ask(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    rolefit = _load(err)
    if rolefit is None:
        return 1
    questions = (line.rstrip("\r\n") for line in stdin) if args.question == "-" else [args.question]
    try:
        for question in questions:
            reply = rolefit.answer(question, surface=Surface.PRIVATE)
            if args.format == "json":
                print(json.dumps(result_json(question, reply), ensure_ascii=False), file=out)
            else:
                print(_ask_text(reply), file=out)
            out.flush()
    except BrokenPipeError:
        discard_output(out)
        return 1
    return 0


def cmd_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    folder = Path(args.folder) if args.folder else knowledge_dir()
    knowledge, problems = collect_problems(folder)
    if knowledge is None:
        print(KnowledgeError(problems).summary(), file=err)
        return 1
    print(
        f"ok: {folder}: {len(knowledge.entries)} questions in {len(knowledge.topics())} topics, "
        f"{len(knowledge.areas)} comparison areas, {len(knowledge.walkthrough.questions)} "
        "walkthrough questions",
        file=out,
    )
    return 0


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
    return runner.chat(err=err)


if __name__ == "__main__":
    raise SystemExit(main())
