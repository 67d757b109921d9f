"""`python -m bench`: run every benchmark and write docs/benchmarks.md (see bench/__init__.py)."""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench import http_latency, matcher_scaling, report, startup_memory
from bench.servers import ROOT, BenchError

DEFAULT_OUT = ROOT / "docs" / "benchmarks.md"
PARTS = ("matcher", "http", "startup")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes and durations (seconds, for smoke tests)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"where to write the report (default {DEFAULT_OUT.relative_to(ROOT)}; "
        "with --quick, nowhere unless given)",
    )
    parser.add_argument(
        "--only", choices=PARTS, action="append", help="run only this part (repeatable)"
    )
    return parser


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def _servers(run: report.Report, *, parts: set[str], quick: bool, workdir: Path) -> None:
    if "startup" in parts:
        _say("start-up and memory ...")
        settings = startup_memory.QUICK if quick else startup_memory.FULL
        run.startup = await startup_memory.run(settings=settings, workdir=workdir)
    if "http" in parts:
        _say("HTTP latency and throughput ...")
        settings_http = http_latency.QUICK if quick else http_latency.FULL
        run.http = await http_latency.run(settings=settings_http, workdir=workdir)


def run_all(*, quick: bool, parts: Sequence[str] = PARTS) -> report.Report:
    """Run the chosen benchmarks; raises BenchError when a run breaks."""
    began = time.perf_counter()
    run = report.Report(
        quick=quick,
        machine=report.Machine.here(),
        started=report.now(),
        load_before=report.load_average(),
    )
    if "matcher" in parts:
        _say("matcher scaling ...")
        settings = matcher_scaling.QUICK if quick else matcher_scaling.FULL
        run.matcher = matcher_scaling.run(settings=settings, progress=True)
    with tempfile.TemporaryDirectory(prefix="rolefit-bench-") as workdir:
        asyncio.run(_servers(run, parts=set(parts), quick=quick, workdir=Path(workdir)))
    run.load_after = report.load_average()
    run.seconds = time.perf_counter() - began
    return run


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    parts = args.only or list(PARTS)
    try:
        run = run_all(quick=args.quick, parts=parts)
    except BenchError as error:
        _say(f"bench: the run broke: {error}")
        return 1
    print("\n".join(report.headline(run)))
    out = args.out if args.out is not None else (None if args.quick else DEFAULT_OUT)
    if out is not None:
        report.write(run, out)
        _say(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
