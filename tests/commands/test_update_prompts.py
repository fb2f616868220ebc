"""Update prompts, ticked by hand on the demo society with a frozen clock.

June's updates fall due on Wednesday 1 July 2026 at 09:00 in each lead's zone:
13:00 UTC for bob (Boston), carol (Washington DC) and grace (Mentoring, a Boston
member); 16:00 UTC for erin (San Francisco). HQ's report on the society follows the
society's zone (UTC here): alice's is queued at 09:00 UTC. June closes a quarter, so
HQ's is the longer quarterly report on Q2 2026 instead of June's.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.scheduler import run_due
from storage.models import Delivery, DueClaim
from tests.commands.test_due_jobs import restarted, tick, utc
from tests.support import TestBot

DUE = utc(2026, 7, 1, 13, 0)


def direct(bot: TestBot, who: str) -> list[str]:
    """The update prompts and reminders `who` received (other jobs DM them too), from
    whichever instance sent them."""
    return [
        text for where, text in bot.sent if where == f"@{who}" and "update for June 2026" in text
    ]


async def prompts(bot: TestBot) -> list[str]:
    async with bot.uow() as uow:
        rows = await uow.session.scalars(
            select(Delivery.key).where(Delivery.key.startswith("update-")).order_by(Delivery.key)
        )
        return list(rows)


async def test_leads_are_prompted_in_their_morning_with_the_draft_and_a_form_button(
    demo: TestBot,
) -> None:
    demo.clock.set(utc(2026, 6, 25, 12))
    meeting = '/chapter meeting Boston working 2026-06-20 "Ethics debate" --attendance 14'
    await demo.ok(meeting, as_="bob")
    notes = await tick(demo.app, utc(2026, 7, 1, 8, 59))
    assert not [n for n in notes if n.startswith("update")]
    await tick(demo.app, utc(2026, 7, 1, 9, 0))
    # Queued at once; it reaches alice when her quiet hours end in Washington.
    assert [k.rsplit(":", 1)[0] for k in await prompts(demo)] == ["update-prompt:society:2026-Q2"]
    assert direct(demo, "bob") == []
    notes = await tick(demo.app, DUE - timedelta(minutes=1))
    assert not [n for n in notes if n.startswith("update")]
    await tick(demo.app, DUE)
    (bob,) = direct(demo, "bob")
    assert "Boston's update for June 2026 is due." in bob
    assert "20 Jun working “Ethics debate” (14)" in bob
    assert "[Write the update: /update post Boston]" in bob
    assert len(direct(demo, "carol")) == 1
    assert "Mentoring's update for June 2026 is due." in direct(demo, "grace")[0]
    (hq,) = [t for w, t in demo.posts if w == "@alice" and "update for Q2 2026" in t]
    assert "the society's update for Q2 2026 is due." in hq
    assert "--highlights TEXT" in hq
    assert direct(demo, "erin") == []  # 06:00 in San Francisco
    await tick(demo.app, DUE + timedelta(hours=3))
    assert len(direct(demo, "erin")) == 1
    assert len(direct(demo, "bob")) == 1  # once per period, however often it ticks


async def test_one_reminder_after_three_days_then_overdue(demo: TestBot) -> None:
    await tick(demo.app, DUE)
    await demo.ok('/update post Boston --got "Held the ethics debate"', as_="bob")
    await tick(demo.app, DUE + timedelta(days=3))
    reminders = [t for t in direct(demo, "carol") if t.startswith("Reminder")]
    assert len(reminders) == 1
    assert "Reminder: Washington DC's update for June 2026 is still to come." in reminders[0]
    assert len(direct(demo, "bob")) == 1  # posted: no reminder
    await tick(demo.app, DUE + timedelta(days=4))
    await tick(demo.app, DUE + timedelta(days=9))
    assert len(direct(demo, "carol")) == 2
    listed = await demo.ok("/update list --overdue")
    assert "Washington DC" in listed and "Boston" not in listed


async def test_a_lead_who_is_away_is_not_prompted(demo: TestBot) -> None:
    await demo.ok("/update away --until 2026-07-10", as_="carol")
    await tick(demo.app, DUE)
    await tick(demo.app, DUE + timedelta(days=3))
    assert direct(demo, "carol") == []
    assert "away" in await demo.ok('/update list "Washington DC"')


async def test_two_scheduler_instances_prompt_each_lead_once(demo: TestBot) -> None:
    async with restarted(demo) as other:
        demo.clock.set(DUE)
        await asyncio.gather(run_due(demo.app, DUE), run_due(other.app, DUE))
        await demo.app.notifier.flush()
        await other.app.notifier.flush()
        await asyncio.gather(run_due(demo.app, DUE), run_due(other.app, DUE))
        await demo.app.notifier.flush()
    keys = await prompts(demo)
    assert len(keys) == len(set(keys)) == 4  # bob, carol, grace, alice: one each
    async with demo.uow() as uow:
        claims = list(
            await uow.session.scalars(
                select(DueClaim.key).where(DueClaim.key.startswith("update-prompt:"))
            )
        )
    assert len(claims) == 4
    assert all(len(direct(demo, who)) == 1 for who in ("bob", "carol"))
