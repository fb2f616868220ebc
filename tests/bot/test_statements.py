"""What a command costs in SQL statements: a query added back to a hot command fails here.

Counted by a listener on the engine, as the database sees them: every statement the
driver is handed, and each COMMIT; SQLite's `BEGIN IMMEDIATE` (every transaction's
first statement, read or write) is left out. The member has run a command before,
so registering them and stamping their activity are not part of the count.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from tests.support import TestBot


@contextmanager
def counted(bot: TestBot) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = bot.app.engine.sync_engine

    def on_statement(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.lstrip().upper().startswith("BEGIN"):
            seen.append(" ".join(statement.split()))

    def on_commit(_conn: Any) -> None:
        seen.append("COMMIT")

    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(engine, "commit", on_commit)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)
        event.remove(engine, "commit", on_commit)


async def statements(bot: TestBot, command: str, *, as_: str, refused: bool = False) -> list[str]:
    await bot.ok("/help", as_=as_)  # registered and active: neither is counted below
    with counted(bot) as seen:
        if refused:
            await bot.refused(command, as_=as_)
        else:
            await bot.ok(command, as_=as_)
    return seen


READS = [
    ("/help", "grace", 1),
    ("/chapter list", "grace", 2),
    ("/chapter status Boston", "grace", 2),
    ("/chapter info Boston", "grace", 2),
    ("/member profile", "grace", 2),
    ("/member data", "grace", 2),
    ("/member join Boston", "frank", 2),  # a member of London is asked first
    ("/member profile @bob", "grace", 2),  # the mention is looked up with the caller
    ("/member profile @alice", "grace", 2),
]
WRITES = [  # the COMMIT included
    ("/member nudges off", "grace", 3),
    ("/member join Boston --move", "frank", 4),
    ("/audit 20", "alice", 4),  # privileged: its own audit row is a write
    ('/chapter create Lisbon --region Europe --tz "Europe/Lisbon"', "alice", 4),
    ('/chapter meeting Boston working 2025-03-14 "Ethics of AI" --attendance 3', "bob", 4),
    ("/role grant @grace moderator", "alice", 4),  # the mention resolved gives the reply's
    ('/chapter meeting boston social 2025-03-15 "Picnic"', "bob", 4),  # the name as typed
    ('/chapter meeting Boston social 2025-03-16 "Picnic"', "alice", 4),  # HQ: no owner check
]
REFUSALS = [  # a refusal rolls back: no COMMIT
    ('/chapter create Boston --region Europe --tz "Europe/Lisbon"', "alice", 4),
    ("/role grant @dan moderator", "alice", 2),
    ('/chapter meeting Boston social 2025-03-15 "Picnic"', "grace", 2),  # not its president
]


@pytest.mark.parametrize(("command", "as_", "most"), READS + WRITES)
async def test_a_command_runs_no_more_statements_than_it_needs(
    demo: TestBot, command: str, as_: str, most: int
) -> None:
    seen = await statements(demo, command, as_=as_)
    assert len(seen) <= most, "\n".join(seen)


@pytest.mark.parametrize(("command", "as_", "most"), REFUSALS)
async def test_a_refusal_runs_no_more_statements_than_it_needs(
    demo: TestBot, command: str, as_: str, most: int
) -> None:
    seen = await statements(demo, command, as_=as_, refused=True)
    assert len(seen) <= most, "\n".join(seen)
    assert "COMMIT" not in seen


@pytest.mark.parametrize(("command", "as_", "most"), READS)
async def test_a_read_commits_nothing(demo: TestBot, command: str, as_: str, most: int) -> None:
    assert "COMMIT" not in await statements(demo, command, as_=as_)


async def test_the_audit_log_reads_the_members_it_mentions_with_its_entries(
    demo: TestBot,
) -> None:
    """Entries naming members (one since forgotten) are written without asking for them
    again: the caller, the entries with everyone they name, the log's own row, COMMIT."""
    await demo.ok("/role grant @grace moderator", as_="alice")
    await demo.ok("/role grant @erin moderator", as_="alice")
    await demo.ok("/member forget --confirm", as_="erin")
    seen = await statements(demo, "/audit 20", as_="alice")
    assert len(seen) <= 4, "\n".join(seen)
