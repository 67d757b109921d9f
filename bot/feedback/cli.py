"""`rolefit report` and `rolefit drafts`: what the feedback database holds, for the keepers."""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO, TypeVar, get_args

from bot.config import ConfigError, load_settings
from bot.database import display_name
from bot.feedback.drafts import export_yaml
from bot.feedback.records import ChannelType
from bot.feedback.report import DEFAULT_LIMIT, build_report, parse_since, report_json, report_text
from bot.feedback.store import FeedbackStore, SqliteStore

T = TypeVar("T")


def add_report_parser(sub: Any) -> None:
    report = sub.add_parser(
        "report", help="knowledge gaps and answer ratings from DATABASE_URL or ROLEFIT_DB"
    )
    report.add_argument("--since", default="30d", help="how far back: 7d, 30d, 12h, all")
    report.add_argument("--format", choices=("text", "json"), default="text")
    report.add_argument("--db", default=None, help="default: ROLEFIT_DB, else ./rolefit.db")
    report.add_argument("--limit", type=int, default=DEFAULT_LIMIT, help="rows per list")
    report.add_argument(
        "--place",
        choices=get_args(ChannelType),
        default=None,
        help="only questions asked and votes cast there (console: `rolefit chat`)",
    )
    report.add_argument("--team", default=None, help="one workspace only (its id, T...)")


def add_drafts_parser(sub: Any) -> None:
    drafts = sub.add_parser("drafts", help="experts' answers kept for review")
    actions = drafts.add_subparsers(dest="drafts_command", required=True)
    export = actions.add_parser("export", help="write the drafts as FAQ entries for faq.yml")
    export.add_argument("--out", default=None, help="a file to write (default: standard output)")
    export.add_argument("--db", default=None, help="default: ROLEFIT_DB, else ./rolefit.db")


def _open(*, database_url: str | None, path: str | None) -> FeedbackStore:
    if database_url:
        from bot.feedback.postgres import PostgresStore

        return PostgresStore.open(database_url)
    assert path is not None
    return SqliteStore.open(path)


def _read(db: str | None, err: TextIO, query: Callable[[FeedbackStore], T]) -> T | int:
    """Run `query` on the feedback database (DATABASE_URL, else ROLEFIT_DB, or `--db`), or say
    why not and return the exit status."""
    path, database_url = db, None
    if path is None:
        try:
            settings = load_settings()
        except ConfigError as error:
            print(f"rolefit: {error}", file=err)
            return 2
        path, database_url = settings.db_path, settings.database_url
    if database_url is None and (not path or not Path(path).expanduser().is_file()):
        print(
            f"rolefit: no feedback database at {path} (set DATABASE_URL or ROLEFIT_DB, or pass "
            "--db; the app creates it when it first records something)",
            file=err,
        )
        return 1
    where = display_name(database_url) if database_url else path
    try:
        store = _open(database_url=database_url, path=path)
        try:
            return query(store)
        finally:
            store.close()
    except Exception as error:  # sqlite3, SQLAlchemy and driver errors alike: one clear line
        print(f"rolefit: cannot read {where}: {type(error).__name__}: {error}", file=err)
        return 1


def cmd_drafts(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """`rolefit drafts export`: every draft, as entries a keeper appends to faq.yml."""
    drafts = _read(args.db, err, lambda store: store.drafts())
    if isinstance(drafts, int):
        return drafts
    text = export_yaml(drafts, existing_ids=_titles(), now=time.time())
    if args.out is None:
        out.write(text)
        return 0
    try:
        Path(args.out).expanduser().write_text(text, encoding="utf-8")
    except OSError as error:
        print(f"rolefit: cannot write {args.out}: {error.strerror}", file=err)
        return 1
    print(f"wrote {len(drafts)} draft entries to {args.out}", file=err)
    return 0


def _titles() -> dict[str, str]:
    """Answer titles for the report; ids alone if the knowledge cannot be loaded."""
    from bot.knowledge.loader import load_knowledge
    from bot.knowledge.problems import KnowledgeError

    try:
        knowledge = load_knowledge()
    except KnowledgeError:
        return {}
    return {entry.id: entry.title for entry in knowledge.entries}


def cmd_report(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        window = parse_since(args.since)
    except ValueError as error:
        print(f"rolefit: {error}", file=err)
        return 2
    if args.limit < 1:
        print("rolefit: --limit must be 1 or more", file=err)
        return 2
    team = (args.team or "").strip()
    if args.team is not None and not re.fullmatch(r"[TE][A-Z0-9]+", team):
        print(
            f"rolefit: --team expects a workspace id such as T012AB3CD, got {args.team!r}",
            file=err,
        )
        return 2
    now = time.time()
    since = None if window is None else now - window
    rows = _read(
        args.db,
        err,
        lambda s: (s.questions(since=since), s.votes(since=since), s.drafts(since=since)),
    )
    if isinstance(rows, int):
        return rows
    questions, votes, drafts = rows
    if args.place is not None:
        questions = [q for q in questions if q.channel_type == args.place]
        votes = [v for v in votes if v.place == args.place]
    if team:
        questions = [q for q in questions if q.team == team]
        votes = [v for v in votes if v.team == team]
        drafts = [d for d in drafts if d.team == team]
    report = build_report(
        questions, votes, since=since, now=now, titles=_titles(), limit=args.limit, drafts=drafts
    )
    if args.format == "json":
        print(json.dumps(report_json(report), ensure_ascii=False, indent=2), file=out)
    else:
        out.write(report_text(report))
    return 0
