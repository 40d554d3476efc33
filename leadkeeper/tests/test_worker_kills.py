"""Faults that lose nothing: the real worker is SIGKILLed at random points, N times.

Each entry names a scenario factory (a function returning a worker_kills.Scenario); rights
steps and retention sweeps join with one line each. Bounded: the whole run stays < 2 min.
"""

import importlib

import pytest

from .worker_kills import publish, run_with_kills

SCENARIOS = {
    "crm.delivery": "crm.tests.fault_scenarios:crm_delivery",
}
KILLS = 6
BUDGET_SECONDS = 100


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_killing_the_worker_at_random_points_loses_and_duplicates_nothing(name, settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    module_name, factory = SCENARIOS[name].split(":")
    with getattr(importlib.import_module(module_name), factory)() as scenario:
        for key, value in scenario.settings.items():
            setattr(settings, key, value)
        report = run_with_kills(scenario, kills=KILLS, seed=20261126, budget_seconds=BUDGET_SECONDS)
    publish(report)  # the figures quoted in the README
    assert report.kills >= KILLS // 2  # most kills landed while the worker was alive
    assert report.mid_work >= 1, report.line()  # and some while work was left to do
    assert report.tally.items > 0
    assert (report.tally.lost, report.tally.duplicated) == (0, 0)
