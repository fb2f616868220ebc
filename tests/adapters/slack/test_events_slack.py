"""Events on Slack end to end: the card in Boston's channel, a Going click, the card updated."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import ChapterEvent, Delivery, EventRsvp, RsvpStatus
from tests.adapters.slack.harness import SlackHarness, button

ALICE = "U0ALICE"  # HQ by configuration
BEA = "U0BEA"
BOSTON = "C0BOSTON"


async def test_going_clicked_on_slack_is_counted_and_the_card_updated(slack: SlackHarness) -> None:
    bound = await slack.command(ALICE, "/chapter bind Boston", channel=BOSTON)
    assert "now receives" in bound.params["text"]
    await slack.command(
        ALICE, '/event create Boston social 2026-07-02T18:30 "Summer picnic" --capacity 20'
    )
    posted = await slack.posted_to(BOSTON)
    text = posted.block_text()
    assert "Summer picnic" in text
    # Each reader sees the time in their own zone; the fallback is Boston's.
    assert "<!date^1783031400^{date_long_pretty} {time}|Thu 02 Jul 2026 18:30 EDT>" in text
    async with slack.bot.uow() as uow:
        event_id = await uow.session.scalar(select(ChapterEvent.id))
        ts = await uow.session.scalar(
            select(Delivery.message_id).where(Delivery.subject == f"event:{event_id}")
        )
    going = button(posted, "Going")
    assert going["value"] == f"/event rsvp {event_id} going"
    reply = await slack.click(BEA, going, channel=BOSTON, message_ts=str(ts))
    assert reply.params["response_type"] == "ephemeral"
    assert "You're going to Summer picnic" in reply.params["text"]
    async with slack.bot.uow() as uow:
        answers = list(await uow.session.scalars(select(EventRsvp.status)))
    assert answers == [RsvpStatus.GOING]
    update = await slack.fake.call("chat.update")
    assert update.params["channel"] == BOSTON and "1 going of 20" in update.block_text()


async def test_a_society_event_and_the_organisers_check_in_on_slack(slack: SlackHarness) -> None:
    await slack.command(ALICE, "/chapter bind Boston", channel=BOSTON)
    await slack.command(
        ALICE, '/event create working 2026-10-01T09:00 "Conference" --society --duration 8h'
    )
    posted = await slack.posted_to(BOSTON)  # every bound channel: here, Boston's
    assert "Conference" in posted.block_text()
    async with slack.bot.uow() as uow:
        event = await uow.session.scalar(select(ChapterEvent))
    assert event is not None and event.chapter_id is None
    slack.bot.clock.set(event.starts_at)
    refused = await slack.command(BEA, f"/event checkin {event.id} <@{ALICE}|alice>")
    assert (
        "Only the event's organiser, its president, one of its helpers or HQ may check others in"
        in (refused.params["text"])
    )
    checked = await slack.command(ALICE, f"/event checkin {event.id} <@{BEA}|bea> --guests 2")
    assert checked.params["text"] == f"Checked in <@{BEA}>. Added 2 guests (2 in all)."
    again = await slack.command(ALICE, f"/event checkin {event.id} <@{BEA}|bea>")
    assert "already checked in" in again.params["text"]
    async with slack.bot.uow() as uow:
        rows = list(await uow.session.scalars(select(EventRsvp)))
    assert len(rows) == 1 and rows[0].checked_in_at is not None
