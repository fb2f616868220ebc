"""Chapter events on the demo society, driven through the console.

The demo starts on Monday 15 June 2026, 16:00 UTC (12:00 in Boston, New York time).
bob presides Boston (channel `boston`), grace is a Boston member and leads the
Mentoring workgroup, carol presides Washington DC, alice is HQ, frank is in London.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.reply import render_stamps
from bot.scheduler import run_due
from commands.events.demo import seed_demo_events
from storage.models import ChapterEvent, Delivery, EventRsvp, Identity, Meeting, RsvpStatus
from tests.commands.test_due_jobs import restarted
from tests.support import START, TestBot

PICNIC = '/event create Boston social 2026-07-02T18:30 "Summer picnic" --place "Boston Common"'


async def new_event(demo: TestBot, command: str = PICNIC, *, as_: str = "bob") -> int:
    reply = await demo.send(command, as_=as_, channel="boston")
    assert reply.ok, reply.text
    match = re.search(r"Event (\d+) is planned", reply.text)
    assert match, reply.text
    return int(match.group(1))


async def event_row(demo: TestBot, event_id: int) -> ChapterEvent:
    async with demo.uow() as uow:
        event = await uow.session.get(ChapterEvent, event_id)
        assert event is not None
        return event


async def statuses(demo: TestBot, event_id: int) -> dict[str, str]:
    """Each answer by the member's console handle."""
    from storage.models import Identity

    async with demo.uow() as uow:
        rows = await uow.session.execute(
            select(Identity.external_id, EventRsvp.status)
            .join(Identity, Identity.member_id == EventRsvp.member_id)
            .where(EventRsvp.event_id == event_id)
        )
        return {handle: status.value for handle, status in rows}


def dms(demo: TestBot, who: str) -> list[str]:
    return [text for where, text in demo.posts if where == f"@{who}"]


def social_held(status: str) -> int:
    match = re.search(r"Social: (\d+) held", status)
    assert match, status
    return int(match.group(1))


def events_only(demo: TestBot) -> None:
    """Leave only the events' own due work (and the upkeep every tick needs).

    Other features fall due in the same simulated weeks (a lead's monthly update
    prompt, a newcomer's welcome); these tests count what events send.
    """
    demo.only_due("events.", "upkeep.")


async def tick(demo: TestBot, at: datetime) -> list[str]:
    events_only(demo)
    demo.clock.set(at)
    report = await run_due(demo.app, at)
    assert not report.failed, [(job.name, job.error) for job in report.failed]
    await demo.app.notifier.flush()
    return [note for job in report.jobs for note in job.notes]


async def test_a_president_plans_an_event_announced_to_the_chapter_channel(demo: TestBot) -> None:
    event_id = await new_event(demo)
    event = await event_row(demo, event_id)
    # 18:30 in Boston in July is 22:30 UTC.
    assert event.starts_at == datetime(2026, 7, 2, 22, 30, tzinfo=UTC)
    assert event.ends_at - event.starts_at == timedelta(hours=2)
    assert event.rsvp_closes_at == event.starts_at
    [(channel, card)] = demo.posts
    assert channel == "boston"
    assert f"Event {event_id}: Summer picnic" in card
    assert "Thu 02 Jul 2026 18:30 EDT" in card and "Boston Common" in card
    assert f"[Going: /event rsvp {event_id} going]" in card
    assert f"[Can't go: /event rsvp {event_id} no]" in card


async def test_who_may_plan_which_event(demo: TestBot) -> None:
    refused = await demo.refused(PICNIC, as_="grace", channel="boston")
    assert refused == (
        "Only the chapter's president (--workgroup: its lead; --society: HQ only) or HQ "
        "may use /event create."
    )
    assert await demo.refused(PICNIC, as_="carol") == refused  # another chapter's president
    assert (await demo.send(PICNIC, as_="alice")).ok  # HQ
    society = (
        '/event create working 2026-10-01T09:00 "Conference" --society --ends 2026-10-02T17:00'
    )
    assert await demo.refused(society, as_="bob") == refused  # a president, not HQ
    await new_event(demo, society, as_="alice")
    # Society events go to every bound channel.
    channels = sorted(c for c, text in demo.posts if "Conference" in text)
    assert channels == ["boston", "san-francisco", "washington-dc"]
    mentoring = '/event create working 2026-07-15T17:00 "Kick-off" --workgroup Mentoring'
    assert await demo.refused(mentoring, as_="bob") == refused  # not its lead
    wg = await new_event(demo, mentoring, as_="grace")  # the workgroup's lead
    row = await event_row(demo, wg)
    assert row.chapter_id is None and row.workgroup_id is not None
    # Mentoring's event is not one of Boston's meetings due, planned or held.
    assert "Kick-off" not in await demo.ok("/chapter status Boston", as_="grace")


