"""An event helper on Slack end to end: named, told by direct message (Slack's own date
token for the start), shown on the card in the channel, removed and told again; bad
requests refused in one line with nothing sent."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import ChapterEvent, Delivery, EventHelper
from tests.adapters.slack.harness import SlackHarness

ALICE = "U0ALICE"  # HQ by configuration
BEA = "U0BEA"
CAL = "U0CAL"
BOSTON = "C0BOSTON"
PICNIC = '/event create Boston social 2026-07-02T18:30 "Summer picnic" --place "Boston Common"'


def dms_to(slack: SlackHarness, user: str) -> list[str]:
    return [
        c.block_text() or str(c.params.get("text"))
        for c in slack.fake.of("chat.postMessage")
        if c.params.get("channel") == f"D{user}"
    ]


def card_edits(slack: SlackHarness) -> list[str]:
    return [c.block_text() for c in slack.fake.of("chat.update") if c.params["channel"] == BOSTON]


async def test_a_helper_is_told_on_slack_and_named_on_the_card(slack: SlackHarness) -> None:
    await slack.command(ALICE, "/chapter bind Boston", channel=BOSTON)
    await slack.command(BEA, "/member join Boston")
    await slack.command(ALICE, PICNIC)
    await slack.posted_to(BOSTON)
    async with slack.bot.uow() as uow:
        event = await uow.session.scalar(select(ChapterEvent))
    assert event is not None
    start = int(event.starts_at.timestamp())

    named = await slack.command(ALICE, f"/event helper {event.id} <@{BEA}|bea>")
    assert named.params["text"] == (
        f"<@{BEA}> is now a helper for Summer picnic: they may check members in "
        f"(/event checkin {event.id} @member) and count guests there. "
        "They were told by direct message."
    )
    await slack.fake.wait(lambda: bool(dms_to(slack, BEA)))
    [told] = dms_to(slack, BEA)
    assert f"<@{ALICE}> named you a helper for Summer picnic (event {event.id})" in told, told
    # The start as Slack writes it in each reader's own zone, Boston's as the fallback.
    assert f"<!date^{start}^{{date_long_pretty}} {{time}}|Thu 02 Jul 2026 18:30 EDT>" in told
    assert f"/event checkin {event.id} @member" in told, told
    assert f"/event checkin {event.id} --guests N" in told, told
    # The card in Boston's channel is edited to name the helper, for everyone there.
    await slack.fake.wait(lambda: any("Helpers" in t for t in card_edits(slack)))
    assert f"*Helpers:* <@{BEA}>" in card_edits(slack)[-1], card_edits(slack)[-1]

    removed = await slack.command(ALICE, f"/event helper {event.id} <@{BEA}|bea> --remove")
    assert removed.params["text"].startswith(f"<@{BEA}> is no longer a helper for Summer picnic")
    await slack.fake.wait(lambda: len(dms_to(slack, BEA)) == 2)
    assert f"removed you as a helper for Summer picnic (event {event.id}" in dms_to(slack, BEA)[-1]
    await slack.fake.wait(lambda: "Helpers" not in card_edits(slack)[-1])


async def test_bad_helper_requests_on_slack_change_nothing(slack: SlackHarness) -> None:
    await slack.command(ALICE, "/chapter bind Boston", channel=BOSTON)
    await slack.command(BEA, "/member join Boston")
    await slack.command(CAL, "/member profile")  # a member, of no chapter
    await slack.command(ALICE, PICNIC)
    async with slack.bot.uow() as uow:
        event_id = await uow.session.scalar(select(ChapterEvent.id))
    await slack.command(ALICE, f"/event helper {event_id} <@{BEA}|bea>")
    sent = await slack.bot.count(Delivery)
    cases = {
        f"/event helper {event_id} <@{CAL}|cal>": "is not a member of Boston; a helper for event",
        f"/event helper {event_id} <@{BEA}|bea>": "is already a helper for event",
        f"/event helper {event_id} <@{CAL}|cal> --remove": f"is not a helper for event {event_id}",
    }
    for command, expected in cases.items():
        reply = await slack.command(ALICE, command)
        assert reply.params["response_type"] == "ephemeral"
        assert expected in reply.params["text"] and "\n" not in reply.params["text"], reply.params
    assert await slack.bot.count(Delivery) == sent, "a refused request queued a message"
    assert await slack.bot.count(EventHelper) == 1
    # A member may not name helpers: the refusal names who may.
    refused = await slack.command(BEA, f"/event helper {event_id} <@{CAL}|cal>")
    assert refused.params["text"].startswith(
        "Only the event's organiser or its president or HQ may use /event helper."
    )
