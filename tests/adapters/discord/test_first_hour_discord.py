"""On Discord, appointing someone who never used the bot: the member option creates them."""

from __future__ import annotations

import json

from sqlalchemy import select

from storage.models import Chapter, Identity, Meeting, Member
from tests.adapters.discord.harness import DORA, GENERAL_ID, DiscordHarness

NEWCOMER = 1_300_000_000_000_009_001


async def test_a_member_option_for_a_newcomer_creates_them_named_from_discord(
    discord_app: DiscordHarness,
) -> None:
    made = await discord_app.reply(
        DORA, "/chapter create", {"name": "Berlin", "region": "Europe", "tz": "Europe/Berlin"}
    )
    assert "Created chapter Berlin" in json.dumps(made.json), made.json
    user = discord_app.fake.user(NEWCOMER)
    appointed = await discord_app.reply(
        DORA,
        "/chapter president",
        [
            {"type": 3, "name": "chapter", "value": "Berlin"},
            {"type": 6, "name": "member", "value": str(NEWCOMER)},
        ],
        resolved={"users": {str(NEWCOMER): user}},
    )
    assert f"<@{NEWCOMER}> is now president of Berlin" in json.dumps(appointed.json)
    async with discord_app.bot.uow() as uow:
        member = await uow.session.scalar(
            select(Member)
            .join(Identity, Identity.member_id == Member.id)
            .where(Identity.platform == "discord", Identity.external_id == str(NEWCOMER))
        )
        assert member is not None
        assert member.name == (user.get("global_name") or user["username"])
        berlin = await uow.session.scalar(select(Chapter).where(Chapter.name == "Berlin"))
        assert berlin is not None and berlin.president_id == member.id


async def test_a_meeting_deleted_from_discord(discord_app: DiscordHarness) -> None:
    async with discord_app.bot.uow() as uow:
        meeting = await uow.session.scalar(select(Meeting.id).order_by(Meeting.id).limit(1))
    deleted = await discord_app.reply(DORA, "/chapter meeting-delete", {"meeting": meeting})
    assert f"meeting #{meeting} of" in json.dumps(deleted.json), deleted.json
    assert await discord_app.bot.count(Meeting, Meeting.id == meeting) == 0


async def test_a_workgroup_poll_goes_to_the_workgroups_discord_channel(
    discord_app: DiscordHarness,
) -> None:
    bound = await discord_app.reply(
        DORA, "/workgroup bind", {"name": "Mentoring"}, channel=GENERAL_ID
    )
    assert "now receives Mentoring's polls" in json.dumps(bound.json), bound.json
    before = len(discord_app.fake.calls_to("POST", rf"/channels/{GENERAL_ID}/messages"))
    made = await discord_app.reply(
        DORA,
        "/poll create",
        {"question": "Meet monthly?", "options": '"Yes" "No"', "audience": "workgroup:Mentoring"},
    )
    assert "Posted to 1 channel" in json.dumps(made.json), made.json
    posted = await discord_app.fake.wait_for_call(
        "POST", rf"/channels/{GENERAL_ID}/messages", count=before + 1
    )
    assert "Meet monthly?" in json.dumps(posted.json)