async def test_the_host_is_one_chapter_society_or_workgroup(demo: TestBot) -> None:
    before = await demo.snapshot()
    when = 'working 2026-10-01T09:00 "Conference"'
    cases = {
        f"/event create {when}": "Say who holds the event: a CHAPTER",
        f"/event create Boston {when} --society": (
            "Give one of CHAPTER, --society or --workgroup NAME; got CHAPTER and --society."
        ),
        f"/event create {when} --society --workgroup Mentoring": "got --society and --workgroup",
        f"/event create {when} --workgroup Knitting": "Knitting",
        f"/event create Atlantis {when}": "Atlantis",
    }
    for command, expected in cases.items():
        refused = await demo.refused(command, as_="alice")
        assert expected in refused, (command, refused)
        assert "\n" not in refused
    assert await demo.snapshot() == before


async def test_bad_events_are_refused_with_one_line_and_write_nothing(demo: TestBot) -> None:
    before = await demo.snapshot()
    base = "/event create Boston social"
    cases = {
        f'{base} 2026-06-01T18:00 "Picnic"': "WHEN is in the past",
        f'{base} 2026-07-02T18:00 "Picnic" --ends 2026-07-02T17:00': "The end is before the start",
        f'{base} 2026-07-02T18:00 "Picnic" --duration 8d': "at most 7 days",
        f'{base} 2026-07-02T18:00 "Picnic" --ends 2026-07-12T18:00': "at most 7 days",
        f'{base} 2026-07-02T18:00 "Picnic" --capacity 0': "--capacity must be at least 1",
        f'{base} 2026-07-02T18:00 "Picnic" --capacity -3': "--capacity must be at least 1",
        f'{base} 2026-07-02T18:00 "{"x" * 201}"': "TITLE is 201 characters; keep it to 200",
        f'{base} 2026-07-02T18:00 "Party @everyone"': "would notify everyone",
        f'{base} 2026-07-02T18:00 "Party <!channel>"': "would notify everyone",
        f'{base} 2026-07-02T18:00 "P" --repeat weekly --until 2026-06-20': "yields no occurrence",
        f'{base} 2026-07-02T18:00 "P" --repeat weekly --count 53': "more than 52",
        f'{base} 2026-07-02T18:00 "P" --repeat weekly --until 2028-01-01': "more than 52",
        f'{base} 2026-07-02T18:00 "P" --repeat fortnightly --count 3': "not a rule I know",
        f'{base} 2026-07-02T18:00 "P" --place "x" --online https://m.example/x': "not both",
        f'{base} 2026-07-02T18:00 "P" --rsvp-closes 2026-07-03T10:00': "after the start",
        f'{base} tomorrowish "P"': "WHEN expects",
    }
    for command, expected in cases.items():
        refused = await demo.refused(command, as_="bob", channel="boston")
        assert expected in refused, (command, refused)
    assert await demo.snapshot() == before
    assert demo.posts == []


async def test_rsvps_fill_the_capacity_then_a_waitlist_in_arrival_order(demo: TestBot) -> None:
    event_id = await new_event(demo, PICNIC + " --capacity 2")
    going = await demo.ok(f"/event rsvp {event_id} going", as_="grace")
    assert going.startswith("You're going to Summer picnic")
    assert (await demo.send(f"/event rsvp {event_id} going", as_="bob")).ok
    full = await demo.ok(f"/event rsvp {event_id} going", as_="carol")
    assert "is full (2 places); you are number 1 on the waitlist" in full
    second = await demo.ok(f"/event rsvp {event_id} going", as_="frank")
    assert "number 2 on the waitlist" in second
    assert await statuses(demo, event_id) == {
        "grace": "going",
        "bob": "going",
        "carol": "waitlist",
        "frank": "waitlist",
    }
    # The going get a calendar file by direct message.
    [confirm] = dms(demo, "grace")
    assert "BEGIN:VCALENDAR" in confirm and "SUMMARY:Summer picnic" in confirm
    # The card, edited in place, shows the counts.
    assert any("2 going of 2" in t and "2 on the waitlist" in t for t in demo.poster.edits.values())
    # A place frees: the first in line is offered it with buttons, the second waits.
    assert (await demo.send(f"/event rsvp {event_id} no", as_="grace")).ok
    [offer] = dms(demo, "carol")
    assert "A place freed up at Summer picnic" in offer
    assert f"[Take the place: /event rsvp {event_id} going]" in offer
    assert f"[Pass: /event rsvp {event_id} no]" in offer
    assert dms(demo, "frank") == []
    taken = await demo.ok(f"/event rsvp {event_id} going", as_="carol")
    assert taken.startswith("You're going")
    assert (await statuses(demo, event_id))["carol"] == "going"
    assert (await statuses(demo, event_id))["frank"] == "waitlist"


