"""Charter metrics as leads and presidents keep them, on the demo society.

Mentoring is led by grace (members grace, bob, erin, frank, carol); bob presides
Boston; alice is HQ. The clock stands at Monday 15 June 2026.
"""

from __future__ import annotations

from datetime import timedelta

from storage.models import ChapterCharter, CharterMetric, MetricKind
from tests.support import TestBot

MENTORS = '/workgroup metric add Mentoring "mentors matched" owned --target 20 --unit mentors'


async def test_an_owned_metric_is_set_by_its_lead_and_shows_a_bar_with_pace(demo: TestBot) -> None:
    added = await demo.ok(MENTORS + " --by 2026-12-31", as_="grace")
    assert "Mentoring now owns 'mentors matched'" in added
    assert '/workgroup metric set Mentoring "mentors matched" VALUE' in added
    changed = await demo.ok('/workgroup metric set Mentoring "mentors matched" 3', as_="grace")
    assert "mentors matched 0 → 3" in changed
    info = await demo.ok("/workgroup info Mentoring")
    assert "Owns" in info
    bar = next(line for line in info.splitlines() if line.startswith("mentors matched:"))
    assert "3/20" in bar and "(15%)" in bar and "ahead by 3 mentors" in bar
    demo.clock.advance(timedelta(weeks=12))  # the line expects about 8 by September
    info = await demo.ok("/workgroup info Mentoring")
    bar = next(line for line in info.splitlines() if line.startswith("mentors matched:"))
    assert "behind: needs 2 mentors a week" in bar and "by 31 Dec 2026" in bar


async def test_an_owned_metric_naming_a_figure_is_counted(demo: TestBot) -> None:
    added = await demo.ok("/workgroup metric add Mentoring members owned --target 10", as_="grace")
    assert "counted from the society's records (members)" in added
    info = await demo.ok("/workgroup info Mentoring")
    assert "members: " in info and "5/10" in info  # its five members, counted
    await demo.ok("/workgroup join Mentoring", as_="dan")
    assert "6/10" in await demo.ok("/workgroup info Mentoring")
    refused = await demo.refused("/workgroup metric set Mentoring members 9", as_="grace")
    assert refused == "'members' is counted from the society's records (members)."


async def test_a_chapter_counts_its_meetings_and_keeps_a_charter(demo: TestBot) -> None:
    await demo.ok(
        '/chapter charter Boston --purpose "Meet monthly in Boston" --not "National events"',
        as_="bob",
    )
    await demo.ok("/chapter metric add Boston meetings owned --target 8 --by 2026-12-31", as_="bob")
    await demo.ok(
        '/chapter metric add Boston "active chapters" influenced --goal chapters', as_="bob"
    )
    info = await demo.ok("/chapter info Boston")
    assert "Purpose: Meet monthly in Boston" in info
    assert "Not responsible for: National events" in info
    meetings = next(line for line in info.splitlines() if line.startswith("meetings:"))
    assert "/8" in meetings and "owned, counted" in meetings
    influenced = next(line for line in info.splitlines() if "(influenced)" in line)
    assert "3/20" in influenced  # the goal's own progress: three active chapters of twenty


async def test_an_influenced_metric_shows_its_goals_progress(demo: TestBot) -> None:
    added = await demo.ok(
        '/workgroup metric add Mentoring "society members" influenced --goal members', as_="grace"
    )
    assert "Mentoring now influences 'society members'" in added
    info = await demo.ok("/workgroup info Mentoring")
    assert "Influences" in info
    line = next(line for line in info.splitlines() if "society members (influenced)" in line)
    assert "/5,000" in line
    refused = await demo.refused('/workgroup metric set Mentoring "society members" 9', as_="grace")
    assert "influenced" in refused


async def test_bad_metrics_are_refused_and_change_nothing(demo: TestBot) -> None:
    await demo.ok(MENTORS, as_="grace")
    before = await demo.snapshot()
    cases = {
        MENTORS: "Mentoring already has a metric named 'mentors matched'; change its value with "
        '/workgroup metric set Mentoring "mentors matched" VALUE.',
        '/workgroup metric add Mentoring "talks" owned --target 0': (
            "--target must be more than 0; got 0."
        ),
        '/workgroup metric add Mentoring "talks" owned --target -3': (
            "--target must be more than 0; got -3."
        ),
        '/workgroup metric add Mentoring "talks" owned --target 3 --by 2026-06-01': (
            "--by 2026-06-01 is in the past; give a date from today on."
        ),
        '/workgroup metric add Mentoring "reach" influenced --goal nosuch': (
            "No goal with key 'nosuch'; see /goals for the keys."
        ),
        '/workgroup metric add Mentoring "reach" influenced': (
            "An influenced metric shows a society goal's progress; name it with --goal KEY "
            "(see /goals)."
        ),
        '/workgroup metric add Mentoring "reach" sideways': (
            "/workgroup metric add takes owned or influenced after the metric, got 'sideways'."
        ),
        '/workgroup metric set Mentoring "mentors matched" lots': (
            "VALUE must be a number, got 'lots'."
        ),
        '/workgroup metric set Mentoring "nothing" 3': (
            "Mentoring has no metric named 'nothing' (it has: mentors matched)."
        ),
    }
    for command, expected in cases.items():
        assert await demo.refused(command, as_="grace") == expected, command
    assert await demo.snapshot() == before


async def test_only_the_lead_or_president_or_hq_sets_metrics(demo: TestBot) -> None:
    before = await demo.count(CharterMetric)
    refused = await demo.refused(MENTORS, as_="bob")
    assert "the lead of that workgroup or HQ" in refused
    refused = await demo.refused("/chapter metric add Boston meetings owned", as_="grace")
    assert "the president of that chapter or HQ" in refused
    refused = await demo.refused('/chapter charter Boston --purpose "Mine"', as_="grace")
    assert "the president of that chapter or HQ" in refused
    assert await demo.count(CharterMetric) == before
    assert await demo.count(ChapterCharter) == 0
    await demo.ok(MENTORS, as_="alice")  # HQ may
    assert await demo.count(CharterMetric, CharterMetric.kind == MetricKind.OWNED) == 1
