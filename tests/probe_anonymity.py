"""An attacker with a copy of a PostgreSQL database and no ballot key, after an anonymous poll.

Used by the anonymity test and by `bench/multi_instance.py`. It tries every channel
the database itself offers: rows written in a ballot's transaction (`xmin`) in any
table, the ballots' physical order (`ctid`) and write order (`xmin`) against any
column that orders the voters, and every column of the ballot table. It returns the
voters it pairs with their own ballot.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, select, text

from adapters.console.adapter import ConsoleSession
from bot.app import App
from bot.clock import FrozenClock
from bot.context import Place, Request
from chapterhouse.bootstrap import bootstrap
from commands.demo import seed_demo
from storage.models import Base, Member, Poll
from storage.uow import UnitOfWork
from tests.support import START, make_settings

NEAR = 3
"""Transactions either side of a ballot's that the attacker also looks at."""
VOTERS = ("grace", "erin", "bob", "frank", "carol")
"""The demo's members, in the order they vote: not the order they were registered in,
so only something written at vote time could pair ballots with voters."""


@dataclass
class Probe:
    recovered: set[int]
    """Voters whose ballot the attacker found."""
    voters: int
    channels: dict[str, int]
    """Voters recovered by each channel tried."""


async def run_probe(url: str) -> Probe:
    """Run the demo society on `url` as a server would, hold an anonymous poll, attack it."""
    clock = FrozenClock(START)
    # A server's configuration: live edits and activity stamps are batched.
    app = await bootstrap(make_settings(url), clock=clock, migrate=False, live_interval=1.0)
    try:
        return await _run(app, clock)
    finally:
        await app.close()


async def _console(app: App, who: str, command: str) -> None:
    reply = await ConsoleSession(app, who, None).send(command)
    assert reply.ok, f"{command!r} as {who}: {reply.text}"


async def _run(app: App, clock: FrozenClock) -> Probe:
    async with UnitOfWork(app.sessions, clock.now()) as uow:
        await seed_demo(uow.session, uow.now)
        await uow.commit()
    options = " ".join(f'"Option {n}"' for n in range(1, len(VOTERS) + 1))
    await _console(
        app,
        "alice",
        f'/poll create "Who leads next year?" {options} --anonymous --audience society',
    )
    async with UnitOfWork(app.sessions, clock.now()) as uow:
        poll_id = int(await uow.session.scalar(select(Poll.id).order_by(Poll.id.desc())) or 0)
    clock.advance(timedelta(hours=1))  # every member is due a new "last active" stamp
    truth: dict[int, int] = {}  # option → the member who chose it
    async with UnitOfWork(app.sessions, clock.now()) as uow:
        for option, who in enumerate(VOTERS, 1):
            member = await uow.session.scalar(
                select(Member.id).where(Member.name.ilike(f"{who} %"))
            )
            assert member is not None
            truth[option] = member
    async with app.engine.connect() as connection:
        before = await voter_columns(connection, set(truth.values()))
        opened = int(
            await connection.scalar(
                text("SELECT xmin::text::bigint FROM polls WHERE id = :poll"), {"poll": poll_id}
            )
        )
    for option, who in enumerate(VOTERS, 1):
        clock.advance(timedelta(minutes=3))
        if who == VOTERS[-1]:  # the last voter's platform reports a new display name
            request = Request("console", who, "Carol the Treasurer", Place("console", "", ""))
            reply = await app.dispatcher.handle(
                replace(request, text=f"/poll vote {poll_id} {option}")
            )
            assert reply.ok, reply.text
            continue
        await _console(app, who, f"/poll vote {poll_id} {option}")
    await app.dispatcher.activity.flush()  # what the server does a minute later
    async with app.engine.connect() as connection:
        return Probe(*await _attack(connection, poll_id, truth, before, opened))


def _member_columns(table: Table) -> list[str]:
    """Columns of a table that name a member: its own id for `members`, or a key to it."""
    if table.name == "members":
        return ["id"]
    return [
        column.name
        for column in table.columns
        if any(fk.column.table.name == "members" for fk in column.foreign_keys)
    ]


Columns = dict[str, dict[int, Any]]
"""`table.column` → each voter's value there (xmin included)."""


async def voter_columns(connection: Any, voters: set[int]) -> Columns:
    """Every column of every row that names one of `voters`, with the row's xmin."""
    found: Columns = {}
    for table in Base.metadata.sorted_tables:
        columns = _member_columns(table)
        if table.name == "poll_ballots" or not columns:
            continue
        key = columns[0]
        rows = (
            (
                await connection.execute(
                    text(
                        f"SELECT xmin::text::bigint AS xmin, * FROM {table.name} "
                        f"WHERE {key} = ANY(:voters)"
                    ),
                    {"voters": sorted(voters)},
                )
            )
            .mappings()
            .all()
        )
        for row in rows:
            for column, value in row.items():
                found.setdefault(f"{table.name}.{column}", {})[row[key]] = value
    return found


