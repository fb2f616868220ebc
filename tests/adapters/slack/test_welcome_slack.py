"""The welcome on Slack: a newcomer's first command brings one direct message naming
the next events, each time written so Slack shows it in the reader's own zone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.scheduler import run_due
from tests.adapters.slack.harness import SlackHarness

ALICE = "U0ALICE"  # HQ by configuration
BEA = "U0BEA"


async def test_the_welcome_lists_the_next_events_in_the_readers_zone(slack: SlackHarness) -> None:
    planned = await slack.command(
        ALICE, '/event create working 2026-07-01T09:00 "Annual conference" --society'
    )
    assert "Annual conference" in str(planned.params), planned.params
    await slack.command(BEA, "/member join Boston")
    at = datetime(2026, 6, 16, 15, 0, tzinfo=UTC)  # mid-morning in Boston: not quiet hours
    slack.bot.clock.set(at)
    report = await run_due(slack.bot.app, at)
    assert not report.failed, [(job.name, job.error) for job in report.failed]
    await slack.bot.app.notifier.flush()

    def welcomes() -> list[Any]:
        return [
            c
            for c in slack.fake.of("chat.postMessage")
            if c.params.get("channel") == f"D{BEA}" and "Welcome" in c.block_text()
        ]

    await slack.fake.wait(lambda: bool(welcomes()))
    (welcome,) = welcomes()
    shown = welcome.block_text()
    assert "Next events" in shown and "Annual conference" in shown
    start = int(datetime(2026, 7, 1, 9, 0, tzinfo=UTC).timestamp())  # the society keeps UTC
    assert f"<!date^{start}^" in shown, shown
    assert "|Wed 01 Jul 2026 05:00 EDT>" in shown  # the fallback: in her chapter's zone