async def test_an_offer_not_taken_in_time_passes_to_the_next_in_line(demo: TestBot) -> None:
    event_id = await new_event(demo, PICNIC + " --capacity 1 --offer-hours 12")
    for who in ("grace", "carol", "frank"):
        assert (await demo.send(f"/event rsvp {event_id} going", as_=who)).ok
    assert (await demo.send(f"/event rsvp {event_id} maybe", as_="grace")).ok
    assert len(dms(demo, "carol")) == 1 and dms(demo, "frank") == []
    notes = await tick(demo, START + timedelta(hours=11, minutes=59))
    assert not any("offer expired" in n for n in notes)
    notes = await tick(demo, START + timedelta(hours=12))
    assert any("an offer expired" in n for n in notes), notes
    assert "was not taken in time" in dms(demo, "carol")[-1]
    assert "A place freed up" in dms(demo, "frank")[-1]
    assert await statuses(demo, event_id) == {"grace": "maybe", "carol": "no", "frank": "offered"}
    await tick(demo, START + timedelta(hours=12, minutes=5))  # a second tick changes nothing
    assert len(dms(demo, "frank")) == 1
    # Carol may queue again, at the end of the line.
    again = await demo.ok(f"/event rsvp {event_id} going", as_="carol")
    assert "is full (1 place); you are number 1 on the waitlist" in again


async def test_rsvps_close_and_cancelled_events_refuse_answers(demo: TestBot) -> None:
    event_id = await new_event(demo, PICNIC + " --rsvp-closes 2026-06-30T12:00")
    demo.clock.set(datetime(2026, 6, 30, 16, 1, tzinfo=UTC))
    before = await demo.snapshot()
    refused = render_stamps(await demo.refused(f"/event rsvp {event_id} going", as_="grace"))
    assert refused.startswith(f"RSVPs for event {event_id} closed Tue 30 Jun 2026 12:00 EDT")
    assert await demo.snapshot() == before
    other = await new_event(demo, PICNIC.replace("Summer picnic", "Autumn picnic"))
    assert (await demo.send(f"/event cancel {other}", as_="bob")).ok
    refused = await demo.refused(f"/event rsvp {other} going", as_="grace")
    assert refused == f"Event {other} was cancelled; there is nothing to answer."


async def test_only_the_organiser_edits_and_a_change_of_time_is_told(demo: TestBot) -> None:
    event_id = await new_event(demo, PICNIC + " --capacity 5")
    assert (await demo.send(f"/event rsvp {event_id} going", as_="grace")).ok
    assert (await demo.send(f"/event rsvp {event_id} maybe", as_="carol")).ok
    refused = await demo.refused(f"/event edit {event_id} --place Park", as_="grace")
    assert refused.startswith("Only the event's organiser or its president or HQ")
    edited = await demo.ok(f"/event edit {event_id} --when 2026-07-02T19:00", as_="bob")
    assert "updated (time)" in edited and "Told 2 members" in edited
    event = await event_row(demo, event_id)
    assert event.starts_at == datetime(2026, 7, 2, 23, 0, tzinfo=UTC) and event.sequence == 1
    assert "now Thu 02 Jul 2026 19:00 EDT" in dms(demo, "carol")[-1]
    # Capacity below the number already going is refused.
    assert (await demo.send(f"/event rsvp {event_id} going", as_="frank")).ok
    refused = await demo.refused(f"/event edit {event_id} --capacity 1", as_="bob")
    assert refused == "--capacity 1 is below the 2 already going; give at least 2."


