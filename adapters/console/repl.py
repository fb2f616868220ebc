"""The interactive console: prompt with history, replies and channel posts printed."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from functools import partial
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.history import FileHistory
from prompt_toolkit.patch_stdout import patch_stdout

from adapters.console.adapter import ConsolePoster, ConsoleSession
from adapters.console.complete import RegistryCompleter
from adapters.console.forms import fill_form, form_for
from adapters.console.render import render
from bot.app import App

BANNER = (
    "Chapterhouse console. You are @{user}{where}. Type /help for commands, "
    "/as NAME to switch member, /channel NAME to move, /console for these, /quit to leave."
)


CONSOLE_HELP = """The console's own commands (every other /command is the bot's; /help lists them):
  /as NAME        be member NAME from now on, e.g. /as bob
  /channel NAME   type in channel NAME (/channel alone: no channel)
  /quit           leave (or Ctrl-D)"""


def meta(session: ConsoleSession, line: str) -> tuple[ConsoleSession, str | None] | None:
    """A console command: the session it leaves and what to print; None for the bot's."""
    word, _, rest = line.partition(" ")
    if word == "/as":
        name = rest.strip().lstrip("@")
        if not name:
            return session, "/as needs a member's name.\n" + CONSOLE_HELP
        return ConsoleSession(session.app, name, session.channel), None
    if word == "/channel":
        return ConsoleSession(session.app, session.user, rest.strip() or None), None
    if word == "/console":
        return session, CONSOLE_HELP
    return None


class BestEffortFileHistory(FileHistory):
    """History in ~/.chapterhouse_history, or only in memory when that file is unusable.

    A missing or read-only home must not cost the line just typed: prompt_toolkit
    stores history while accepting the line, so an error there would drop it.
    """

    def load_history_strings(self) -> Iterable[str]:
        try:
            return list(super().load_history_strings())
        except OSError:
            return []

    def store_string(self, string: str) -> None:
        with suppress(OSError):
            super().store_string(string)


async def run_repl(app: App, user: str, channel: str | None) -> None:
    app.notifier.add_poster(ConsolePoster(print, save_in=Path.cwd()))
    await app.notifier.flush()  # anything an earlier run committed but did not post
    session = ConsoleSession(app, user, channel)
    history = BestEffortFileHistory(str(Path.home() / ".chapterhouse_history"))
    prompt: PromptSession[str] = PromptSession(
        history=history, completer=RegistryCompleter(app), complete_while_typing=False
    )
    where = f" in #{session.channel}" if session.channel else ""
    print(BANNER.format(user=session.user, where=where))
    # A session keeps the last prompt's settings: a form's multi-line prompts must
    # not leave the command line multi-line.
    with patch_stdout():
        while True:
            label = f"@{session.user}" + (f" #{session.channel}" if session.channel else "")
            try:
                line = (await prompt.prompt_async(f"{label}> ", multiline=False)).strip()
            except (EOFError, KeyboardInterrupt):
                return
            if not line:
                continue
            if line in ("/quit", "/exit"):
                return
            handled = meta(session, line)
            if handled is not None:
                session, shown = handled
                if shown:
                    print(shown)
                continue
            spec = form_for(app.registry, line)
            if spec is not None:
                filled = await fill_form(spec, partial(prompt.prompt_async, multiline=False))
                if filled is None:
                    print("Cancelled: a required field was left empty.")
                    continue
                line = filled
            reply = await session.send(line)
            if reply.ok and reply.form is not None:
                print(render(reply, save_in=Path.cwd()))
                print("Edit each field (Esc then Enter to keep it; empty it to leave it out).")

                async def ask(label: str, draft: str) -> str:
                    return await prompt.prompt_async(f"{label}\n> ", default=draft, multiline=True)

                reply = await session.fill(reply, ask)
            print(render(reply, save_in=Path.cwd()))
