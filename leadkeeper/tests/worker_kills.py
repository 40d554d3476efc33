"""A harness that SIGKILLs the real django-tasks-db worker at random points and restarts it.

A scenario (one per kind of background work) says how to create the work, how the
scheduler enqueues it, how far it got, and how to count what was lost or done twice. The
harness knows nothing of apps: scenarios are named by dotted path in test_worker_kills.py,
so rights steps and retention sweeps are one entry each when those apps land.
"""

import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

TICK_SECONDS = 5.0


@dataclass(frozen=True)
class Tally:
    items: int
    lost: int
    duplicated: int
    # Other figures a scenario reports, e.g. idempotent writes sent again after a kill.
    figures: dict[str, int] = field(default_factory=dict)


@dataclass
class Scenario:
    name: str
    prepare: Callable[[], None]  # create the work in the test's database
    enqueue: Callable[[], None]  # what the scheduler does (re-enqueue what is due)
    progress: Callable[[], int]  # grows while work is being done
    finished: Callable[[], bool]
    recover: Callable[[], None]  # what time does for a dead worker (its leases run out)
    tally: Callable[[], Tally]
    env: dict[str, str]  # for the worker process (a vendor double's address)
    settings: dict[str, object]  # the same, for the test process that enqueues
    # A kill lands this many seconds at most after the worker made progress.
    kill_window: float = 0.4
    describe: Callable[[], str] = lambda: ""  # what is unfinished, for a failure message
    # Called every few seconds while the last worker finishes: what passing time does to
    # work that waits for a backoff (a vendor's refusal), which the test cannot wait out.
    tick: Callable[[], None] = lambda: None


@dataclass(frozen=True)
class KillReport:
    scenario: str
    kills: int
    seconds: float
    tally: Tally
    mid_work: int = 0  # kills that landed while work was left to do

    def line(self) -> str:
        figures = "".join(f", {value} {name}" for name, value in self.tally.figures.items())
        return (
            f"{self.scenario}: {self.kills} kills of the worker ({self.mid_work} mid-work), "
            f"{self.tally.items} items, {self.tally.lost} lost, "
            f"{self.tally.duplicated} duplicated{figures}, {self.seconds:.0f}s"
        )


def publish(report: KillReport) -> None:
    """The figures for the README: printed (pytest -s) and added to var/fault-figures.txt."""
    line = f"{connection.vendor}: {report.line()}"
    print(line)
    settings.VAR_DIR.mkdir(exist_ok=True)
    with open(settings.VAR_DIR / "fault-figures.txt", "a", encoding="utf-8") as figures:
        figures.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}\n")


def _worker_env(scenario: Scenario) -> dict[str, str]:
    return {
        **os.environ,
        **scenario.env,
        "DJANGO_SETTINGS_MODULE": "leadkeeper.tests.worker_settings",
        "LEADKEEPER_WORKER_DB": str(connection.settings_dict["NAME"]),
    }


def _start_worker(scenario: Scenario, log) -> subprocess.Popen:
    command = [sys.executable, "manage.py", "db_worker", "--queue-name", "*"]
    command += ["--interval", "0.1", "--no-reload"]
    return subprocess.Popen(
        command, cwd=settings.BASE_DIR, env=_worker_env(scenario), stdout=log, stderr=log
    )


def _wait_for_progress(scenario: Scenario, worker: subprocess.Popen, timeout: float) -> None:
    start, before = time.monotonic(), scenario.progress()
    while time.monotonic() - start < timeout and worker.poll() is None:
        if scenario.progress() != before or scenario.finished():
            return
        time.sleep(0.05)


def run_with_kills(
    scenario: Scenario, *, kills: int, seed: int, budget_seconds: float
) -> KillReport:
    """Kill the worker `kills` times at random moments after it started making progress,
    then let one worker finish; fails the test if the work is not done within the budget."""
    rng = random.Random(seed)
    started = time.monotonic()
    scenario.prepare()
    tried = mid_work = 0
    with tempfile.TemporaryFile() as log:
        for _ in range(kills):
            scenario.enqueue()
            worker = _start_worker(scenario, log)
            _wait_for_progress(scenario, worker, timeout=20)
            time.sleep(rng.uniform(0.0, scenario.kill_window))  # a random point mid-work
            if worker.poll() is None:
                mid_work += not scenario.finished()
                worker.send_signal(signal.SIGKILL)
                tried += 1
            worker.wait()
            scenario.recover()
        scenario.enqueue()
        worker, ticked = _start_worker(scenario, log), time.monotonic()
        try:
            while not scenario.finished():
                if time.monotonic() - started > budget_seconds:
                    log.seek(0)
                    raise AssertionError(
                        f"{scenario.name} not finished in {budget_seconds}s: "
                        f"{scenario.describe()}; worker said:\n"
                        + log.read().decode(errors="replace")[-3000:]
                    )
                time.sleep(0.1)
                if time.monotonic() - ticked > TICK_SECONDS:
                    scenario.tick()
                    ticked = time.monotonic()
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
    seconds = time.monotonic() - started
    return KillReport(scenario.name, tried, seconds, scenario.tally(), mid_work=mid_work)
