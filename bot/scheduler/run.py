"""`run_due(now)`: every feature's due work, once, as of a given moment.

Each job runs in a transaction of its own, so one that fails (a bug, or a claim
another process won) is rolled back and logged while the others commit; its work
is found again by the next tick. A preview runs the very same code and rolls every
job back, after noting what it would have posted: the deliveries the job wrote and
the posts its events would fan out to.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Executable, event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.due import DueJob, DueProbe, DueRun, Tick
from bot.formatting import plural
from bot.notifier import Notifier
from bot.reply import Reply
from storage.engine import transaction_gate
from storage.models import ChannelBinding, Delivery, Identity, UTCDateTime
from storage.uow import UnitOfWork

log = logging.getLogger("chapterhouse.scheduler")

NAME_CHUNK = 500


class HasDueJobs(Protocol):
    @property
    def due_jobs(self) -> dict[str, DueJob]: ...

    @property
    def due_probes(self) -> dict[str, DueProbe]: ...


class DueParts(Protocol):
    """What `run_due` needs of the application (`bot.app.App` has it all)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]: ...

    @property
    def registry(self) -> HasDueJobs: ...

    @property
    def notifier(self) -> Notifier: ...


@dataclass(frozen=True)
class Post:
    """One post a job queued (or, in a preview, would have queued)."""

    platform: str
    channel_id: str
    where: str
    """How people know the place: `#boston`, or `@bob` for a direct message."""
    text: str
    direct: bool = False
    not_before: datetime | None = None
    """Held until then (quiet hours in the recipient's zone)."""


@dataclass
class JobReport:
    name: str
    notes: list[str] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    error: str | None = None
    """Why the job was rolled back, in one line; its work is retried on the next tick."""
    seconds: float = 0.0
    """How long the job took, its transaction included (operators look for slow jobs)."""


@dataclass
class DueReport:
    at: datetime
    preview: bool
    jobs: list[JobReport] = field(default_factory=list)
    leftover: int = 0
    """Posts an earlier run left pending (a crash, a platform down) that this run sent."""

    @property
    def posts(self) -> list[Post]:
        return [post for job in self.jobs for post in job.posts]

    @property
    def failed(self) -> list[JobReport]:
        return [job for job in self.jobs if job.error is not None]

    @property
    def quiet(self) -> bool:
        """Nothing was due: no notes, no posts, no failures, nothing left over to send."""
        return not self.leftover and not any(
            job.notes or job.posts or job.error for job in self.jobs
        )

    def lines(self, tz: ZoneInfo) -> list[str]:
        """The report as an operator reads it: per job, what and why, then where and what."""
        verb = "would be" if self.preview else "were"
        head = f"Due work as of {_moment(self.at, tz)}"
        lines = [head + (" (preview: nothing is sent or written)" if self.preview else "")]
        for job in self.jobs:
            if not (job.notes or job.posts or job.error):
                continue
            lines.append(f"{job.name}:")
            lines.extend(f"  {note}" for note in job.notes)
            for post in job.posts:
                held = f" (held until {_moment(post.not_before, tz)})" if post.not_before else ""
                lines.append(f"  → {post.where} on {post.platform}{held}: {_first_line(post.text)}")
            if job.error is not None:
                lines.append(f"  failed, rolled back, retried on the next tick: {job.error}")
        if self.leftover:
            count = self.leftover
            lines.append(f"Sent {plural(count, 'post')} an earlier run left pending.")
        if self.quiet:
            lines.append("Nothing is due.")
        else:
            waiting = sum(1 for post in self.posts if post.not_before is not None)
            count = len(self.posts)
            summary = f"{plural(count, 'post')} {verb} queued"
            if waiting:
                summary += f", {waiting} held for quiet hours"
            if self.failed:
                summary += f"; {plural(len(self.failed), 'job')} failed"
            lines.append(summary + ".")
        return lines


def _moment(at: datetime, tz: ZoneInfo) -> str:
    local = at.astimezone(tz)
    return f"{local:%a %Y-%m-%d %H:%M} {local.tzname() or tz.key}"


def _first_line(text: str, width: int = 100) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= width else line[: width - 1] + "…"


