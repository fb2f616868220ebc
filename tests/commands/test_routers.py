"""Routers are built in one place each: importing a module never adds to one."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from commands import build_registry
from commands.goals import due as goal_jobs
from commands.polls import due as poll_jobs
from commands.positions import due as position_jobs

EXPECTED_JOBS = {
    "polls.close": poll_jobs.close_polls,
    "polls.remind": poll_jobs.remind_polls,
    "positions.remind": position_jobs.remind_chapters,
    "positions.decide": position_jobs.decide_positions,
    "goals.snapshot": goal_jobs.daily_snapshot,
}


def test_the_due_jobs_are_the_registered_functions() -> None:
    jobs = build_registry().due_jobs
    for name, job in EXPECTED_JOBS.items():
        assert jobs[name] is job
    assert [name for name in jobs if name.startswith("nudges.")] == [
        "nudges.digest",
        "nudges.cadence",
        "nudges.workgroup_idle",
        "nudges.workgroup_expire",
        "nudges.onboarding",
    ]


def test_two_registries_hold_the_same_commands_and_jobs() -> None:
    first, second = build_registry(), build_registry()
    assert list(first) == list(second)
    assert first.due_jobs == second.due_jobs


# Run apart: reloading modules in the test process would leave two copies of their classes.
RELOAD_EVERY_MODULE = textwrap.dedent(
    """
    import importlib, inspect, pkgutil, sys
    import commands
    from commands import ROUTERS

    def snapshot():
        return [
            (
                r.name, [s.path for s in r.specs], dict(r.due_jobs), dict(r.owners),
                dict(r.announcers), dict(r.completers), dict(r.live), list(r.member_hooks),
                dict(r.batches), list(r.home_sections),
            )
            for r in ROUTERS
        ]

    before = snapshot()
    names = [m.name for m in pkgutil.walk_packages(commands.__path__, "commands.")]
    reloaded = 0
    for name in names:
        module = importlib.import_module(name)
        if hasattr(module, "__path__") or "Router(" in inspect.getsource(module):
            continue  # packages and the modules that build a router assemble it
        importlib.reload(module)
        reloaded += 1
    assert reloaded > 20, reloaded
    after = snapshot()
    for old, new in zip(before, after):
        assert old == new, old[0]
    """
)


def test_importing_a_module_changes_no_router() -> None:
    result = subprocess.run(
        [sys.executable, "-c", RELOAD_EVERY_MODULE], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
