"""The scheduled jobs, ticked by hand on the demo society with a frozen clock.

The demo starts on Monday 15 June 2026, 16:00 UTC. Its active chapters are
Washington DC and Boston (America/New_York, 09:00 local is 13:00 UTC in summer)
and San Francisco (America/Los_Angeles, 16:00 UTC), each bound to one console
channel; alice is HQ, bob presides Boston, carol Washington DC, erin San
Francisco, dan moderates, grace leads the Mentoring workgroup. Position 1 is open
until 15 July 16:00 UTC.

Every tick runs every due job in its own unit of work and then delivers, as the
scheduler does; a restart is a second app built on the same database.
"""

from __future__ import annotations

import re
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from bot.app import App
from bot.scheduler import run_due
from storage.models import (
    Delivery,
    DueClaim,
    Member,
    Poll,
    Position,
    PositionStatus,
    Workgroup,
    WorkgroupStatus,
)
from tests.support import START, TestBot

CHANNELS = ("boston", "san-francisco", "washington-dc")


async def tick(app: App, at: datetime) -> list[str]:
    """One scheduler tick at `at` (every due job, then delivery); the notes it wrote."""
    clock: Any = app.clock
    clock.set(at)
    report = await run_due(app, at)
    assert not report.failed, [(job.name, job.error) for job in report.failed]
    # The delivery sweep: direct messages held for quiet hours go once their time comes.
    await app.notifier.flush()
    return [note for job in report.jobs for note in job.notes]


def restarted(bot: TestBot) -> AbstractAsyncContextManager[TestBot]:
    """The same society in a freshly built app: nothing in memory survives."""
    return bot.another_instance()


async def deliveries(bot: TestBot, prefix: str) -> list[Delivery]:
    async with bot.uow() as uow:
        rows = await uow.session.scalars(
            select(Delivery).where(Delivery.key.startswith(prefix)).order_by(Delivery.key)
        )
        return list(rows)


async def claim(bot: TestBot, key: str) -> DueClaim | None:
    async with bot.uow() as uow:
        return await uow.session.get(DueClaim, key)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def posted(bot: TestBot, channel: str, text: str) -> int:
    return sum(1 for where, body in bot.posts if where == channel and text in body)


# --- polls --------------------------------------------------------------------------


async def new_poll(demo: TestBot, closes: str, audience: str = "chapter:Boston") -> Poll:
    reply = await demo.ok(
        f'/poll create "Picnic or pub?" "Picnic" "Pub" --closes {closes} --audience {audience}',
        as_="dan",
    )
    number = re.match(r"Poll (\d+):", reply)
    assert number, reply
    async with demo.uow() as uow:
        poll = await uow.session.get(Poll, int(number.group(1)))
        assert poll is not None
        return poll


async def test_a_poll_closes_at_its_deadline_once_however_often_it_is_ticked(
    demo: TestBot,
) -> None:
    poll = await new_poll(demo, "48h")
    await tick(demo.app, poll.closes_at - timedelta(minutes=1))
    assert posted(demo, "boston", "Results") == 0
    notes = await tick(demo.app, poll.closes_at)
    assert any(n.startswith(f"close poll {poll.id} ") for n in notes), notes
    assert posted(demo, "boston", "Picnic or pub?") == 2  # the card, then its results
    await tick(demo.app, poll.closes_at)
    await tick(demo.app, poll.closes_at + timedelta(hours=5))
    async with restarted(demo) as again:
        assert not [n for n in await tick(again.app, poll.closes_at) if "poll" in n]
        assert again.posts == []
    assert posted(demo, "boston", "Picnic or pub?") == 2
    async with demo.uow() as uow:
        closed = await uow.session.get(Poll, poll.id)
        assert closed is not None and closed.closed_at == poll.closes_at


async def test_a_poll_found_late_is_closed_at_its_deadline(demo: TestBot) -> None:
    poll = await new_poll(demo, "48h")
    await tick(demo.app, poll.closes_at + timedelta(days=3))
    async with demo.uow() as uow:
        closed = await uow.session.get(Poll, poll.id)
        assert closed is not None and closed.closed_at == poll.closes_at