async def test_cancelling_tells_everyone_who_answered_and_the_card_says_so(demo: TestBot) -> None:
    event_id = await new_event(demo)
    assert (await demo.send(f"/event rsvp {event_id} going", as_="grace")).ok
    done = await demo.ok(f'/event cancel {event_id} --reason "Rain all day"', as_="bob")
    assert done == f"Cancelled event {event_id}; told 1 member who answered."
    assert "is cancelled: Rain all day" in dms(demo, "grace")[-1]
    card = list(demo.poster.edits.values())[-1]
    assert "Cancelled: Rain all day" in card and "[Going" not in card
    refused = await demo.refused(f"/event cancel {event_id}", as_="bob")
    assert refused == f"Event {event_id} was cancelled; it cannot be cancelled."


async def test_list_and_show(demo: TestBot) -> None:
    event_id = await new_event(demo, PICNIC + " --capacity 1")
    for who in ("grace", "carol"):
        assert (await demo.send(f"/event rsvp {event_id} going", as_=who)).ok
    listed = await demo.ok("/event list", as_="grace")
    assert f"{event_id} Summer picnic — Boston" in listed and "1 going of 1" in listed
    shown = await demo.ok(f"/event show {event_id}", as_="frank")
    assert "Going  @grace" in shown and "Waitlist" not in shown
    organiser = await demo.ok(f"/event show {event_id}", as_="bob")
    assert "Waitlist  @carol" in organiser
    refused = await demo.refused("/event show 99")
    assert refused == "No event 99. /event list shows the coming events."


async def test_check_in_is_open_from_half_an_hour_before_to_two_hours_after(
    demo: TestBot,
) -> None:
    event_id = await new_event(demo)
    event = await event_row(demo, event_id)
    demo.clock.set(event.starts_at - timedelta(minutes=31))
    refused = render_stamps(await demo.refused(f"/event checkin {event_id}", as_="grace"))
    assert refused == (
        f"Check-in for event {event_id} is open from Thu 02 Jul 2026 18:00 EDT "
        "to Thu 02 Jul 2026 22:30 EDT."
    )
    demo.clock.set(event.starts_at - timedelta(minutes=30))
    assert (await demo.ok(f"/event checkin {event_id}", as_="grace")).startswith("Checked in")
    refused = await demo.refused(f"/event checkin {event_id}", as_="grace")
    assert refused == f"You are already checked in to event {event_id}."
    # The live card shows "I'm here" inside the window.
    assert f"[I'm here: /event checkin {event_id}]" in list(demo.poster.edits.values())[-1]
    # The organiser checks others in and counts guests; members may not.
    before = await demo.snapshot()
    refused = await demo.refused(f"/event checkin {event_id} @frank", as_="grace")
    assert refused.startswith(
        "Only the event's organiser, its president, one of its helpers or HQ "
        f"may check others in to event {event_id}"
    )
    assert await demo.snapshot() == before
    admitted = await demo.ok(f"/event checkin {event_id} @frank @grace --guests 3", as_="bob")
    assert admitted == "Checked in @frank. Already checked in: @grace. Added 3 guests (3 in all)."
    # Twice: a one-line refusal, nothing changed.
    before = await demo.snapshot()
    refused = await demo.refused(f"/event checkin {event_id} @frank", as_="bob")
    assert refused == f"Frank Thames is already checked in to event {event_id}; nothing changed."
    refused = await demo.refused(f"/event checkin {event_id} --guests 0", as_="bob")
    assert refused == "--guests must be between 1 and 10000; got 0."
    assert await demo.snapshot() == before
    assert (await event_row(demo, event_id)).guests == 3
    # Outside the window: refused for the organiser too, nothing changed.
    demo.clock.set(event.ends_at + timedelta(hours=2, minutes=1))
    await demo.refused(f"/event checkin {event_id}", as_="carol")
    before = await demo.snapshot()
    refused = render_stamps(
        await demo.refused(f"/event checkin {event_id} @carol --guests 2", as_="bob")
    )
    assert refused.startswith(f"Check-in for event {event_id} is open from")
    assert await demo.snapshot() == before


