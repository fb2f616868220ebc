"""An event helper on Slack end to end: HQ names a helper, who then checks a member in."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import ChapterEvent, EventHelper, EventRsvp, Identity
from tests.adapters.slack.harness import SlackHarness

ALICE = "U0ALICE"  # HQ by configuration
BEA = "U0BEA"
CAL = "U0CAL"
BOSTON = "C0BOSTON"


async def test_a_named_helper_checks_a_member_in_on_slack(slack: SlackHarness) -> None:
    await slack.command(ALICE, "/chapter bind Boston", channel=BOSTON)
    await slack.command(
        ALICE, '/event create working 2026-10-01T09:00 "Conference" --society --duration 8h'
    )
    async with slack.bot.uow() as uow:
        event = await uow.session.scalar(select(ChapterEvent))
    assert event is not None
    slack.bot.clock.set(event.starts_at)
    refused = await slack.command(BEA, f"/event checkin {event.id} <@{CAL}|cal>")
    assert "one of its helpers" in refused.params["text"]
    named = await slack.command(ALICE, f"/event helper {event.id} <@{BEA}|bea>")
    assert named.params["response_type"] == "ephemeral"
    assert named.params["text"].startswith(f"<@{BEA}> is now a helper for Conference")
    checked = await slack.command(BEA, f"/event checkin {event.id} <@{CAL}|cal> --guests 1")
    assert checked.params["text"] == f"Checked in <@{CAL}>. Added 1 guest (1 in all).", (
        checked.params["text"]
    )
    twice = await slack.command(ALICE, f"/event helper {event.id} <@{BEA}|bea>")
    assert "is already a helper for event" in twice.params["text"]
    async with slack.bot.uow() as uow:
        helper = await uow.session.scalar(select(EventHelper.member_id))
        bea = await uow.session.scalar(
            select(Identity.member_id).where(Identity.external_id == BEA)
        )
        cal = await uow.session.scalar(
            select(Identity.member_id).where(Identity.external_id == CAL)
        )
        [row] = list(await uow.session.scalars(select(EventRsvp)))
    assert helper == bea
    assert row.member_id == cal and row.checked_in_by == bea and row.checked_in_at is not None
