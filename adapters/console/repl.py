"""The interactive console: prompt with history, replies and channel posts printed."""

from __future__ import annotations

from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.history import FileHistory, InMemoryHistory
from prompt_toolkit.patch_stdout import patch_stdout

from adapters.console.adapter import ConsolePoster, ConsoleSession
from adapters.console.render import render
from bot.bootstrap import App

BANNER = (
    "Chapterhouse console. You are @{user}{where}. Type /help for commands, "
    "/as NAME to switch member, /channel NAME to move, /quit to leave."
)


async def run_repl(app: App, user: str, channel: str | None) -> None:
    app.notifier.add_poster(ConsolePoster(print))
    session = ConsoleSession(app, user, channel)
    try:
        history: FileHistory | InMemoryHistory = FileHistory(
            str(Path.home() / ".chapterhouse_history")
        )
    except OSError:  # pragma: no cover - read-only home
        history = InMemoryHistory()
    prompt: PromptSession[str] = PromptSession(history=history)
    where = f" in #{session.channel}" if session.channel else ""
    print(BANNER.format(user=session.user, where=where))
    with patch_stdout():
        while True:
            label = f"@{session.user}" + (f" #{session.channel}" if session.channel else "")
            try:
                line = (await prompt.prompt_async(f"{label}> ")).strip()
            except (EOFError, KeyboardInterrupt):
                return
            if not line:
                continue
            if line in ("/quit", "/exit"):
                return
            word, _, rest = line.partition(" ")
            if word == "/as" and rest.strip():
                session = ConsoleSession(app, rest.strip().lstrip("@"), session.channel)
                continue
            if word == "/channel":
                session = ConsoleSession(app, session.user, rest.strip() or None)
                continue
            reply = await session.send(line)
            print(render(reply))
