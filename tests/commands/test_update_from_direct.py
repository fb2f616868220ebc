"""An update answered where the prompt arrived, a direct message, goes to the group's
channels only: the lead gets a short confirmation naming them, not the card.

grace leads Mentoring (console channel `mentoring` once bound), bob presides Boston
(channel `boston`). June's prompts go out at 13:00 UTC on Wednesday 1 July 2026.
"""

from __future__ import annotations

from adapters.console.adapter import ConsoleSession
from adapters.console.render import render
from bot.context import Place, Request
from bot.reply import Reply
from storage.models import StatusUpdate
from tests.commands.test_due_jobs import tick, utc
from tests.support import TestBot

DUE = utc(2026, 7, 1, 13, 0)
CARD = "Mentoring — update for June 2026"


async def from_direct(bot: TestBot, who: str, command: str) -> Reply:
    """`command` typed in `who`'s direct message with the bot (a channel of its own, as
    Slack's D… and Discord's DM channels are)."""
    place = Place("console", f"dm-{who}", "directmessage", is_direct=True)
    return await bot.app.dispatcher.handle(Request("console", who, who, place, text=command))


def sent_to(bot: TestBot, where: str, text: str) -> list[str]:
    return [body for channel, body in bot.posts if channel == where and text in body]


async def test_the_console_form_answered_after_the_prompt_posts_to_the_bound_channel_only(
    demo: TestBot,
) -> None:
    await demo.ok("/workgroup bind Mentoring", as_="grace", channel="mentoring")
    await tick(demo.app, DUE)
    (prompt,) = sent_to(demo, "@grace", "Mentoring's update for June 2026 is due.")
    assert "[Write the update: /update post Mentoring]" in prompt
    session = ConsoleSession(demo.app, "grace")  # the console: no channel, grace alone
    form = await session.send("/update post Mentoring")

    async def answer(label: str, draft: str) -> str:
        return "Matched 4 mentors" if label.startswith("Got") else ""

    posted = await session.fill(form, answer)
    assert posted.ok, posted.text
    shown = render(posted)
    assert (
        "Your update for Mentoring, June 2026, is posted to 1 channel: #mentoring (console)."
        in shown
    )
    assert CARD not in shown and "Matched 4 mentors" not in shown
    (card,) = sent_to(demo, "mentoring", CARD)
    assert "Matched 4 mentors" in card
    assert [c for c, body in demo.posts if CARD in body] == ["mentoring"]
    assert sent_to(demo, "@grace", "Mentoring") == [prompt]


async def test_a_workgroup_update_typed_in_a_direct_message_skips_the_dm(demo: TestBot) -> None:
    await demo.ok("/workgroup bind Mentoring", as_="grace", channel="mentoring")
    await demo.ok("/workgroup bind Mentoring", as_="grace", channel="mentors-west")
    demo.clock.set(DUE)
    reply = await from_direct(demo, "grace", '/update post Mentoring --got "Matched 4 mentors"')
    assert reply.ok, reply.text
    assert reply.text == (
        "Your update for Mentoring, June 2026, is posted to 2 channels: #mentoring (console), "
        "#mentors-west (console)."
    )
    assert CARD not in reply.all_text()
    assert sorted(c for c, body in demo.posts if CARD in body) == ["mentoring", "mentors-west"]
    assert sent_to(demo, "dm-grace", "") == []


async def test_a_chapter_skip_from_a_direct_message_goes_to_the_chapter_channel(
    demo: TestBot,
) -> None:
    demo.clock.set(DUE)
    reply = await from_direct(demo, "bob", '/update skip Boston --reason "Summer break"')
    assert reply.text == (
        "Your skip for Boston, June 2026, is posted to 1 channel: #boston (console)."
    )
    (card,) = sent_to(demo, "boston", "Boston — update for June 2026")
    assert "Skipped: Summer break" in card
    assert sent_to(demo, "dm-bob", "") == []


async def test_without_a_bound_channel_the_dm_says_how_to_bind_one(demo: TestBot) -> None:
    demo.clock.set(DUE)
    reply = await from_direct(demo, "grace", '/update post Mentoring --got "Matched 4 mentors"')
    assert reply.text == (
        "Your update for Mentoring, June 2026, is posted, but no channel is bound to "
        "Mentoring, so it shows only in /update list; type /workgroup bind Mentoring in the "
        "channel that should get its updates."
    )
    assert [c for c, body in demo.posts if CARD in body] == []
    assert await demo.count(StatusUpdate) == 1
    listed = await demo.ok("/update list Mentoring")
    assert "Matched 4 mentors" in listed
