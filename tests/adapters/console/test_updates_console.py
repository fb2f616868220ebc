"""Status updates on the console: `/update post GROUP` prompts for each field, starting
from the draft, and posts what the president kept."""

from __future__ import annotations

from adapters.console.adapter import ConsoleSession
from adapters.console.render import render
from storage.models import StatusUpdate
from tests.support import TestBot


async def test_the_console_prompts_each_field_from_the_draft(demo: TestBot) -> None:
    meeting = '/chapter meeting Boston working 2026-05-20 "Ethics debate" --attendance 14'
    await demo.ok(meeting, as_="bob")
    session = ConsoleSession(demo.app, "bob")
    reply = await session.send("/update post Boston")
    shown = render(reply)
    assert "Draft update: Boston, May 2026" in shown  # what a console without prompts sees
    asked: list[tuple[str, str]] = []

    async def answer(label: str, draft: str) -> str:
        asked.append((label, draft))
        return {"Got": draft + "\n• Thanks to our hosts", "Next": ""}.get(
            label.split(":")[0], draft
        )

    posted = await session.fill(reply, answer)
    assert posted.ok, posted.text
    assert [label.split(":")[0] for label, _ in asked] == ["Asked", "Got", "Next"]
    assert "20 May working “Ethics debate” (14)" in asked[1][1]
    assert "Your update for Boston, May 2026, is posted to 1 channel: #boston (console)." in render(
        posted
    )
    (card,) = [text for channel, text in demo.posts if channel == "boston"]
    assert "Thanks to our hosts" in card and "Ethics debate" in card
    async with demo.uow() as uow:
        update = await uow.session.get(StatusUpdate, 1)
    assert update is not None and update.next_steps == ""


async def test_a_console_form_left_empty_is_refused(demo: TestBot) -> None:
    session = ConsoleSession(demo.app, "bob")
    reply = await session.send("/update post Boston")

    async def blank(label: str, draft: str) -> str:
        return ""

    refused = await session.fill(reply, blank)
    assert refused.text == "The update is empty: write at least one of --asked, --got or --next."
    assert await demo.count(StatusUpdate) == 0
