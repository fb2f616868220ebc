"""Scheduled work reaching Slack through the real adapter: the weekly digest in a
bound channel at the chapter's local morning, and a reminder as a direct message."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.scheduler import run_due
from tests.adapters.slack.harness import SlackHarness
from tests.support import START

ALICE = "U0ALICE"  # HQ by configuration
BEA = "U0BEA"
BOSTON = "C0BOSTON"


async def tick(slack: SlackHarness, minutes: int = 0) -> None:
    at = START + timedelta(minutes=minutes)
    slack.bot.clock.set(at)
    report = await run_due(slack.bot.app, at)
    assert not report.failed, [(job.name, job.error) for job in report.failed]


def posts_to(slack: SlackHarness, channel: str, words: str) -> list[str]:
    bodies = [json.dumps(c.params, ensure_ascii=False) for c in slack.fake.of("chat.postMessage")]
    return [b for b in bodies if f'"channel": "{channel}"' in b and words in b]


async def test_the_weekly_digest_and_a_reminder_reach_slack_once(slack: SlackHarness) -> None:
    bound = await slack.command(ALICE, "/chapter bind Boston", channel=BOSTON)
    assert "now receives" in bound.params["text"]
    await slack.command(BEA, "/member join Boston")
    await slack.command(ALICE, '/poll create "Picnic?" "Yes" "No" --audience society --closes 48h')
    # Monday 16:00 UTC: Boston's 09:00 digest is three hours old, still this week's.
    await tick(slack)
    await slack.fake.wait(lambda: bool(posts_to(slack, BOSTON, "weekly digest")))
    digest = posts_to(slack, BOSTON, "weekly digest")
    assert len(digest) == 1 and "Picnic?" in digest[0]
    # A day before the poll closes, Bea (who has not voted) hears privately, once.
    for minutes in (24 * 60 + 1, 24 * 60 + 2):
        await tick(slack, minutes)
    await slack.fake.wait(lambda: bool(slack.fake.of("conversations.open")))
    opened = [c.params for c in slack.fake.of("conversations.open")]
    assert any(BEA in str(p.get("users")) for p in opened)
    await slack.fake.wait(lambda: bool(posts_to(slack, f"D{BEA}", "Reminder: poll")))
    assert len(posts_to(slack, f"D{BEA}", "Reminder: poll")) == 1
    assert len(posts_to(slack, BOSTON, "weekly digest")) == 1
