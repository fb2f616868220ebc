"""Two instances on one database: each live card has one edit stream, and the last
state is drawn whichever instance saw the last change."""

from __future__ import annotations

import asyncio

from adapters.console.render import render
from bot.live import LiveMessages
from bot.reply import Reply
from tests.support import TestBot, start_bot


class Editor:
    """Records edits; while `hold` is set, an edit waits inside the platform call."""

    def __init__(self) -> None:
        self.edits: list[tuple[str, str]] = []
        self.inside = asyncio.Event()
        self.go = asyncio.Event()
        self.go.set()

    async def edit(self, channel_id: str, message_id: str, reply: Reply) -> None:
        self.inside.set()
        await self.go.wait()
        self.edits.append((message_id, render(reply)))

    def latest(self) -> dict[str, str]:
        """Each copy's last drawing, by message id."""
        return dict(self.edits)


def live(bot: TestBot, editor: Editor) -> LiveMessages:
    app = bot.app
    return LiveMessages(app.sessions, bot.clock, app.registry.live, {"console": editor}, 0.05)


async def test_one_edit_stream_per_card_across_instances(demo: TestBot, database_url: str) -> None:
    await demo.ok('/poll create "City?" "Lisbon" "Osaka" --audience society', as_="dan")
    async for other in start_bot(database_url):  # a second process on the same database
        first_editor, second_editor = Editor(), Editor()
        first, second = live(demo, first_editor), live(other, second_editor)
        first_editor.go.clear()  # the first instance's edit will be slow
        await demo.ok("/poll vote 2 1", as_="grace")
        await first.changed(["poll:2"])
        await asyncio.wait_for(first_editor.inside.wait(), 10)
        # While the first is editing the card, votes land on the second instance.
        await other.ok("/poll vote 2 1", as_="bob")
        await second.changed(["poll:2"])
        await other.ok("/poll vote 2 2", as_="carol")
        await second.changed(["poll:2"])
        await second.drain()
        assert second_editor.edits == []  # no second stream for the same card
        first_editor.go.set()
        await first.drain()
        # The holder saw the newer version before letting go and drew it.
        drawings = first_editor.latest()
        assert len(drawings) == 3  # every copy
        assert all("3 of 7 eligible voted" in text for text in drawings.values())

        # Once the first let go, the next change is drawn by the instance that saw it.
        await other.ok("/poll vote 2 2", as_="erin")
        await second.changed(["poll:2"])
        await second.drain()
        assert len(second_editor.edits) == 3
        assert all("4 of 7 eligible voted" in t for t in second_editor.latest().values())