async def run_due(parts: DueParts, now: datetime, *, preview: bool = False) -> DueReport:
    """Run every due job as of `now`; in a preview, roll each back and send nothing.

    After real runs, what the jobs committed is delivered at once (events fanned
    out, deliveries sent by the posters this process has; live posts edited).
    """
    report = DueReport(at=now, preview=preview)
    entries = {name: JobReport(name) for name in parts.registry.due_jobs}
    report.jobs.extend(entries.values())
    pending = list(parts.registry.due_jobs.items())
    touched: set[str] = set()
    work = False
    first = True
    waiting: int | None = None
    engine = parts.sessions.kw.get("bind")
    if isinstance(engine, AsyncEngine) and engine.dialect.name == "postgresql":
        # Asked before any transaction, in autocommit: a quiet minute is one statement
        # and one round trip, with no BEGIN and no ROLLBACK around it.
        idle, waiting = await _ask_outside(engine, parts, pending, now, preview)
        pending, first = [(n, j) for n, j in pending if n not in idle], False
        if pending:
            waiting = None  # the jobs may queue more: counted again once they ran
    while pending:
        again: list[tuple[str, DueJob]] = []
        async with UnitOfWork(parts.sessions, now) as uow:
            if first:
                # SQLite sends its BEGIN with this first statement: asked in the
                # transaction the jobs then use, it costs no extra trip.
                idle, waiting = await _ask(uow.session, parts, pending, now, preview)
                pending, first = [(n, j) for n, j in pending if n not in idle], False
                if pending:
                    waiting = None
            for name, job in pending:
                if await _run_one(parts, uow, name, job, entries[name]):
                    again.append((name, job))
            if not preview:
                await uow.commit()
                touched |= uow.touched
                work = work or uow.has_work
        # A preview claims nothing, so a batched job would only find the same batch.
        pending = [] if preview else again
    if preview:
        return report
    # Work an earlier run committed but never sent (it was killed mid-send, or a
    # platform was down) goes out now too, even when nothing new was due.
    if waiting is None:
        waiting = 0 if work else await parts.notifier.waiting()
    if work or waiting:
        try:
            await parts.notifier.flush(frozenset(touched))
        except Exception:
            log.exception("delivering due work failed; it stays queued for the sweep")
        if waiting:
            report.leftover = max(waiting - await parts.notifier.waiting(), 0)
    return report


@dataclass(frozen=True)
class _Probes:
    """Every probe of a set of jobs, asked as one statement built once."""

    settings: Settings
    idle: frozenset[str]
    """Jobs whose probe answers a plain no, whatever the time."""
    asked: tuple[str, ...]
    """Jobs with an SQL test, in the order of the statement's columns."""
    counts: bool
    """The statement's last column counts what earlier runs left unsent (`waiting`)."""
    statement: Executable | None
    tick: Tick


_ProbesKey = tuple[int, tuple[tuple[str, DueProbe | None], ...], tuple[Any, ...]]
_BUILT: OrderedDict[_ProbesKey, _Probes] = OrderedDict()
BUILT_KEPT = 16
"""Probe statements kept (one or two per application, in practice; tests build many)."""


def _probes(
    settings: Settings,
    probes: dict[str, DueProbe],
    names: list[str],
    notifier: Notifier | None,
) -> _Probes:
    """The statement for these jobs; with `notifier`, it also counts what is waiting.

    The count depends on which platforms this process posts to, so those are part
    of the key: a poster added later builds the statement again, once.
    """
    where = (
        (id(notifier), tuple(sorted(notifier.posters)), notifier.abandoned_after)
        if notifier is not None
        else ()
    )
    key = (id(settings), tuple((name, probes.get(name)) for name in names), where)
    found = _BUILT.get(key)
    if found is not None and found.settings is settings:
        _BUILT.move_to_end(key)
        return found
    tick = Tick()
    idle: set[str] = set()
    tests = {}
    for name in names:
        probe = probes.get(name)
        verdict = probe(tick, settings) if probe is not None else True
        if not isinstance(verdict, bool):
            tests[name] = verdict
        elif not verdict:
            idle.add(name)
    columns: list[ColumnElement[Any]] = [
        test.label(f"probe_{i}") for i, test in enumerate(tests.values())
    ]
    count = None
    if notifier is not None:
        count = _waiting_count(notifier, tick)
    if count is not None:
        columns.append(count.label("waiting"))
    statement = select(*columns) if columns else None
    built = _Probes(settings, frozenset(idle), tuple(tests), count is not None, statement, tick)
    _BUILT[key] = built
    while len(_BUILT) > BUILT_KEPT:
        _BUILT.popitem(last=False)
    return built


def _waiting_count(notifier: Notifier, tick: Tick) -> ColumnElement[int] | None:
    """`notifier.waiting()`'s count, as of the notifier's clock (as `waiting` reads it)."""
    return notifier.waiting_count(
        tick.value(lambda _at: notifier.clock.now(), UTCDateTime()),
        tick.value(lambda _at: notifier.clock.now() - notifier.abandoned_after, UTCDateTime()),
    )


async def _ask(
    session: AsyncSession | AsyncConnection,
    parts: DueParts,
    jobs: list[tuple[str, DueJob]],
    now: datetime,
    preview: bool,
) -> tuple[set[str], int | None]:
    """The jobs whose probes find nothing due, and (unless previewing) how much
    earlier runs left unsent: every SQL probe and the count asked in one statement."""
    probes = _probes(
        parts.settings,
        parts.registry.due_probes,
        [name for name, _ in jobs],
        None if preview else parts.notifier,
    )
    idle = set(probes.idle)
    waiting = None if preview else 0
    if probes.statement is not None:
        row = tuple((await session.execute(probes.statement, probes.tick.params(now))).one())
        if probes.counts:
            waiting, row = int(row[-1] or 0), row[:-1]
        idle |= {name for name, found in zip(probes.asked, row, strict=True) if not found}
    return idle, waiting


