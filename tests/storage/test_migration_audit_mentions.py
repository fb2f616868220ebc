"""Migration 0017 (audit mentions): old entries get the members their summaries name;
down and up again keeps every entry as it was."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from storage.engine import create_engine
from storage.migrate import current_revision, downgrade, upgrade

OPEN, CLOSE = "\ue000", "\ue001"
entries = sa.table(
    "audit_events",
    sa.column("id", sa.Integer()),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("action", sa.String()),
    sa.column("summary", sa.Text()),
)
mentioned = sa.table("audit_events", sa.column("id"), sa.column("mentioned", sa.JSON()))


def token(member_id: int) -> str:
    return f"{OPEN}m{member_id}{CLOSE}"


SUMMARIES = [
    f"/role grant {token(7)} moderator",
    f"/workgroup add {token(12)} {token(3)} {token(12)} --as lead",
    "A member deleted their data.",
    "/chapter create Oslo m5 (a name, not a token)",
] + [f"/role grant {token(1000 + n)} moderator" for n in range(1200)]  # past one batch


async def test_old_entries_get_the_members_their_summaries_mention(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        head = await current_revision(engine)
        await downgrade(engine, "0016")
        at = datetime(2026, 6, 15, 16, 0, tzinfo=UTC)
        async with engine.begin() as connection:
            await connection.execute(sa.delete(entries))
            await connection.execute(
                sa.insert(entries),
                [
                    {"id": n + 1, "at": at, "action": "test", "summary": summary}
                    for n, summary in enumerate(SUMMARIES)
                ],
            )

        await upgrade(engine)
        assert await current_revision(engine) == head
        async with engine.connect() as connection:
            filled = dict(
                (await connection.execute(sa.select(mentioned).order_by(mentioned.c.id))).all()
            )
        assert [filled[1], filled[2], filled[3], filled[4]] == [[7], [3, 12], [], []]
        assert all(filled[5 + n] == [1000 + n] for n in range(1200))

        await downgrade(engine, "0016")
        async with engine.connect() as connection:
            columns = await connection.run_sync(
                lambda c: {col["name"] for col in sa.inspect(c).get_columns("audit_events")}
            )
            kept = (
                await connection.execute(sa.select(entries.c.summary).order_by(entries.c.id))
            ).scalars()
            assert list(kept) == SUMMARIES
        assert "mentioned" not in columns
    finally:
        await upgrade(engine)
        async with engine.begin() as connection:
            await connection.execute(sa.delete(entries))
        await engine.dispose()
