"""Targeted calls for volunteers: who is asked, answers, the lead's view, fit by tags."""

from __future__ import annotations

from datetime import timedelta

from storage.models import Delivery, RecruitAsk, WorkgroupMember
from tests.support import TestBot


def _dms(bot: TestBot, handle: str) -> list[str]:
    return [text for where, text in bot.posts if where == f"@{handle}"]


async def _tagged(demo: TestBot) -> None:
    """Members with data skills; grace leads Mentoring (bob, erin, frank, carol in it)."""
    for handle in ("hana", "ivan", "jo"):
        await demo.ok('/member edit --skills "python, sql"', as_=handle)
    await demo.ok('/member edit --skills "python" --interests "mentoring"', as_="kim")
    await demo.ok('/member edit --skills "python"', as_="frank")  # already a member
    await demo.ok("/member nudges off", as_="jo")


async def test_recruit_asks_matching_members_and_answers_reach_the_lead(demo: TestBot) -> None:
    await _tagged(demo)
    line = await demo.ok(
        '/workgroup recruit Mentoring "Someone to build our matching sheet" '
        '--skills "pythons, SQL" --max 2',
        as_="grace",
    )
    # Best match first (two tags), jo has nudges off, frank is already a member.
    assert "2 matching members asked directly" in line
    assert len(_dms(demo, "hana")) == 1 and len(_dms(demo, "ivan")) == 1
    assert _dms(demo, "kim") == [] and _dms(demo, "jo") == [] and _dms(demo, "frank") == []
    assert "I'm in" in _dms(demo, "hana")[0] and "Not now" in _dms(demo, "hana")[0]

    assert "Welcome to Mentoring!" in await demo.ok("/workgroup answer Mentoring in", as_="hana")
    await demo.ok("/workgroup answer Mentoring not-now", as_="ivan")
    assert await demo.count(WorkgroupMember, WorkgroupMember.member_id.is_not(None)) == 6
    told = _dms(demo, "grace")
    assert len(told) == 1 and "@hana answered your call" in told[0]
    assert "already answered" in await demo.refused("/workgroup answer Mentoring in", as_="hana")
    assert "has not asked you" in await demo.refused("/workgroup answer Mentoring in", as_="kim")

    answers = await demo.ok("/workgroup answers Mentoring", as_="grace")
    assert "Asked" in answers and "@hana" in answers and "No answer yet" in answers
    assert "Only the lead of that workgroup or HQ" in (
        await demo.refused("/workgroup answers Mentoring", as_="kim")
    )


async def test_nobody_is_asked_twice_within_thirty_days(demo: TestBot) -> None:
    await _tagged(demo)
    await demo.ok('/workgroup recruit Mentoring "Help" --skills python --max 10', as_="grace")
    asked = await demo.count(RecruitAsk)
    assert asked == 3  # hana, ivan, kim
    again = await demo.ok('/workgroup recruit Mentoring "More" --skills python', as_="grace")
    assert "Nobody matching was left to ask" in again
    assert await demo.count(RecruitAsk) == asked
    demo.clock.advance(timedelta(days=31))
    await demo.ok('/workgroup recruit Mentoring "Still" --skills python', as_="grace")
    assert await demo.count(RecruitAsk) == 2 * asked


async def test_max_over_200_is_refused_and_changes_nothing(demo: TestBot) -> None:
    await _tagged(demo)
    before = await demo.snapshot()
    assert await demo.refused(
        '/workgroup recruit Mentoring "Help" --skills python --max 201', as_="grace"
    ) == ("--max is between 0 and 200 members; got 201.")
    assert await demo.snapshot() == before


async def test_workgroup_tags_drive_calls_and_fit(demo: TestBot) -> None:
    await _tagged(demo)
    assert "Mentoring is tagged: mentoring, python" in await demo.ok(
        '/workgroup tags Mentoring "Mentoring, python"', as_="grace"
    )
    assert "Only the lead of that workgroup or HQ" in await demo.refused(
        '/workgroup tags Mentoring "x"', as_="kim"
    )
    fit = await demo.ok("/workgroup list --for-me", as_="kim")
    assert "Mentoring" in fit and "2 shared tags" in fit
    assert "1 shared tag" in await demo.ok("/workgroup list --for-me", as_="hana")
    assert "Add your skills" in await demo.refused("/workgroup list --for-me", as_="nobody")
    # No --skills: the workgroup's own tags choose who is asked.
    line = await demo.ok('/workgroup recruit Mentoring "Mentors"', as_="grace")
    assert "3 matching members asked directly" in line
    assert await demo.count(Delivery, Delivery.direct.is_(True)) >= 3


async def test_plain_recruit_reply_is_unchanged(demo: TestBot) -> None:
    line = await demo.ok('/workgroup recruit Mentoring "Two mentors"', as_="grace")
    assert "asked directly" not in line and "Nobody" not in line