async def _ask_outside(
    engine: AsyncEngine,
    parts: DueParts,
    jobs: list[tuple[str, DueJob]],
    now: datetime,
    preview: bool,
) -> tuple[set[str], int | None]:
    """`_ask` on a connection of its own in autocommit, before any transaction.

    Nothing is lost by leaving the jobs' transaction: on PostgreSQL (read committed)
    each statement sees its own snapshot anyway, and a job re-reads what it acts on.
    The connection waits its turn at the same gate a unit of work does.
    """
    gate = transaction_gate(engine)
    if gate is not None:
        await gate.acquire()
    try:
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            return await _ask(connection, parts, jobs, now, preview)
    finally:
        if gate is not None:
            gate.release()


async def _run_one(
    parts: DueParts, uow: UnitOfWork, name: str, job: DueJob, entry: JobReport
) -> bool:
    """One job inside its own savepoint; True when it stopped at a batch limit."""
    started = time.perf_counter()
    events, queued, touched = len(uow.events), uow.queued, set(uow.touched)
    run = DueRun(uow, parts.settings)
    written = _watch_deliveries(uow.session)
    savepoint = await uow.session.begin_nested()
    try:
        await job(run)
        await uow.session.flush()
        posts = await _describe(parts.notifier, uow, written, uow.events[events:])
        await savepoint.commit()
    except Exception as error:
        await savepoint.rollback()
        del uow.events[events:]
        uow.queued = queued
        uow.touched.clear()
        uow.touched.update(touched)
        if isinstance(error, IntegrityError):
            # Another process claimed the same work first: the next tick finds it taken.
            entry.error = "another process claimed the same work at the same moment"
            log.info("due job %s lost a claim to another process; rolled back", name)
        else:
            entry.error = f"{type(error).__name__}: {_first_line(str(error), 200)}"
            log.exception("due job %s failed; rolled back, retried on the next tick", name)
        return False
    finally:
        event.remove(uow.session.sync_session, "transient_to_pending", written.append_listener)
        entry.seconds += time.perf_counter() - started
    entry.notes += run.notes
    entry.posts += posts
    return run.more


class _Written(list[Delivery]):
    """Every delivery added to a session (flushed or not) while it listens."""

    def append_listener(self, _session: Session, instance: Any) -> None:
        if isinstance(instance, Delivery):
            self.append(instance)


def _watch_deliveries(session: AsyncSession) -> _Written:
    written = _Written()
    event.listen(session.sync_session, "transient_to_pending", written.append_listener)
    return written


async def _describe(
    notifier: Notifier, uow: UnitOfWork, written: list[Delivery], events: list[Any]
) -> list[Post]:
    """The posts a job leaves: its own deliveries and what its own events will fan out to.

    `events` are the ones this job recorded, not every event in the shared transaction.
    """
    session = uow.session
    raw: list[tuple[str, str, bool, str, datetime | None]] = [
        (d.platform, d.channel_id, bool(d.direct), Reply.from_json(d.reply).text, d.not_before)
        for d in written
    ]
    for recorded in events:
        planned = await notifier.announce(session, recorded.kind, recorded.payload, uow.now)
        if planned is None:
            continue
        reply, targets, _subject = planned
        raw.extend((platform, channel, False, reply.text, None) for platform, channel in targets)
    if not raw:
        return []
    names = await _place_names(session, raw)
    return [
        Post(
            platform=platform,
            channel_id=channel,
            where=names.get((platform, channel, direct), f"@{channel}" if direct else channel),
            text=text,
            direct=direct,
            not_before=held,
        )
        for platform, channel, direct, text, held in raw
    ]


async def _place_names(
    session: AsyncSession, raw: list[tuple[str, str, bool, str, datetime | None]]
) -> dict[tuple[str, str, bool], str]:
    """Channel and member names for the report, looked up a chunk of ids at a time."""
    names: dict[tuple[str, str, bool], str] = {}
    for direct, platform, external, label in (
        (False, ChannelBinding.platform, ChannelBinding.channel_id, ChannelBinding.channel_name),
        (True, Identity.platform, Identity.external_id, Identity.display_name),
    ):
        wanted = {(p, c) for p, c, d, _, _ in raw if d is direct}
        ids = sorted({c for _, c in wanted})
        for start in range(0, len(ids), NAME_CHUNK):
            rows = await session.execute(
                select(platform, external, label).where(
                    external.in_(ids[start : start + NAME_CHUNK])
                )
            )
            for p, c, name in rows:
                if (p, c) in wanted:
                    names[(p, c, direct)] = f"@{name} (direct message)" if direct else f"#{name}"
    return names