async def test_non_voters_are_reminded_once_a_day_before_a_poll_closes(demo: TestBot) -> None:
    poll = await new_poll(demo, "3d")
    await demo.ok(f"/poll vote {poll.id} 1", as_="bob")
    await demo.ok("/member nudges off", as_="alice")
    day_before = poll.closes_at - timedelta(hours=24)
    await tick(demo.app, day_before - timedelta(minutes=1))
    assert await deliveries(demo, f"remind:poll:{poll.id}:") == []
    notes = await tick(demo.app, day_before)
    assert any(n.startswith(f"remind poll {poll.id} → 1 member") for n in notes), notes
    # Boston's members are bob (voted) and grace; alice is not in Boston.
    reminded = await deliveries(demo, f"remind:poll:{poll.id}:auto:")
    assert [d.channel_id for d in reminded] == ["grace"]
    assert [w for w, _ in demo.posts if w.startswith("@")] == ["@grace"]
    await tick(demo.app, day_before + timedelta(seconds=30))
    await tick(demo.app, day_before + timedelta(hours=6))
    async with restarted(demo) as again:
        await tick(again.app, day_before + timedelta(hours=7))
        assert again.posts == []
    assert len(await deliveries(demo, f"remind:poll:{poll.id}:")) == 1


async def test_members_with_nudges_off_get_no_poll_reminder(demo: TestBot) -> None:
    poll = await new_poll(demo, "3d", audience="society")
    for handle in ("alice", "carol", "erin"):
        await demo.ok("/member nudges off", as_=handle)
    await tick(demo.app, poll.closes_at - timedelta(hours=20))
    reminded = {d.channel_id for d in await deliveries(demo, f"remind:poll:{poll.id}:auto:")}
    assert reminded == {"bob", "frank", "grace"}  # dan created the poll: not reminded


async def test_a_poll_open_for_less_than_a_day_is_not_reminded(demo: TestBot) -> None:
    poll = await new_poll(demo, "12h")
    notes = await tick(demo.app, START + timedelta(hours=1))
    assert any("opened less than a day" in n for n in notes), notes
    assert await deliveries(demo, f"remind:poll:{poll.id}:") == []
    assert not [n for n in await tick(demo.app, START + timedelta(hours=2)) if "remind" in n]


# --- positions ----------------------------------------------------------------------

DEADLINE = START + timedelta(days=30)
"""The demo's open position 1 closes then."""


async def test_chapters_not_checked_in_hear_a_week_and_a_day_before_the_deadline(
    demo: TestBot,
) -> None:
    await demo.ok("/position checkin 1 --chapter Boston agree --for 12 --against 1", as_="bob")
    await tick(demo.app, DEADLINE - timedelta(days=7, minutes=1))
    assert await deliveries(demo, "position-reminder:") == []
    notes = await tick(demo.app, DEADLINE - timedelta(days=7))
    reminded = [d.key for d in await deliveries(demo, "position-reminder:1:7d:")]
    chapters = {k.split(":")[3] for k in reminded}
    assert len(chapters) == 2  # Washington DC and San Francisco; Boston has checked in
    assert posted(demo, "washington-dc", "closes in a week") == 1
    assert posted(demo, "san-francisco", "closes in a week") == 1
    assert posted(demo, "boston", "closes in a week") == 0
    assert posted(demo, "@carol", "closes in a week") == 1  # Washington DC's president
    assert posted(demo, "@erin", "closes in a week") == 1
    assert len([n for n in notes if n.startswith("remind ")]) == 2
    for minutes in (0, 1, 60 * 24):
        await tick(demo.app, DEADLINE - timedelta(days=7) + timedelta(minutes=minutes))
    async with restarted(demo) as again:
        await tick(again.app, DEADLINE - timedelta(days=6))
        assert again.posts == []
    assert posted(demo, "washington-dc", "closes in a week") == 1

    await demo.ok("/position checkin 1 --chapter Washington disagree", as_="carol")
    await tick(demo.app, DEADLINE - timedelta(days=1))
    assert posted(demo, "san-francisco", "closes in a day") == 1
    assert posted(demo, "washington-dc", "closes in a day") == 0
    await tick(demo.app, DEADLINE - timedelta(hours=2))
    assert posted(demo, "san-francisco", "closes in a day") == 1


async def test_a_week_reminder_found_after_the_day_reminder_is_due_is_not_sent(
    demo: TestBot,
) -> None:
    await tick(demo.app, DEADLINE - timedelta(hours=20))
    assert await deliveries(demo, "position-reminder:1:7d:") == []
    assert len(await deliveries(demo, "position-reminder:1:1d:")) == 3 + 3  # channels, presidents


