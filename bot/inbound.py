"""Acting once on a platform's delivery, however many instances receive it.

Slack re-delivers a request it thinks was lost (`X-Slack-Retry-Num`), and the
re-delivery can land on another instance behind the load balancer; a member's
double click can too. Before an adapter runs anything it claims the delivery's
identity as the platform gives it (a slash command's `trigger_id`, a modal's view
id and hash, a Discord interaction id) with one insert into a table whose key is
that identity. The first insert wins everywhere; the others find the row and drop
the request. Rows are kept an hour (`RETENTION`), longer than any platform
retries, and pruned by the `upkeep.inbound` due job.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, delete, exists
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from storage.models import InboundClaim
from storage.uow import UnitOfWork

RETENTION = timedelta(hours=1)
"""How long a delivery is remembered: Slack retries within minutes, Discord never late."""
MAX_KEY = 200


Claim = tuple[str, timedelta]
"""A key and how long a repeat of it is a duplicate."""


async def first_delivery(
    sessions: async_sessionmaker[AsyncSession], claims: list[Claim], now: datetime | None = None
) -> bool:
    """Claim every key; True for a first delivery, False if any is a repeat.

    Committed at once, in a transaction of its own, so that every other instance
    sees the claim before it could run the command. A repeat claims nothing.
    Deliveries happen in real time, so `now` is the wall clock unless a test says.
    """
    async with UnitOfWork(sessions, now or datetime.now(UTC)) as uow:
        for key, within in claims:
            if not await claim(uow.session, key[:MAX_KEY], uow.now, within):
                return False  # leaving without commit: nothing claimed
        await uow.commit()
    return True


async def claim(session: AsyncSession, key: str, now: datetime, within: timedelta) -> bool:
    """Insert the claim, or take over one older than `within`; whether this call got it."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    row = insert(InboundClaim).values(key=key, claimed_at=now)
    statement = row.on_conflict_do_update(
        index_elements=[InboundClaim.key],
        set_={"claimed_at": row.excluded.claimed_at},
        where=InboundClaim.claimed_at < now - within,
    ).returning(InboundClaim.key)
    return (await session.execute(statement)).first() is not None


def _stale(now: datetime) -> ColumnElement[bool]:
    return InboundClaim.claimed_at < now - RETENTION


def prune_due(now: datetime, _settings: Settings) -> ColumnElement[bool]:
    return exists().where(_stale(now))


async def prune(session: AsyncSession, now: datetime) -> int:
    """Forget deliveries older than `RETENTION`; how many."""
    result = await session.execute(
        delete(InboundClaim).where(_stale(now)).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
