"""A bare Slack mention (`<@U…>`, no `|name`) of a newcomer: named from users.info at once."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Identity, Member
from tests.adapters.slack.harness import SlackHarness
from tests.adapters.slack.test_profile_fill_slack import slack_user

ALICE = "U0ALICE"  # HQ by configuration
KLAUS = "U0KLAUS"


async def name_of(slack: SlackHarness, user: str) -> str | None:
    async with slack.bot.uow() as uow:
        return await uow.session.scalar(
            select(Member.name)
            .join(Identity, Identity.member_id == Member.id)
            .where(Identity.platform == "slack", Identity.external_id == user)
        )


async def test_a_bare_mention_creates_the_member_with_their_slack_name(
    slack: SlackHarness,
) -> None:
    slack.fake.users[KLAUS] = slack_user(KLAUS, "Klaus Becker", "Europe/Berlin", "Engineer")
    reply = await slack.command(ALICE, f"/chapter president Boston <@{KLAUS}>")
    assert "is now president of Boston" in reply.params["text"], reply.params
    # Named before the reply, not by the profile fill afterwards.
    assert await name_of(slack, KLAUS) == "Klaus Becker"
    assert [c.params["user"] for c in slack.fake.of("users.info")].count(KLAUS) == 1
    # Known now: a second bare mention does not ask Slack again.
    await slack.command(ALICE, f"/member profile <@{KLAUS}>")
    assert [c.params["user"] for c in slack.fake.of("users.info")].count(KLAUS) == 1


async def test_when_slack_cannot_say_the_command_still_runs(slack: SlackHarness) -> None:
    slack.fake.fail("users.info", "user_not_found", times=5)
    reply = await slack.command(ALICE, "/role grant <@U0GHOST> moderator")
    assert "is now a moderator" in reply.params["text"], reply.params
    assert await name_of(slack, "U0GHOST") is not None
