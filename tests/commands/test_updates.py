"""Status updates as presidents, leads and HQ post them, on the demo society.

bob presides Boston (console channel `boston`, zone New York); grace leads
Mentoring; alice is HQ. The clock stands at Monday 15 June 2026, 16:00 UTC: June
is not yet half over and May has no update, so a post reports on May.
"""

from __future__ import annotations

from datetime import timedelta

from storage.models import StatusUpdate, UpdateAway
from tests.support import TestBot

POST = (
    '/update post Boston --asked "A stance on remote work" --got "Two meetings, 31 attended" '
    '--next "Check in on the ethics position"'
)


async def test_an_update_posts_at_once_as_one_card_in_the_groups_channel(demo: TestBot) -> None:
    reply = await demo.ok(POST, as_="bob")
    assert "Your update for Boston, May 2026, is posted to 1 channel: #boston (console)." in reply
    boston = [text for channel, text in demo.posts if channel == "boston"]
    assert len(boston) == 1
    card = boston[0]
    assert "Boston — update for May 2026" in card
    assert "Asked\nA stance on remote work" in card
    assert "Got\nTwo meetings, 31 attended" in card
    assert "Next\nCheck in on the ethics position" in card
    assert "by @bob" in card
    assert not [c for c, _ in demo.posts if c in ("san-francisco", "washington-dc")]


async def test_a_second_post_for_the_period_replaces_the_first_and_says_so(
    demo: TestBot,
) -> None:
    await demo.ok(POST, as_="bob")
    again = await demo.ok('/update post Boston --got "Three meetings after all"', as_="bob")
    assert "This replaces the update posted earlier for May 2026 (#1)." in again
    assert await demo.count(StatusUpdate) == 1
    boston = [text for channel, text in demo.posts if channel == "boston"]
    assert len(boston) == 2
    assert "Three meetings after all" in boston[1]
    assert "replaces an earlier update for this period" in boston[1]
    assert "A stance on remote work" not in boston[1]


async def test_bad_updates_are_refused_and_change_nothing(demo: TestBot) -> None:
    before = await demo.snapshot()
    long = "x" * 501
    cases = {
        f'/update post Boston --got "{long}"': "--got is 501 characters; keep it to 500.",
        "/update post Boston --period 2026-05": (
            "The update is empty: write at least one of --asked, --got or --next."
        ),
        '/update post Boston --got "Thanks @everyone for coming"': (
            "--got mentions @everyone; an update never pings a whole channel, "
            "so write it without the mention."
        ),
        '/update post Boston --next "<!channel> vote now"': (
            "--next mentions <!channel>; an update never pings a whole channel, "
            "so write it without the mention."
        ),
        "/update post Boston --got Done --period 2031-01": (
            "--period '2031-01' is not a monthly period up to now; this one is 2026-06."
        ),
        "/update away --until 2026-06-01": (
            "--until 2026-06-01 is in the past; give a date from today on."
        ),
    }
    for command, expected in cases.items():
        assert await demo.refused(command, as_="bob") == expected, command
    refused = await demo.refused(POST, as_="grace")
    assert "the group's lead or president or HQ" in refused
    assert await demo.snapshot() == before
    assert not [c for c, _ in demo.posts if c == "boston"]


async def test_a_lead_posts_for_their_workgroup_and_hq_for_the_society(demo: TestBot) -> None:
    reply = await demo.ok('/update post Mentoring --got "Matched 4 mentors"', as_="grace")
    assert (
        "Your update for Mentoring, May 2026, is posted, but no channel is bound to Mentoring, "
        "so it shows only in /update list; type /workgroup bind Mentoring in the channel that "
        "should get its updates."
    ) in reply
    refused = await demo.refused('/update post Mentoring --got "x"', as_="bob")
    assert "the group's lead or president or HQ" in refused
    society = await demo.ok('/update post society --got "Three chapters active"', as_="alice")
    assert "is posted to 3 channels" in society
    refused = await demo.refused('/update post society --got "mine"', as_="bob")
    assert "HQ" in refused


async def test_without_fields_the_draft_is_written_from_the_records(demo: TestBot) -> None:
    meeting = '/chapter meeting Boston working 2026-05-20 "Ethics debate" --attendance 14'
    await demo.ok(meeting, as_="bob")
    shown = await demo.ok("/update post Boston", as_="bob")
    assert "Draft update: Boston, May 2026" in shown
    assert "20 May working “Ethics debate” (14)" in shown
    assert await demo.count(StatusUpdate) == 0