async def test_an_ended_event_is_credited_as_the_chapters_meeting(demo: TestBot) -> None:
    event_id = await new_event(demo)
    event = await event_row(demo, event_id)
    demo.clock.set(event.starts_at)
    held_before = social_held(await demo.ok("/chapter status Boston", as_="grace"))
    for who in ("grace", "frank"):
        assert (await demo.send(f"/event checkin {event_id}", as_=who)).ok
    assert (await demo.send(f"/event checkin {event_id} --guests 4", as_="bob")).ok
    notes = await tick(demo, event.ends_at)
    assert any("Logged event" in n and "(6 attended)" in n for n in notes), notes
    async with demo.uow() as uow:
        meeting = await uow.session.scalar(select(Meeting).where(Meeting.topic == "Summer picnic"))
    assert meeting is not None and meeting.attendance == 6
    assert meeting.held_on.isoformat() == "2026-07-02" and meeting.kind.value == "social"
    assert (await event_row(demo, event_id)).meeting_id == meeting.id
    status = await demo.ok("/chapter status Boston", as_="grace")
    assert social_held(status) == held_before + 1
    # The organiser is asked for a recap, and attendees to rate it: it ended after
    # midnight in Boston, so the messages wait for the morning (quiet hours).
    assert dms(demo, "bob") == []
    await tick(demo, datetime(2026, 7, 3, 12, 0, tzinfo=UTC))  # 08:00 EDT
    assert "/event recap" in dms(demo, "bob")[-1]
    assert f"[5: /event feedback {event_id} 5]" in dms(demo, "grace")[-1]
    await tick(demo, datetime(2026, 7, 3, 12, 5, tzinfo=UTC))
    assert await demo.count(Meeting, Meeting.topic == "Summer picnic") == 1
    assert len(dms(demo, "grace")) == 1
    assert (await demo.send(f"/event feedback {event_id} 4", as_="grace")).ok
    assert (await demo.send(f"/event feedback {event_id} 2", as_="frank")).ok
    await demo.refused(f"/event feedback {event_id} 5", as_="carol")  # was not there
    shown = await demo.ok(f"/event show {event_id}", as_="bob")
    assert "3.0 of 5 from 2 answers" in shown
    recap = await demo.ok(
        f'/event recap {event_id} "Ate sandwiches" "Picnic again in August" "Book the park"',
        as_="bob",
    )
    assert recap == f"Recap of event {event_id} posted to 1 channel."
    assert any("Recap: Summer picnic" in t and "Book the park" in t for c, t in demo.posts)
    digest = await demo.ok("/digest Boston", as_="grace")
    assert "Recap of Summer picnic: What happened: Ate sandwiches" in digest


async def test_with_no_check_ins_the_organiser_confirms_a_headcount(demo: TestBot) -> None:
    event_id = await new_event(demo)
    event = await event_row(demo, event_id)
    meetings = await demo.count(Meeting)
    notes = await tick(demo, event.ends_at + timedelta(minutes=1))
    assert any("no check-ins" in n for n in notes), notes
    await tick(demo, datetime(2026, 7, 3, 12, 0, tzinfo=UTC))
    assert "How many came?" in dms(demo, "bob")[-1]
    assert await demo.count(Meeting) == meetings  # nothing credited until confirmed
    held = await demo.ok(f"/event credit {event_id} 12", as_="bob")
    assert "(12 attended)" in held
    assert await demo.count(Meeting) == meetings + 1
    refused = await demo.refused(f"/event credit {event_id} --not-held", as_="bob")
    assert refused == f"Event {event_id} is already settled; see /event show {event_id}."


async def test_reminders_go_once_to_going_and_maybe_the_day_before(demo: TestBot) -> None:
    event_id = await new_event(demo)
    event = await event_row(demo, event_id)
    assert (await demo.send(f"/event rsvp {event_id} going", as_="grace")).ok
    assert (await demo.send(f"/event rsvp {event_id} maybe", as_="carol")).ok
    assert (await demo.send(f"/event rsvp {event_id} no", as_="frank")).ok
    before = {who: len(dms(demo, who)) for who in ("grace", "carol", "frank", "bob")}
    # 24 h before is 18:30 in Boston: outside quiet hours for Boston and Washington.
    notes = await tick(demo, event.starts_at - timedelta(hours=24))
    assert any(f"remind event {event_id} (day before) → 2 members" in n for n in notes), notes
    await tick(demo, event.starts_at - timedelta(hours=23))
    assert len(dms(demo, "grace")) == before["grace"] + 1
    assert len(dms(demo, "carol")) == before["carol"] + 1
    assert len(dms(demo, "frank")) == before["frank"]
    assert "Reminder: Summer picnic is tomorrow" in dms(demo, "grace")[-1]
    summary = dms(demo, "bob")[-1]
    assert "Going (1): @grace" in summary and "Maybe (1): @carol" in summary
    await tick(demo, event.starts_at - timedelta(hours=1))
    assert "in an hour" in dms(demo, "grace")[-1]
    assert len(dms(demo, "carol")) == before["carol"] + 1  # maybe: the day before only
    await tick(demo, event.starts_at - timedelta(minutes=30))
    async with demo.uow() as uow:
        keys = list(
            await uow.session.scalars(
                select(Delivery.key).where(Delivery.key.like(f"event:{event_id}:remind:%"))
            )
        )
    assert len(keys) == 3