async def test_a_position_is_decided_at_its_deadline_once_even_when_found_late(
    demo: TestBot,
) -> None:
    await tick(demo.app, DEADLINE - timedelta(minutes=1))
    async with demo.uow() as uow:
        open_ = await uow.session.get(Position, 1)
        assert open_ is not None and open_.status is PositionStatus.OPEN
    async with restarted(demo) as again:
        notes = await tick(again.app, DEADLINE + timedelta(days=4))
        assert [n for n in notes if n.startswith("decide position 1: expired")], notes
        assert sum("Position 1" in text for _, text in again.posts) == 3  # one per channel
    assert not [n for n in await tick(demo.app, DEADLINE + timedelta(days=4)) if "decide" in n]
    async with demo.uow() as uow:
        decided = await uow.session.get(Position, 1)
        assert decided is not None and decided.status is PositionStatus.EXPIRED
        assert decided.decided_at == DEADLINE


# --- the weekly digest --------------------------------------------------------------


async def test_each_chapter_channel_gets_its_digest_at_its_local_monday_morning(
    demo: TestBot,
) -> None:
    await tick(demo.app, START)  # this week's, a few hours late, is still sent
    assert {w for w, body in demo.posts if "weekly digest" in body} == set(CHANNELS)
    demo.posts.clear()
    monday = utc(2026, 6, 22, 0, 0)
    await tick(demo.app, monday + timedelta(hours=12, minutes=59))
    assert demo.posts == []
    await tick(demo.app, monday + timedelta(hours=13))  # 09:00 in New York
    assert sorted(w for w, body in demo.posts if "weekly digest" in body) == [
        "boston",
        "washington-dc",
    ]
    await tick(demo.app, monday + timedelta(hours=15, minutes=59))
    assert len(demo.posts) == 2
    await tick(demo.app, monday + timedelta(hours=16))  # 09:00 in San Francisco
    assert sorted(w for w, _ in demo.posts) == ["boston", "san-francisco", "washington-dc"]
    for hours in (16, 17, 40):
        await tick(demo.app, monday + timedelta(hours=hours))
    async with restarted(demo) as again:
        await tick(again.app, monday + timedelta(hours=41))
        assert again.posts == []
    assert len(demo.posts) == 3
    for channel in CHANNELS:
        assert len(await deliveries(demo, "digest:")) == 6
        keys = [d.key for d in await deliveries(demo, "digest:") if d.channel_id == channel]
        assert [k.split(":")[2] for k in keys] == ["2026-W25", "2026-W26"]


async def test_digests_beyond_one_batch_all_go_out_in_the_same_tick(
    demo: TestBot, monkeypatch: Any
) -> None:
    """Built a few per transaction, every chapter still hears on time, once; and once
    the zone is done, the rest of the week's ticks skip it."""
    import commands.nudges

    monkeypatch.setattr(commands.nudges, "DIGEST_BATCH", 1)
    report = await run_due(demo.app, START)
    await demo.app.notifier.flush()
    [job] = [job for job in report.jobs if job.name == "nudges.digest"]
    assert len(job.notes) == 3 and not job.error
    assert sorted(w for w, body in demo.posts if "weekly digest" in body) == sorted(CHANNELS)
    zones = await claim(demo, "digest:zone:America/New_York:2026-W25")
    assert zones is not None
    later = await run_due(demo.app, START + timedelta(hours=5))
    [job] = [job for job in later.jobs if job.name == "nudges.digest"]
    assert job.notes == []


async def test_a_digest_more_than_a_day_late_is_skipped_and_recorded(demo: TestBot) -> None:
    await tick(demo.app, START)
    demo.posts.clear()
    tuesday = utc(2026, 6, 23, 13, 1)  # 24 h 1 min after New York's Monday 09:00
    notes = await tick(demo.app, tuesday)
    assert sorted(w for w, body in demo.posts if "weekly digest" in body) == ["san-francisco"]
    skipped = [n for n in notes if n.startswith("skip ") and "digest" in n]
    assert len(skipped) == 2, notes
    async with demo.uow() as uow:
        claims = {
            c.key: c.outcome
            for c in await uow.session.scalars(
                select(DueClaim).where(DueClaim.key.like("digest:chapter-%2026-W26"))
            )
        }
    assert sorted(claims.values()) == ["done", "skipped", "skipped"]
    await tick(demo.app, tuesday + timedelta(hours=1))
    assert len(demo.posts) == 1


