"""/digest through Slack: a signed slash command in, the digest as Block Kit out."""

from __future__ import annotations

from tests.adapters.slack.harness import SlackHarness

ALICE = "U0ALICE"  # HQ by configuration
BEA = "U0BEA"
BOSTON = "C0BOSTON"


async def test_digest_in_a_chapter_channel_is_that_chapter_s(slack: SlackHarness) -> None:
    bound = await slack.command(ALICE, "/chapter bind Boston", channel=BOSTON)
    assert "now receives" in bound.params["text"], bound.params
    await slack.command(BEA, "/member join London", user_name="bea")
    reply = await slack.command(BEA, "/digest", channel=BOSTON, channel_name="boston")
    assert reply.params["response_type"] == "ephemeral"
    assert reply.params["text"].startswith("Boston weekly digest: ")
    shown = reply.block_text()
    assert "Boston · weekly digest" in shown
    assert "Which goal should the society push first this quarter?" in shown
    assert "closes Sat 20 Jun 12:00 EDT" in shown  # Boston's time zone
    assert "*Mentoring* — open to join · lead Grace Member" in shown  # no Slack account: her name
    # Outside a chapter channel, Bea's own chapter.
    own = await slack.command(BEA, "/digest")
    assert own.params["text"].startswith("London weekly digest: ")
    assert "closes Sat 20 Jun 17:00 BST" in own.block_text()


async def test_digest_of_no_chapter_is_one_line(slack: SlackHarness) -> None:
    reply = await slack.command(BEA, "/digest")
    assert reply.params["response_type"] == "ephemeral"
    assert reply.params["text"].startswith("Name a chapter, e.g. /digest Boston")
    assert "\n" not in reply.params["text"]