async def test_interested_is_a_maybe_that_never_overrides_an_answer(demo: TestBot) -> None:
    """What Discord's Interested button runs, typed on the console."""
    event_id = await new_event(demo)
    said = await demo.ok(f"/event interested {event_id} yes", as_="grace")
    assert said.startswith("Noted: maybe for Summer picnic")
    assert await statuses(demo, event_id) == {"grace": "maybe"}
    taken = await demo.ok(f"/event interested {event_id} no", as_="grace")
    assert taken == "Your maybe for Summer picnic is taken back."
    assert await statuses(demo, event_id) == {}
    assert (await demo.send(f"/event rsvp {event_id} going", as_="frank")).ok
    kept = await demo.ok(f"/event interested {event_id} yes", as_="frank")
    assert kept == "You already answered going to Summer picnic; nothing changed."
    kept = await demo.ok(f"/event interested {event_id} no", as_="frank")
    assert kept == "You had no maybe for Summer picnic; nothing changed."
    assert await statuses(demo, event_id) == {"frank": "going"}


async def test_times_and_quiet_hours_follow_the_members_own_zone(demo: TestBot) -> None:
    """grace (Boston) says she lives in London: she reads the picnic's time in London
    time, and her reminders keep London's quiet hours; bob, with no zone of his own,
    reads Boston's."""
    assert (await demo.send("/member edit --timezone Europe/London", as_="grace")).ok
    event_id = await new_event(demo)
    event = await event_row(demo, event_id)
    # 18:30 in Boston is 23:30 in London.
    assert "Thu 02 Jul 2026 23:30 BST" in await demo.ok(f"/event show {event_id}", as_="grace")
    assert "Thu 02 Jul 2026 18:30 EDT" in await demo.ok(f"/event show {event_id}", as_="bob")
    # The card in Boston's channel has many readers: Boston's time.
    assert "Thu 02 Jul 2026 18:30 EDT" in demo.posts[0][1]
    for who in ("grace", "bob"):
        assert (await demo.send(f"/event rsvp {event_id} going", as_=who)).ok
    before = {who: len(dms(demo, who)) for who in ("grace", "bob")}
    # 24 h before: 18:30 in Boston, 23:30 in London, inside grace's quiet hours (20-08).
    # Held until 08:00 London (still before the start), and sent then, in her time.
    await tick(demo, event.starts_at - timedelta(hours=24))
    assert any(
        "Reminder: Summer picnic is tomorrow" in t for t in dms(demo, "bob")[before["bob"] :]
    )
    assert len(dms(demo, "grace")) == before["grace"]
    async with demo.uow() as uow:
        held = await uow.session.scalar(
            select(Delivery.not_before).where(
                Delivery.key.like(f"event:{event_id}:remind:day:member:%"),
                Delivery.not_before.is_not(None),
            )
        )
    assert held is not None and held.replace(tzinfo=UTC) == datetime(2026, 7, 2, 7, 0, tzinfo=UTC)
    await tick(demo, datetime(2026, 7, 2, 7, 0, tzinfo=UTC))
    reminder = dms(demo, "grace")[-1]
    assert "Reminder: Summer picnic is tomorrow" in reminder
    assert "Thu 02 Jul 2026 23:30 BST" in reminder
    # 1 h before is 22:30 in London: quiet hours would hold it past the start, so it
    # is dropped for grace; bob, in Boston at 17:30, gets his.
    await tick(demo, event.starts_at - timedelta(hours=1))
    assert any("in an hour" in text for text in dms(demo, "bob"))
    assert not any("in an hour" in text for text in dms(demo, "grace"))


