"""The console's own commands and how it shows the bot's markup."""

from __future__ import annotations

from adapters.console.adapter import ConsoleSession
from adapters.console.repl import CONSOLE_HELP, meta
from tests.support import TestBot


async def test_help_shows_no_markup_characters(demo: TestBot) -> None:
    text = await demo.ok("/help")
    assert "_(HQ)_" not in text and "(HQ)" in text
    assert "/chapter create NAME" in await demo.ok("/help chapter")
    assert "_(" not in await demo.ok("/help chapter")


async def test_as_without_a_name_shows_the_consoles_help(demo: TestBot) -> None:
    session = ConsoleSession(demo.app, "alice")
    same, shown = meta(session, "/as") or (None, None)
    assert same is session
    assert shown == "/as needs a member's name.\n" + CONSOLE_HELP
    switched, nothing = meta(session, "/as @bob") or (None, "")
    assert switched is not None and switched.user == "bob" and nothing is None
    assert meta(session, "/console") == (session, CONSOLE_HELP)
    assert meta(session, "/help") is None  # the bot's


async def test_the_console_keeps_underscores_in_names(demo: TestBot) -> None:
    from adapters.console.render import plain

    assert plain("ask @klaus_meyer about snake_case") == "ask @klaus_meyer about snake_case"
    assert plain("*Recent* _meetings_") == "Recent meetings"