async def test_digest_day_and_time_follow_the_settings(database_url: str) -> None:
    from tests.support import start_bot

    async for bot in start_bot(database_url, digest_day="wednesday", digest_time="07:30"):
        await bot.seed_demo()
        await tick(bot.app, START)  # last Wednesday 07:30 is days ago: skipped
        assert not [b for _, b in bot.posts if "weekly digest" in b]
        wednesday = utc(2026, 6, 17, 11, 29)  # 07:29 in New York
        await tick(bot.app, wednesday)
        assert not [b for _, b in bot.posts if "weekly digest" in b]
        await tick(bot.app, wednesday + timedelta(minutes=1))
        assert sorted(w for w, b in bot.posts if "weekly digest" in b) == [
            "boston",
            "washington-dc",
        ]


# --- cadence, workgroups, onboarding ------------------------------------------------


async def test_presidents_behind_hear_on_the_first_monday_of_the_month(demo: TestBot) -> None:
    # By 6 July, 2 working and 2 social meetings are due. Boston catches up on its
    # social meetings; Washington DC (1 held) and San Francisco (1 + 1) stay behind.
    await demo.ok('/chapter meeting Boston social 2026-06-13 "Picnic"', as_="bob")
    first_monday = utc(2026, 7, 6, 13, 0)  # 09:00 in New York
    await tick(demo.app, first_monday - timedelta(minutes=1))
    assert await deliveries(demo, "cadence:") == []
    notes = await tick(demo.app, first_monday)
    assert [d.channel_id for d in await deliveries(demo, "cadence:")] == ["carol"]
    assert any("Washington DC" in n and "behind pro rata" in n for n in notes), notes
    assert any("Boston" in n and "on track" in n for n in notes), notes
    assert posted(demo, "@carol", "meetings behind for 2026") == 1
    await tick(demo.app, first_monday + timedelta(hours=2, minutes=59))
    assert posted(demo, "@erin", "meetings behind for 2026") == 0
    await tick(demo.app, first_monday + timedelta(hours=3))  # 09:00 in San Francisco
    assert posted(demo, "@erin", "meetings behind for 2026") == 1
    async with restarted(demo) as again:
        await tick(again.app, first_monday + timedelta(days=1))
        await tick(again.app, first_monday + timedelta(days=8))
        assert not [text for _, text in again.posts if "meetings behind" in text]
    async with demo.uow() as uow:
        rows = await uow.session.execute(
            select(DueClaim.key, DueClaim.outcome).where(DueClaim.key.like("cadence:%"))
        )
        outcomes = {key.split(":")[1]: outcome for key, outcome in rows}
    assert sorted(outcomes.values()) == ["done", "done", "skipped"]
    assert len(await deliveries(demo, "cadence:")) == 2


async def test_an_idle_workgroup_lead_hears_once_per_idle_stretch(demo: TestBot) -> None:
    await tick(demo.app, START + timedelta(days=30) - timedelta(minutes=1))
    assert await deliveries(demo, "workgroup-idle:") == []
    await tick(demo.app, START + timedelta(days=30))
    assert posted(demo, "@grace", "Mentoring has had no output") == 1
    await tick(demo.app, START + timedelta(days=31))
    demo.clock.set(START + timedelta(days=32))
    await demo.ok('/workgroup output Mentoring "Mentor handbook"', as_="grace")
    await tick(demo.app, START + timedelta(days=61))
    assert posted(demo, "@grace", "Mentoring has had no output") == 1
    await tick(demo.app, START + timedelta(days=62))
    assert posted(demo, "@grace", "Mentoring has had no output") == 2
    async with restarted(demo) as again:
        await tick(again.app, START + timedelta(days=63))
        assert not [text for where, text in again.posts if where == "@grace"]


async def test_a_proposal_short_of_backers_expires_after_thirty_days(demo: TestBot) -> None:
    await demo.ok('/workgroup propose "Open Data" --purpose "Publish datasets"', as_="frank")
    await tick(demo.app, START + timedelta(days=30))
    notes = await tick(demo.app, START + timedelta(days=30, minutes=1))
    assert [n for n in notes if n.startswith("expire proposal Open Data")], notes
    assert not [n for n in await tick(demo.app, START + timedelta(days=31)) if "expire" in n]
    async with demo.uow() as uow:
        status = await uow.session.scalar(
            select(Workgroup.status).where(Workgroup.name == "Open Data")
        )
    assert status is WorkgroupStatus.EXPIRED