async def test_a_clock_change_between_planning_and_the_start_keeps_the_local_hour(
    demo: TestBot,
) -> None:
    # Planned in summer time for a November evening, after the clocks went back.
    event_id = await new_event(
        demo,
        '/event create Boston working 2026-11-05T18:00 "Autumn talk" --repeat weekly --count 3',
    )
    event = await event_row(demo, event_id)
    assert event.starts_at == datetime(2026, 11, 5, 23, 0, tzinfo=UTC)  # 18:00 EST
    assert "Thu 05 Nov 2026 18:00 EST" in demo.posts[0][1]
    async with demo.uow() as uow:
        series = list(
            await uow.session.scalars(
                select(ChapterEvent)
                .where(ChapterEvent.series_id == event_id)
                .order_by(ChapterEvent.starts_at)
            )
        )
    assert [e.starts_at.hour for e in series] == [23, 23, 23]
    assert series[0].rrule == "FREQ=WEEKLY;COUNT=3"
    # A series that crosses the change keeps 18:00 local on both sides.
    other = await new_event(
        demo, '/event create Boston working 2026-10-22T18:00 "Study" --repeat weekly --count 3'
    )
    async with demo.uow() as uow:
        starts = [
            e.starts_at
            for e in await uow.session.scalars(
                select(ChapterEvent)
                .where(ChapterEvent.series_id == other)
                .order_by(ChapterEvent.starts_at)
            )
        ]
    assert [s.hour for s in starts] == [22, 22, 23]  # EDT, EDT, then EST
    assert RsvpStatus.GOING.value == "going"


async def test_planned_events_show_beside_the_cadence_and_in_the_digest(demo: TestBot) -> None:
    status = await demo.ok("/chapter status Boston", as_="grace")
    assert "· 0 planned" in status
    event_id = await new_event(demo, PICNIC + " --capacity 10")
    assert (await demo.send(f"/event rsvp {event_id} going", as_="grace")).ok
    status = await demo.ok("/chapter status Boston", as_="grace")
    assert re.search(r"Social: .* · 1 planned", status), status
    assert re.search(r"Working: .* · 0 planned", status), status
    digest = await demo.ok("/digest Boston", as_="grace")
    assert "Next events" in digest
    assert f"{event_id} Summer picnic, Thu 02 Jul 2026 18:30 EDT · 1 going of 10" in digest


async def test_the_demo_events_include_a_full_one_with_a_waitlist(demo: TestBot) -> None:
    async with demo.uow() as uow:
        await seed_demo_events(uow.session, uow.now)
        await uow.commit()
    listed = await demo.ok("/event list", as_="grace")
    assert "Harbour walk — Boston" in listed and "2 going of 2" in listed
    found = re.search(r"(\d+) Harbour walk", listed)
    assert found, listed
    walk = int(found.group(1))
    full = await demo.ok(f"/event rsvp {walk} going", as_="erin")
    assert "you are number 3 on the waitlist" in full
    assert (await demo.send(f"/event rsvp {walk} no", as_="bob")).ok
    assert "A place freed up at Harbour walk" in dms(demo, "carol")[-1]


async def test_a_burst_of_answers_fills_the_places_once_in_arrival_order(demo: TestBot) -> None:
    event_id = await new_event(demo, PICNIC + " --capacity 10")
    people = [f"fan{n}" for n in range(30)]
    replies = await asyncio.gather(
        *(demo.send(f"/event rsvp {event_id} going", as_=who) for who in people)
    )
    assert all(reply.ok for reply in replies), [r.text for r in replies if not r.ok]
    async with demo.uow() as uow:
        rows = (
            await uow.session.execute(
                select(Identity.external_id, EventRsvp.status)
                .join(Identity, Identity.member_id == EventRsvp.member_id)
                .where(EventRsvp.event_id == event_id)
                .order_by(EventRsvp.queued_at, EventRsvp.id)
            )
        ).all()
    going = [who for who, status in rows if status is RsvpStatus.GOING]
    waiting = [who for who, status in rows if status is RsvpStatus.WAITLIST]
    assert len(rows) == 30 and len(going) == 10
    assert waiting == [who for who in people if who not in going]
    positions = [int(m.group(1)) for r in replies if (m := re.search(r"number (\d+)", r.text))]
    assert sorted(positions) == list(range(1, 21))