async def test_skip_list_show_and_away(demo: TestBot) -> None:
    await demo.ok(POST, as_="bob")
    skipped = await demo.ok('/update skip Mentoring --reason "Summer break"', as_="grace")
    assert "Your skip for Mentoring, May 2026, is posted" in skipped
    await demo.ok("/update away --until 2026-07-31", as_="carol")
    demo.clock.advance(timedelta(days=2))  # Wednesday 17 June: May was due on 1 June
    listed = await demo.ok("/update list")
    lines = listed.splitlines()
    assert any("Boston" in line and "current for May 2026" in line for line in lines), listed
    assert any("Mentoring" in line and "skipped for May 2026" in line for line in lines), listed
    assert any("Washington DC" in line and "away for May 2026" in line for line in lines), listed
    assert any("San Francisco" in line and "overdue for May 2026" in line for line in lines)
    overdue = await demo.ok("/update list --overdue")
    assert "San Francisco" in overdue and "Boston" not in overdue
    assert await demo.count(UpdateAway) == 1
    history = await demo.ok("/update list Boston")
    assert "2026-05: Two meetings, 31 attended" in history
    update_id = history.split("#", 1)[1].split(" ", 1)[0]
    shown = await demo.ok(f"/update show {update_id}")
    assert "Boston — update for 2026-05" in shown and "A stance on remote work" in shown
    assert await demo.refused("/update show 999") == "No update #999; see /update list."


async def test_cadence_changes_the_period(demo: TestBot) -> None:
    reply = await demo.ok("/update cadence Boston weekly", as_="bob")
    assert "Boston posts weekly updates now (was monthly)" in reply
    posted = await demo.ok('/update post Boston --got "A busy week"', as_="bob")
    assert "Your update for Boston, 8 Jun – 14 Jun 2026, is posted" in posted
    assert "lead or president" in await demo.refused("/update cadence Boston weekly", as_="grace")


async def test_hqs_report_goes_to_every_chapter_channel_with_a_delivery_report(
    demo: TestBot,
) -> None:
    reply = await demo.ok('/update post society --got "Three chapters active"', as_="alice")
    assert "Delivered to 3 of 3 chapter channels." in reply
    for channel in ("boston", "san-francisco", "washington-dc"):
        (card,) = [text for where, text in demo.posts if where == channel]
        assert "the society — update for May 2026" in card and "Three chapters active" in card


async def test_stats_and_the_digest_show_who_is_current_overdue_or_away(demo: TestBot) -> None:
    await demo.ok(POST, as_="bob")
    await demo.ok("/update away --until 2026-07-31", as_="carol")
    demo.clock.advance(timedelta(days=2))
    stats = await demo.ok("/stats", as_="alice")
    assert "Updates" in stats
    # Mentoring began in June, so it owes nothing for May yet.
    assert "1 current, 1 overdue, 1 away, 1 new\nOverdue: San Francisco" in stats
    digest = await demo.ok("/digest Boston")
    assert "Ours for May 2026: ✅ current" in digest
    assert "• Boston: Two meetings, 31 attended" in digest


async def test_an_update_sets_owned_metrics_and_shows_them(demo: TestBot) -> None:
    await demo.ok(
        '/workgroup metric add Mentoring "mentors matched" owned --target 20', as_="grace"
    )
    before = await demo.snapshot()
    refused = await demo.refused(
        '/update post Mentoring --got "Matched seven" --metrics "mentees=3"', as_="grace"
    )
    assert refused == (
        "--metrics: 'mentees=3' is not NAME=VALUE for one of Mentoring's own metrics "
        "(mentors matched)."
    )
    assert await demo.snapshot() == before
    draft = await demo.send("/update post Mentoring", as_="grace")
    assert draft.form is not None
    assert [f.name for f in draft.form.fields] == ["asked", "got", "next_", "metrics"]
    assert draft.form.fields[3].default == "mentors matched=0"
    posted = await demo.ok(
        '/update post Mentoring --got "Matched seven" --metrics "mentors matched=7"', as_="grace"
    )
    assert "Metrics set: mentors matched 7." in posted
    shown = await demo.ok("/update show 1")
    assert "mentors matched  7" in shown
    info = await demo.ok("/workgroup info Mentoring")
    assert "7/20" in info


async def test_a_workgroups_update_goes_to_its_bound_channels_and_where_it_is_posted(
    demo: TestBot,
) -> None:
    await demo.ok("/workgroup bind Mentoring", as_="grace", channel="mentoring")
    await demo.ok("/workgroup bind Mentoring", as_="grace", channel="mentors-west")
    reply = await demo.ok(
        '/update post Mentoring --got "Matched 4 mentors"', as_="grace", channel="lobby"
    )
    assert (
        "Your update for Mentoring, May 2026, is posted to 3 channels: #mentoring (console), "
        "#mentors-west (console), #lobby (console)."
    ) in reply
    cards = {channel: text for channel, text in demo.posts if "Mentoring — update" in text}
    assert sorted(cards) == ["lobby", "mentoring", "mentors-west"]
    assert "Matched 4 mentors" in cards["mentoring"]
    # Posted in a bound channel, it arrives there once, not twice.
    again = await demo.ok(
        '/update post Mentoring --got "Matched 5 mentors"', as_="grace", channel="mentoring"
    )
    assert "is posted to 2 channels" in again
    fives = [c for c, text in demo.posts if "Matched 5 mentors" in text]
    assert sorted(fives) == ["mentoring", "mentors-west"]
    assert not [c for c, text in demo.posts if c == "boston" and "Mentoring" in text]