async def _attack(
    connection: Any, poll_id: int, truth: dict[int, int], before: Columns, opened: int
) -> tuple[set[int], int, dict[str, int]]:
    """`opened`: the poll row's transaction id; rows written before it (the society as
    it stood) cannot tell anything about the votes, so only later ones are looked at."""
    voters = set(truth.values())
    ballots = (
        (
            await connection.execute(
                text(
                    "SELECT xmin::text::bigint AS xid, ctid::text AS ctid, * FROM poll_ballots "
                    "WHERE poll_id = :poll"
                ),
                {"poll": poll_id},
            )
        )
        .mappings()
        .all()
    )
    owner = {ballot["voter_key"]: truth[_choices(ballot["choices"])[0]] for ballot in ballots}
    channels: dict[str, set[int]] = {}

    # 1. Any row of any table written in a ballot's transaction, or in the ones just
    #    before and after it (transaction ids are handed out in order), that names
    #    exactly one voter: that voter's own.
    for table in Base.metadata.sorted_tables:
        columns = _member_columns(table)
        if table.name == "poll_ballots" or not columns:
            continue
        for ballot in ballots:
            for distance in range(-NEAR, NEAR + 1):
                if ballot["xid"] + distance <= opened:
                    continue
                rows = await connection.execute(
                    text(
                        f"SELECT {', '.join(columns)} FROM {table.name} "
                        "WHERE xmin::text::bigint = :xid"
                    ),
                    {"xid": ballot["xid"] + distance},
                )
                named = {value for row in rows for value in row if value in voters}
                if named == {owner[ballot["voter_key"]]}:
                    label = "xmin join" if distance == 0 else "xmin next to"
                    channels.setdefault(f"{label} {table.name}", set()).update(named)

    # 2. Ballot order (where they lie, when they were written) against any column
    #    written while the votes came in that tells the voters apart and orders them.
    orders = {
        "ctid": sorted(ballots, key=lambda b: _ctid(b["ctid"])),
        "xmin": sorted(ballots, key=lambda b: b["xid"]),
    }
    after = await voter_columns(connection, voters)
    for label, keyed in after.items():
        if keyed == before.get(label) or set(keyed) != voters or None in keyed.values():
            continue  # unchanged since the poll opened: it cannot know the votes' order
        if len({repr(v) for v in keyed.values()}) < len(voters):
            continue  # ties: the column does not order the voters
        if not all(isinstance(v, int | float | datetime) for v in keyed.values()):
            continue  # a name or a flag carries no order of arrival
        try:
            ranked = sorted(keyed, key=lambda m: keyed[m])
        except TypeError:
            continue
        for name, ordered in orders.items():
            hits = {
                m
                for m, ballot in zip(ranked, ordered, strict=True)
                if owner[ballot["voter_key"]] == m
            }
            if hits:
                channels.setdefault(f"{name} order ~ {label}", set()).update(hits)

    # 3. Every column of the ballot table: nothing in it may name or date a voter.
    for ballot in ballots:
        for column, value in ballot.items():
            if column in ("xid", "ctid", "poll_id", "choices") or value is None:
                continue
            if column == "voter_id" or column == "cast_at":
                channels.setdefault(f"poll_ballots.{column}", set()).add(owner[ballot["voter_key"]])
            elif column == "voter_key" and _guessable(str(value), poll_id, voters):
                channels.setdefault("poll_ballots.voter_key", set()).add(owner[ballot["voter_key"]])
    recovered = set().union(*channels.values()) if channels else set()
    return recovered, len(voters), {name: len(found) for name, found in channels.items()}


def _choices(value: Any) -> list[int]:
    return list(json.loads(value) if isinstance(value, str) else value)


def _ctid(value: str) -> tuple[int, int]:
    page, item = re.fullmatch(r"\((\d+),(\d+)\)", value).groups()  # type: ignore[union-attr]
    return int(page), int(item)


def _guessable(key: str, poll_id: int, voters: Sequence[int] | set[int]) -> bool:
    """A key an attacker could compute without the secret (a plain hash of poll and member)."""
    for member in voters:
        for message in (f"poll:{poll_id}:member:{member}", f"{poll_id}:{member}"):
            if hashlib.sha256(message.encode()).hexdigest() == key:
                return True
        if str(member) in (key, key.split(":")[-1]):
            return True
    return False