async def test_two_schedulers_send_each_reminder_once(demo: TestBot) -> None:
    event_id = await new_event(demo)
    event = await event_row(demo, event_id)
    for who in ("grace", "carol", "frank"):
        assert (await demo.send(f"/event rsvp {event_id} going", as_=who)).ok
    at = event.starts_at - timedelta(hours=24)
    demo.clock.set(at)
    async with restarted(demo) as other:
        reports = await asyncio.gather(run_due(demo.app, at), run_due(other.app, at))
        for report in reports:  # a job that lost a race is rolled back and retried later
            assert all(job.error is None or "conflict" in job.error.lower() for job in report.jobs)
        await asyncio.gather(run_due(demo.app, at), run_due(other.app, at))
        await demo.app.notifier.flush()
        await other.app.notifier.flush()
        to_grace = [t for w, t in demo.sent if w == "@grace"]  # sent by either instance
    async with demo.uow() as uow:
        keys = list(
            await uow.session.scalars(
                select(Delivery.key).where(Delivery.key.like(f"event:{event_id}:remind:day:%"))
            )
        )
    assert len(keys) == 3 and len(set(keys)) == 3
    assert sum("Reminder: Summer picnic is tomorrow" in t for t in to_grace) == 1


async def test_a_series_dates_are_announced_a_week_ahead_each_once(demo: TestBot) -> None:
    first = await new_event(
        demo,
        '/event create Boston working 2026-07-07T18:00 "Study night" --repeat weekly --count 3',
    )
    assert [c for c, text in demo.posts if "Study night" in text] == ["boston"]
    second = await event_row(demo, first + 1)
    notes = await tick(demo, second.starts_at - timedelta(days=7, minutes=1))
    assert not any("announce event" in n for n in notes)
    notes = await tick(demo, second.starts_at - timedelta(days=7))
    assert any(f"announce event {first + 1} (Study night) → 1 channel" in n for n in notes), notes
    await tick(demo, second.starts_at - timedelta(days=6))
    cards = [t for c, t in demo.posts if c == "boston" and "Study night" in t]
    assert len(cards) == 2 and f"Event {first + 1}: Study night" in cards[1]
    assert "Tue 14 Jul 2026 18:00 EDT" in cards[1]
    assert f"[Going: /event rsvp {first + 1} going]" in cards[1]


async def test_the_dashboard_lists_coming_events_and_the_members_answer(demo: TestBot) -> None:
    from tests.commands.test_positions import dashboard_of

    assert "Nothing planned yet for your chapter." in await dashboard_of(demo, "grace")
    event_id = await new_event(demo)
    assert (await demo.send(f"/event rsvp {event_id} maybe", as_="grace")).ok
    home = await dashboard_of(demo, "grace")
    assert f"{event_id} Summer picnic — Thu 02 Jul 2026 18:30 EDT · you: maybe" in home
    assert "not answered" in await dashboard_of(demo, "bob")


async def series_days(demo: TestBot, first: int) -> list[str]:
    async with demo.uow() as uow:
        rows = await uow.session.scalars(
            select(ChapterEvent)
            .where(ChapterEvent.series_id == first)
            .order_by(ChapterEvent.starts_at)
        )
        return [
            e.starts_at.astimezone(ZoneInfo(e.timezone)).strftime("%a %Y-%m-%d %H:%M") for e in rows
        ]


async def test_readable_repeats_become_rules_and_dates(demo: TestBot) -> None:
    base = '/event create Boston working 2026-07-14T18:00 "Reading group"'
    nth = await new_event(demo, base + ' --repeat "every 2nd tuesday" --count 3')
    assert await series_days(demo, nth) == [
        "Tue 2026-07-14 18:00",
        "Tue 2026-08-11 18:00",
        "Tue 2026-09-08 18:00",
    ]
    assert (await event_row(demo, nth)).rrule == "FREQ=MONTHLY;BYDAY=2TU;COUNT=3"
    quarterly = await new_event(demo, base + " --repeat quarterly --until 2027-01-31")
    assert await series_days(demo, quarterly) == [
        "Tue 2026-07-14 18:00",
        "Wed 2026-10-14 18:00",
        "Thu 2027-01-14 18:00",
    ]
    refused = await demo.refused(base + " --repeat 'every friday' --count 2", as_="bob")
    assert refused == (
        "--repeat every friday does not fall on WHEN's day (Tuesday); start on a friday."
    )
    refused = await demo.refused(base + " --count 3", as_="bob")
    assert refused == "--until and --count go with --repeat; add --repeat weekly, say."
