"""On Slack, appointing someone who never used the bot: the mention creates the member."""

from __future__ import annotations

import json

from sqlalchemy import select

from storage.models import Chapter, Identity, Meeting, Member, RoleGrant
from tests.adapters.slack.harness import SlackHarness, button

ALICE = "U0ALICE"  # HQ by configuration


async def test_a_mention_of_a_newcomer_creates_them_named_from_slack(slack: SlackHarness) -> None:
    made = await slack.command(
        ALICE, '/chapter create Berlin --region Europe --tz "Europe/Berlin"', user_name="alice"
    )
    assert "Created chapter Berlin" in made.params["text"], made.params
    reply = await slack.command(ALICE, "/chapter president Berlin <@U0NEW|klaus>")
    assert "is now president of Berlin" in reply.params["text"], reply.params
    assert "<@U0NEW>" in reply.params["text"]
    async with slack.bot.uow() as uow:
        member = await uow.session.scalar(
            select(Member)
            .join(Identity, Identity.member_id == Member.id)
            .where(Identity.platform == "slack", Identity.external_id == "U0NEW")
        )
        assert member is not None and member.name == "klaus"
        berlin = await uow.session.scalar(select(Chapter).where(Chapter.name == "Berlin"))
        assert berlin is not None and berlin.president_id == member.id
        assert berlin.id == member.chapter_id

    granted = await slack.command(ALICE, "/role grant <@U0MOD|mo> moderator")
    assert "is now a moderator" in granted.params["text"], granted.params
    async with slack.bot.uow() as uow:
        moderator = await uow.session.scalar(
            select(Member.name)
            .join(Identity, Identity.member_id == Member.id)
            .join(RoleGrant, RoleGrant.member_id == Member.id)
            .where(Identity.external_id == "U0MOD")
        )
    assert moderator == "mo"


async def test_a_president_corrects_a_meeting_from_slack(slack: SlackHarness) -> None:
    logged = await slack.command(ALICE, '/chapter meeting Boston social 2026-06-01 "Picnc"')
    assert "It counts toward 2026" in logged.params["text"], logged.params
    async with slack.bot.uow() as uow:
        meeting = await uow.session.scalar(select(Meeting.id).where(Meeting.topic == "Picnc"))
    fixed = await slack.command(ALICE, f'/chapter meeting edit {meeting} --topic "Picnic"')
    assert f"Corrected Boston's meeting #{meeting}" in fixed.params["text"], fixed.params
    info = await slack.command(ALICE, "/chapter info Boston")
    assert f"#{meeting} 2026-06-01 social: Picnic" in json.dumps(info.params)


async def test_a_workgroup_poll_goes_to_the_workgroups_slack_channel(slack: SlackHarness) -> None:
    bound = await slack.command(ALICE, "/workgroup bind Mentoring", channel="C0MENTOR")
    assert "now receives Mentoring's polls" in bound.params["text"], bound.params
    made = await slack.command(
        ALICE, '/poll create "Meet monthly?" "Yes" "No" --audience workgroup:Mentoring'
    )
    assert "Posted to 1 channel" in json.dumps(made.params), made.params
    posted = await slack.posted_to("C0MENTOR")
    assert "Meet monthly?" in json.dumps(posted.params)


async def test_joining_another_chapter_asks_first_with_a_button(slack: SlackHarness) -> None:
    await slack.command("U0BEA", "/member join Boston", user_name="bea")
    asked = await slack.command("U0BEA", "/member join London")
    assert "You are a member of Boston. Leave it for London?" in asked.params["text"]
    move = button(asked, "Move to London")
    moved = await slack.click("U0BEA", move, channel="C0GENERAL", message_ts="1.000")
    assert "Welcome to London!" in json.dumps(moved.params), moved.params
    async with slack.bot.uow() as uow:
        chapter = await uow.session.scalar(
            select(Chapter.name)
            .join(Member, Member.chapter_id == Chapter.id)
            .join(Identity, Identity.member_id == Member.id)
            .where(Identity.external_id == "U0BEA")
        )
    assert chapter == "London"
