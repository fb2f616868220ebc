"""Profiles filled from Slack's users.info through the real Bolt client and the fake Web API."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.models import Identity, Member, MemberProfile
from tests.adapters.slack.harness import SlackHarness

BEA = "U0BEA"
CARL = "U0CARL"


def slack_user(user_id: str, real_name: str, tz: str, title: str) -> dict[str, object]:
    """Slack's documented `users.info` user object (the fields Chapterhouse reads)."""
    return {
        "id": user_id,
        "team_id": "T0SOCIETY",
        "name": user_id.lower(),
        "deleted": False,
        "real_name": real_name,
        "tz": tz,
        "tz_label": "Western European Summer Time",
        "tz_offset": 3600,
        "profile": {"title": title, "real_name": real_name, "display_name": user_id.lower()},
        "is_bot": False,
    }


async def profile_of(slack: SlackHarness, user: str) -> tuple[Member, MemberProfile | None]:
    async with slack.bot.uow() as uow:
        member = await uow.session.scalar(
            select(Member)
            .join(Identity, Identity.member_id == Member.id)
            .where(Identity.platform == "slack", Identity.external_id == user)
        )
        assert member is not None
        return member, await uow.session.get(MemberProfile, member.id)


async def test_first_command_fills_name_zone_and_title(slack: SlackHarness) -> None:
    slack.fake.users[BEA] = slack_user(BEA, "Bea Example", "Europe/Lisbon", "Archivist")
    await slack.command(BEA, "/member profile")
    await slack.bot.app.profiles.settle()  # type: ignore[union-attr]
    member, profile = await profile_of(slack, BEA)
    assert member.name == "Bea Example" and member.timezone == "Europe/Lisbon"
    assert profile is not None and profile.title == "Archivist"
    assert [c.params["user"] for c in slack.fake.of("users.info")] == [BEA]
    # At most daily: another command the same day does not ask Slack again.
    await slack.command(BEA, "/member data")
    await slack.bot.app.profiles.settle()  # type: ignore[union-attr]
    assert len(slack.fake.of("users.info")) == 1


async def test_own_edits_are_never_overwritten(slack: SlackHarness) -> None:
    slack.fake.users[CARL] = slack_user(CARL, "Carl Slack", "Europe/Lisbon", "Slack Title")
    await slack.command(CARL, '/member edit --timezone Asia/Tokyo --title "My Title"')
    await slack.bot.app.profiles.settle()  # type: ignore[union-attr]
    member, profile = await profile_of(slack, CARL)
    assert member.timezone == "Asia/Tokyo" and profile is not None and profile.title == "My Title"
    assert member.name == "Carl Slack"  # the name was not his own choice: filled


async def test_a_failing_users_info_leaves_the_command_working_and_is_retried(
    slack: SlackHarness,
) -> None:
    slack.fake.users[BEA] = slack_user(BEA, "Bea Example", "Europe/Lisbon", "Archivist")
    slack.fake.fail("users.info", "ratelimited")
    reply = await slack.command(BEA, "/chapter list")
    assert "Boston" in str(reply.params) or reply.params.get("text")
    await slack.bot.app.profiles.settle()  # type: ignore[union-attr]
    member, _ = await profile_of(slack, BEA)
    assert member.timezone is None
    await slack.command(BEA, "/chapter list")  # too soon to ask again
    await slack.bot.app.profiles.settle()  # type: ignore[union-attr]
    assert len(slack.fake.of("users.info")) == 1
    slack.bot.clock.advance(timedelta(hours=2))
    await slack.command(BEA, "/chapter list")
    await slack.bot.app.profiles.settle()  # type: ignore[union-attr]
    member, _ = await profile_of(slack, BEA)
    assert member.timezone == "Europe/Lisbon" and len(slack.fake.of("users.info")) == 2


async def test_users_info_answering_429_leaves_the_command_working_and_is_retried(
    slack: SlackHarness,
) -> None:
    slack.fake.users[BEA] = slack_user(BEA, "Bea Example", "Europe/Lisbon", "Archivist")
    # HTTP 429 with Retry-After, more times than the client retries on its own.
    slack.fake.rate_limit("users.info", retry_after=0, times=4)
    reply = await slack.command(BEA, "/chapter list")
    assert "Boston" in str(reply.params), reply.params
    await slack.bot.app.profiles.settle()  # type: ignore[union-attr]
    member, _ = await profile_of(slack, BEA)
    assert member.timezone is None
    asked = len(slack.fake.of("users.info"))
    assert asked == 4  # the first call and the client's three retries, all refused
    await slack.command(BEA, "/chapter list")  # too soon to ask again
    await slack.bot.app.profiles.settle()  # type: ignore[union-attr]
    assert len(slack.fake.of("users.info")) == asked
    slack.bot.clock.advance(timedelta(hours=2))
    await slack.command(BEA, "/chapter list")
    await slack.bot.app.profiles.settle()  # type: ignore[union-attr]
    member, profile = await profile_of(slack, BEA)
    assert member.timezone == "Europe/Lisbon" and member.name == "Bea Example"
    assert profile is not None and profile.title == "Archivist"
