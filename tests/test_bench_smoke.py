"""The benchmarks run end to end at tiny sizes and produce sane output (no timing assertions)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import http_latency, matcher_scaling, report, startup_memory
from bench.__main__ import main
from bench.loadgen import run_load, slash_command
from bench.questions import questions
from bench.servers import BOLT_ACK_FIRST, ROLEFIT, TARGETS, BenchError, Target, launch, stop
from bench.stats import Timings, percentile
from bench.synthetic_kb import synthetic_entries
from bot.answers.matcher import Matcher
from bot.knowledge.model import Knowledge
from bot.local_slack.standin import LocalSlack

TINY_HTTP = http_latency.HttpSettings(
    rounds=1, warmup_seconds=0.1, seconds={1: 0.2, 50: 0.3}, mentions=3
)


def _sane(timings: Timings, count: int) -> None:
    assert timings.count == count
    assert 0 < timings.median_ms <= timings.p99_ms <= timings.max_ms


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile([3.0, 1.0, 2.0], 100) == 3.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_synthetic_knowledge_grows_without_duplicates(knowledge: Knowledge) -> None:
    base = knowledge.entries
    grown = synthetic_entries(base, len(base) * 3)
    assert len(grown) == len(base) * 3
    assert tuple(grown[: len(base)]) == base
    assert len({e.id for e in grown}) == len(grown)
    clones = grown[len(base) :]
    originals = {(e.question, e.phrasings) for e in base}
    assert not [c for c in clones if (c.question, c.phrasings) in originals]
    assert len({(c.question, c.phrasings) for c in clones}) == len(clones)
    assert synthetic_entries(base, len(base) * 3) == grown
    assert synthetic_entries(base, 10) == list(base[:10])


def test_matcher_scaling_measures_every_size(knowledge: Knowledge) -> None:
    settings = matcher_scaling.MatcherSettings(sizes=(0, 120), passes=2, reference_questions=5)
    results = matcher_scaling.run(settings=settings)
    assert [r.entries for r in results] == [len(knowledge.entries), 120]
    assert [r.synthetic for r in results] == [False, True]
    asked = len(questions())
    for result in results:
        assert result.questions == asked
        _sane(result.per_question, asked * 2)
        _sane(result.exhaustive, result.exhaustive_questions)
        assert result.build_seconds > 0
        assert result.graph_bytes > 0
        assert result.traced_bytes is not None and result.traced_peak_bytes is not None
        assert 0 < result.traced_bytes <= result.traced_peak_bytes
        assert sum(result.verdicts.values()) == asked
        assert result.verdicts.get("answer", 0) > asked // 2


def test_memory_walk_counts_what_the_matcher_holds(knowledge: Knowledge) -> None:
    small = Matcher(knowledge.entries[:10])
    large = Matcher(knowledge.entries)
    sizes = [
        matcher_scaling.object_graph_bytes(m, exclude=(m.entries, *m.entries))
        for m in (small, large)
    ]
    assert 0 < sizes[0] < sizes[1]


async def test_a_server_that_cannot_start_breaks_the_run(tmp_path: Path) -> None:
    broken = Target("broken", "broken", ("bench.no_such_module",))
    with pytest.raises(BenchError, match="broken exited"):
        await launch(broken, api_url="http://127.0.0.1:9/api/", workdir=tmp_path)


async def test_rejected_responses_count_as_errors(tmp_path: Path) -> None:
    standin = LocalSlack()
    await standin.start()
    running = await launch(BOLT_ACK_FIRST, api_url=standin.api_url, workdir=tmp_path)
    try:
        result = await run_load(
            running.url,
            lambda: slash_command("what is a tpm"),
            concurrency=2,
            seconds=0.1,
            check=lambda status, body: False,
        )
    finally:
        await stop(running)
        await standin.stop()
    assert result.requests > 0
    assert len(result.errors) == result.requests
    assert running.process.returncode is not None


async def test_servers_start_answer_and_are_measured(tmp_path: Path) -> None:
    startup = await startup_memory.run(settings=startup_memory.QUICK, workdir=tmp_path)
    http = await http_latency.run(settings=TINY_HTTP, workdir=tmp_path)
    assert set(startup) == set(http.targets) == {t.key for t in TARGETS}
    for key, result in startup.items():
        assert len(result.seconds) == 1 and result.median_seconds > 0
        target = http.targets[key]
        assert set(target.loads) == {1, 50}
        for concurrency, load in target.loads.items():
            assert load.concurrency == concurrency
            assert load.errors == []
            _sane(load.timings, load.requests)
            assert load.per_second > 0
        if Path("/proc/self/status").exists():
            assert result.idle_rss is not None and result.idle_rss > 0
            assert target.rss_after_kib and target.rss_after_kib[0] > 0
    _sane(http.mentions.reply_timings, TINY_HTTP.mentions)
    _sane(http.mentions.ack_timings, TINY_HTTP.mentions)

    run = report.Report(
        quick=True,
        machine=report.Machine.here(),
        started=report.now(),
        load_before=report.load_average(),
        http=http,
        startup=startup,
    )
    text = report.render(run)
    for heading in (
        "## Headline",
        "## Targets",
        "## HTTP: `/rolefit` slash commands",
        "## Start-up and memory",
    ):
        assert heading in text
    assert ROLEFIT.label in text
    assert "## Matcher scaling" not in text


def test_cli_writes_the_report(tmp_path: Path) -> None:
    out = tmp_path / "benchmarks.md"
    assert main(["--quick", "--only", "startup", "--out", str(out)]) == 0
    text = out.read_text("utf-8")
    assert text.startswith("# Benchmarks")
    assert "## Start-up and memory" in text and "## Reproduce" in text
    assert "## Matcher scaling" not in text
    assert "quick run" in text
    assert f"{report.Machine.here().cores} cores" in text


async def test_shared_stores_bench_runs_end_to_end(
    tmp_path: Path, postgres_server: object, redis_server: object
) -> None:
    """The servers' fixtures only make the test skip (or fail in CI) where they are missing."""
    from bench import shared_stores

    tiny = shared_stores.ScaleSettings(
        one_at_a_time=0.2, loaded=0.2, concurrency=4, claims=20, rounds=1
    )
    results = await shared_stores.run(settings=tiny, workdir=tmp_path)
    assert [s.label.split(",")[-1].strip() for s in results.setups] == [
        "1 replica",
        "1 replica",
        "2 replicas",
    ]
    for setup in results.setups:
        [single] = setup.singles
        assert 0 < single.median_ms <= single.p99_ms
        assert setup.commands_per_second > 0 and setup.mentions_per_second > 0
    assert results.memory_claim_us > 0 and results.redis_claim_us > 0
    text = shared_stores.markdown(results)
    assert "Added per `/rolefit` at concurrency 1" in text and text.count("\n| ") == 4
