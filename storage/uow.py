"""The unit of work: one transaction per command, and the events it raised.

Handlers add rows and record events; only the dispatcher commits. Events are
written to the outbox inside the same transaction, so a rollback takes them too.
A handler whose answer depends on what happens after commit (an announcement's
delivery report) leaves a follow-up with `then`; the dispatcher runs it once the
work is committed and delivered.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import ORMExecuteState, Session

from storage.engine import Gate, transaction_gate
from storage.models import AuditEvent, Delivery, OutboxEvent

FollowUp = Callable[[datetime], Awaitable[object]]
"""Runs after commit and delivery, given the time then; what it returns (a `Reply`)
replaces the command's reply. Typed loosely so that storage need not know about replies."""


_WROTE = "chapterhouse.wrote"
"""Session.info key: the transaction has sent a write (a flush, or an UPDATE/INSERT/DELETE)."""


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: Any) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if not state.is_select:  # conservative: anything but a SELECT may have written
        state.session.info[_WROTE] = True


def wrote(session: AsyncSession) -> None:
    """Note a write sent on the session's connection directly (Core, not the ORM), which
    the listeners above do not see, so that `UnitOfWork.commit` commits it."""
    session.info[_WROTE] = True


@dataclass
class UnitOfWork:
    factory: async_sessionmaker[AsyncSession]
    now: datetime
    session: AsyncSession = field(init=False)
    events: list[OutboxEvent] = field(init=False, default_factory=list)
    queued: int = field(init=False, default=0)
    """Deliveries written directly (direct messages), to be sent after commit."""
    touched: set[str] = field(init=False, default_factory=set)
    """Live subjects (`poll:12`) whose posted copies are out of date after commit."""
    follow_up: FollowUp | None = field(init=False, default=None)
    """See `then`."""
    _gate: Gate | None = field(init=False, default=None, repr=False)

    async def __aenter__(self) -> Self:
        bind = self.factory.kw.get("bind")
        self._gate = transaction_gate(bind if isinstance(bind, AsyncEngine) else None)
        if self._gate is not None:
            await self._gate.acquire()
        try:
            self.session = self.factory()
            # Begun directly on the sync session: beginning sends nothing (the connection
            # is taken at the first statement), so the async wrapper's trip through a
            # greenlet would cost without doing anything.
            self.session.sync_session.begin()
        except BaseException:
            self._release()
            raise
        return self

    def _release(self) -> None:
        if self._gate is not None:
            self._gate.release()
            self._gate = None

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Leaving without commit() means rollback: nothing half-written survives.
        # close() rolls back and detaches objects with their loaded state intact,
        # so what a read-only unit of work returns stays readable.
        try:
            await self.session.close()
        finally:
            self._release()

    async def commit(self) -> None:
        """Commit what was written; a transaction that wrote nothing is not committed.

        A read-only command then costs no COMMIT: its transaction ends when the unit
        of work closes (a rollback, which for a reader changes nothing), and the
        objects it read stay readable as after a commit.
        """
        session = self.session
        if session.info.get(_WROTE) or session.new or session.dirty or session.deleted:
            await session.commit()
            session.info.pop(_WROTE, None)

    async def rollback(self) -> None:
        await self.session.rollback()
        self.events.clear()
        self.queued = 0
        self.touched.clear()
        self.follow_up = None

    @property
    def has_work(self) -> bool:
        """Whether anything must happen after commit: events, deliveries or live edits."""
        return bool(self.events or self.queued or self.touched)

    def record(self, kind: str, **payload: Any) -> None:
        """Raise a domain event; it is delivered only if this transaction commits."""
        event = OutboxEvent(kind=kind, payload=payload, created_at=self.now)
        self.session.add(event)
        self.events.append(event)

    def deliver(self, delivery: Delivery) -> None:
        """Queue a post (a direct message) that goes out only if this transaction commits."""
        self.session.add(delivery)
        self.queued += 1

    def touch(self, subject: str) -> None:
        """Mark a live post (`poll:12`) as changed, so its copies are edited after commit."""
        self.touched.add(subject)

    def then(self, follow_up: FollowUp) -> None:
        """Answer the command later: after commit and delivery, with what `follow_up` returns.

        The transaction is over by then, so the follow-up reads through a session of
        its own. One per unit of work; it never runs if this transaction rolls back.
        """
        if self.follow_up is not None:
            raise RuntimeError("a unit of work takes one follow-up")
        self.follow_up = follow_up

    def audit(
        self, actor_id: int | None, action: str, summary: str, *, mentioned: Iterable[int] = ()
    ) -> None:
        """Log a privileged action; `mentioned` are the members the summary's tokens name
        (kept beside it so the log is read with them in one statement)."""
        self.session.add(
            AuditEvent(
                at=self.now,
                actor_id=actor_id,
                action=action,
                summary=summary,
                mentioned=sorted(set(mentioned)),
            )
        )