async def test_newcomers_without_chapter_or_workgroup_are_welcomed_once(demo: TestBot) -> None:
    await demo.ok("/chapter list", as_="henry")  # registers henry, with no zone of his own
    await demo.ok("/chapter list", as_="iris")
    await demo.ok("/chapter list", as_="jack")
    await demo.ok("/member join Boston", as_="jack")
    await demo.ok("/chapter list", as_="kim")
    await demo.ok("/member nudges off", as_="kim")
    async with demo.uow() as uow:
        await uow.session.execute(
            update(Member).where(Member.name == "iris").values(timezone="America/Los_Angeles")
        )
        await uow.commit()
    due = START + timedelta(days=3)
    await tick(demo.app, due - timedelta(minutes=1))
    assert await deliveries(demo, "onboarding:") == []
    notes = await tick(demo.app, due)
    welcomed = {d.channel_id for d in await deliveries(demo, "onboarding:")}
    assert welcomed == {"henry", "iris"}
    # The society's zone is UTC: in June, London (UTC+1) is the nearest chapter.
    # (Their first-command welcome, commands/welcome.py, came before; counted apart.)
    nudge = "You have not joined a chapter or a workgroup yet"
    nudged = [(where, body) for where, body in demo.posts if nudge in body]
    assert sum(1 for w, b in nudged if w == "@henry" and "/member join London" in b) == 1
    assert sum(1 for w, b in nudged if w == "@iris" and '/member join "San Francisco"' in b) == 1
    assert sum(1 for w, b in nudged if w == "@iris" and "/workgroup join Mentoring" in b) == 1
    assert len([n for n in notes if n.startswith("welcome ")]) == 2
    for days in (3, 4, 10):
        await tick(demo.app, START + timedelta(days=days, hours=1))
    async with restarted(demo) as again:
        await tick(again.app, START + timedelta(days=11))
        assert again.posts == []
    assert len(await deliveries(demo, "onboarding:")) == 2


async def test_members_who_joined_long_ago_are_not_onboarded(demo: TestBot) -> None:
    await demo.ok("/chapter list", as_="henry")
    await tick(demo.app, START + timedelta(days=3 + 14, minutes=1))
    assert await deliveries(demo, "onboarding:") == []


# --- quiet hours --------------------------------------------------------------------


async def test_direct_messages_wait_for_the_end_of_quiet_hours(demo: TestBot) -> None:
    """A reminder due at night where the member is waits for their 08:00, not dropped."""
    poll = await new_poll(demo, "3d")
    async with demo.uow() as uow:
        await uow.session.execute(
            update(Member).where(Member.name == "Grace Member").values(timezone="Asia/Tokyo")
        )
        await uow.commit()
    day_before = poll.closes_at - timedelta(hours=24)  # Wed 16:00 UTC: 01:00 in Tokyo
    await tick(demo.app, day_before)
    reminders = await deliveries(demo, f"remind:poll:{poll.id}:auto:")
    [held] = [d for d in reminders if d.channel_id == "grace"]
    assert held.not_before == utc(2026, 6, 17, 23, 0)  # Thu 08:00 in Tokyo
    assert not posted(demo, "@grace", "Reminder")
    assert posted(demo, "@bob", "Reminder") == 1  # 12:00 in Boston: no need to wait
    await tick(demo.app, utc(2026, 6, 17, 22, 59))
    assert not posted(demo, "@grace", "Reminder")
    await tick(demo.app, utc(2026, 6, 17, 23, 0))
    assert posted(demo, "@grace", "Reminder") == 1
    await tick(demo.app, utc(2026, 6, 17, 23, 15))
    assert posted(demo, "@grace", "Reminder") == 1


async def test_the_hq_admin_is_not_welcomed_as_a_newcomer(bot: TestBot) -> None:
    await bot.ok("/chapter list", as_="alice")  # HQ by configuration, no chapter
    await bot.ok("/chapter list", as_="henry")
    notes = await tick(bot.app, START + timedelta(days=3))
    welcomed = {d.channel_id for d in await deliveries(bot, "onboarding:")}
    assert welcomed == {"henry"}
    assert "no welcome for alice: HQ" in notes
