"""The console: the core's third platform, for operators, demos and tests.

It is a thin translator like the others: typed text → `Request`, `Reply` → text.
Channel posts from the notifier are printed with the channel's name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

from adapters.console.render import render
from bot.app import App
from bot.context import Place, Request
from bot.reply import Reply

PLATFORM = "console"
Ask = Callable[[str, str], Awaitable[str]]
"""Shows a form field's label and draft; returns what the person kept."""


class ConsolePoster:
    """Posts to console channels by writing them out, and remembers them for tests.

    Direct messages are recorded under `@name`. The console cannot change what it
    already printed, so an edit of a live post (a poll's count) is only remembered.
    Binary files in posts are saved in `save_in`, when given.
    """

    platform = PLATFORM

    def __init__(
        self, write: Callable[[str], None] | None = None, *, save_in: Path | None = None
    ) -> None:
        self.write = write
        self.save_in = save_in
        self.posts: list[tuple[str, str]] = []
        self.edits: dict[str, str] = {}
        """The latest text of each edited message, by message id."""

    async def post(self, channel_id: str, reply: Reply) -> str:
        text = render(reply, save_in=self.save_in)
        self.posts.append((channel_id, text))
        if self.write is not None:
            self.write(f"[#{channel_id}] {text}")
        return f"{channel_id}/{len(self.posts)}"

    async def direct(self, user_id: str, reply: Reply) -> str:
        text = render(reply, save_in=self.save_in)
        self.posts.append((f"@{user_id}", text))
        if self.write is not None:
            self.write(f"[direct message to @{user_id}] {text}")
        return f"@{user_id}/{len(self.posts)}"

    async def edit(self, channel_id: str, message_id: str, reply: Reply) -> None:
        self.edits[message_id] = render(reply)


class ConsoleSession:
    """One person typing in one console channel."""

    def __init__(self, app: App, user: str, channel: str | None = None) -> None:
        self.app = app
        self.user = user.lower()
        self.channel = (channel or "").lstrip("#").lower()

    def request(self, text: str) -> Request:
        place = Place(PLATFORM, self.channel, self.channel)
        return Request(PLATFORM, self.user, self.user, place, text=text)

    async def send(self, text: str) -> Reply:
        return await self.app.dispatcher.handle(self.request(text))

    async def say(self, text: str) -> str:
        return render(await self.send(text))

    async def fill(self, reply: Reply, ask: Ask) -> Reply:
        """Complete the pre-filled form a reply carries, one prompt per field, and run it.

        `ask(label, draft)` shows the field's draft for editing and returns the text
        kept; a reply without a form comes back unchanged.
        """
        form = reply.form
        if not reply.ok or form is None:
            return reply
        filled = {field.name: await ask(field.label, field.default) for field in form.fields}
        request = replace(self.request(""), text=None, path=form.path, values=form.values(filled))
        return await self.app.dispatcher.handle(request)
