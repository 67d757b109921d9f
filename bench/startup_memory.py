"""Start-up time and resident memory: RoleFit against the bare Bolt app.

Start-up is the time from starting the process to its first 200 from /healthz, so it counts
the interpreter, the imports, loading the knowledge and building the matcher; the median over
`launches` starts is reported. Resident memory (VmRSS from /proc) is read once a server is
ready and idle; the HTTP benchmark reads it again after its load run.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path

from bench.servers import TARGETS, Target, launch, rss_kib, stop
from bot.local_slack.standin import LocalSlack


@dataclass(frozen=True)
class StartupSettings:
    launches: int


FULL = StartupSettings(launches=3)
QUICK = StartupSettings(launches=1)


@dataclass
class StartupResult:
    target: Target
    seconds: list[float] = field(default_factory=list)
    idle_rss_kib: list[int] = field(default_factory=list)

    @property
    def median_seconds(self) -> float:
        return statistics.median(self.seconds)

    @property
    def idle_rss(self) -> int | None:
        return int(statistics.median(self.idle_rss_kib)) if self.idle_rss_kib else None


async def run(*, settings: StartupSettings, workdir: Path) -> dict[str, StartupResult]:
    standin = LocalSlack()
    await standin.start()
    results = {target.key: StartupResult(target) for target in TARGETS}
    try:
        for _ in range(settings.launches):
            for target in TARGETS:
                running = await launch(target, api_url=standin.api_url, workdir=workdir)
                try:
                    results[target.key].seconds.append(running.started_in)
                    rss = rss_kib(running.process.pid)
                    if rss is not None:
                        results[target.key].idle_rss_kib.append(rss)
                finally:
                    await stop(running)
    finally:
        await standin.stop()
    return results
