"""HQ's quarterly report, on the demo society (clock: Monday 15 June 2026, 16:00 UTC).

On the first working day of a quarter HQ gets the longer form, on the quarter just
ended, instead of the monthly one for its last month: the quarter's figures, fields
of 1,000 characters and a "highlights" field. Nothing reaches a chapter channel
until HQ submits it.
"""

from __future__ import annotations

from storage.models import StatusUpdate
from tests.commands.test_due_jobs import tick, utc
from tests.support import TestBot

JULY_1 = utc(2026, 7, 1, 9, 0)  # a Wednesday: Q2's report is due, in the society's zone (UTC)
CHAPTERS = ("boston", "san-francisco", "washington-dc")


def hq_cards(bot: TestBot) -> list[tuple[str, str]]:
    return [(where, text) for where, text in bot.posts if "the society — update for" in text]


async def test_the_quarters_first_working_day_prompts_hq_for_the_quarter_not_the_month(
    demo: TestBot,
) -> None:
    for day, attendance in (("2026-04-14", 12), ("2026-06-02", 40)):
        meeting = f'/chapter meeting Boston working {day} "Ethics debate" --attendance {attendance}'
        await demo.ok(meeting, as_="bob")
    await demo.ok('/update post Boston --got "Two meetings, 31 attended"', as_="bob")  # May
    await tick(demo.app, JULY_1)
    await tick(demo.app, utc(2026, 7, 1, 13, 0))  # alice's quiet hours end in Washington
    prompts = [t for w, t in demo.posts if w == "@alice" and "the society's update" in t]
    assert len(prompts) == 1, prompts
    (prompt,) = prompts
    assert "the society's update for Q2 2026 is due." in prompt
    assert "June 2026" not in prompt
    # The quarter's figures: meetings over three months against a quarter's cadence,
    # every group's updates in it, and drafted highlights.
    # The demo's own June meeting makes three; 3 active chapters owe 8 a year, 6 a quarter.
    assert "3 meetings held (cadence expects about 6)" in prompt
    assert "1 group update posted, 0 skipped" in prompt
    assert "Highlights" in prompt and "Best attended: Boston's “Ethics debate” (40)" in prompt
    assert "--highlights TEXT" in prompt
    # Nothing is posted until a person submits.
    assert hq_cards(demo) == []
    assert await demo.count(StatusUpdate, StatusUpdate.group_key == "society") == 0


async def test_hq_posts_the_longer_form_to_every_chapter_channel(demo: TestBot) -> None:
    demo.clock.set(JULY_1)
    shown = await demo.ok("/update post society", as_="alice")
    assert "Draft update: the society, Q2 2026" in shown
    long = "A" * 1000
    posted = await demo.ok(
        f'/update post society --got "{long}" --highlights "Ethics position adopted"',
        as_="alice",
    )
    assert "Your update for the society, Q2 2026, is posted to 3 channels: #" in posted
    assert all(f"#{channel} (console)" in posted for channel in CHAPTERS)
    assert sorted(where for where, _ in hq_cards(demo)) == sorted(CHAPTERS)
    card = dict(hq_cards(demo))["boston"]
    assert "the society — update for Q2 2026" in card
    assert "Highlights\nEthics position adopted" in card
    assert long in card
    # Given explicitly, the quarter's last month means the quarter: it replaces it.
    again = await demo.ok(
        '/update post society --period 2026-06 --got "Three chapters active"', as_="alice"
    )
    assert "This replaces the update posted earlier for Q2 2026" in again
    assert await demo.count(StatusUpdate, StatusUpdate.period == "2026-Q2") == 1


async def test_the_longer_forms_bad_input_is_refused_and_changes_nothing(demo: TestBot) -> None:
    demo.clock.set(JULY_1)
    before = await demo.snapshot()
    cases = {
        f'/update post society --got "{"A" * 1001}"': "--got is 1001 characters; keep it to 1000.",
        '/update post society --highlights "Thanks @everyone"': (
            "--highlights mentions @everyone; an update never pings a whole channel, "
            "so write it without the mention."
        ),
    }
    for command, expected in cases.items():
        assert await demo.refused(command, as_="alice") == expected, command
    monthly = '/update post Boston --got "Met" --highlights "Busy"'
    assert await demo.refused(monthly, as_="bob") == (
        "--highlights belongs to HQ's quarterly report; Boston's update for June 2026 "
        "takes --asked, --got and --next."
    )
    assert await demo.refused(f'/update post Boston --got "{"A" * 501}"', as_="bob") == (
        "--got is 501 characters; keep it to 500."
    )
    assert await demo.snapshot() == before
    assert hq_cards(demo) == []


async def test_a_month_inside_a_quarter_still_gets_the_monthly_report(demo: TestBot) -> None:
    demo.clock.set(utc(2026, 8, 3, 9, 0))  # Monday 3 August: July's report
    shown = await demo.ok("/update post society", as_="alice")
    assert "Draft update: the society, July 2026" in shown
    assert "--highlights" not in shown
