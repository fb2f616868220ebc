"""An event on the platforms' own event lists (Discord's scheduled events), kept in step.

Each change queues one `bot.mirror.Happening` per platform the event was announced
on, through the delivery ledger; a platform without native events skips it. A
member marking the native event "Interested" counts as a maybe (`/event interested`),
and un-marking it takes that maybe back.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.mirror import MIRROR, Happening
from commands.events.cards import where
from storage.models import ChapterEvent, Delivery, DeliveryStatus, EventStatus
from storage.uow import UnitOfWork

NAME_MAX, DESCRIPTION_MAX, LOCATION_MAX = 100, 1000, 100
"""Discord's limits on a scheduled event's name, description and location."""


def subject(event_id: int) -> str:
    return f"mirror:event:{event_id}"


def happening(event: ChapterEvent, host: str) -> Happening:
    about = event.description or f"{event.kind.value.title()} meeting · {host}"
    return Happening(
        ref=f"event:{event.id}",
        title=event.title[:NAME_MAX],
        description=about[:DESCRIPTION_MAX],
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        location=where(event)[:LOCATION_MAX],
        on_voice=(event.online_url or "").lower() == "discord",
        cancelled=event.status is EventStatus.CANCELLED,
        interested=f"/event interested {event.id} yes",
        uninterested=f"/event interested {event.id} no",
    )


async def queue_mirror(
    uow: UnitOfWork,
    event: ChapterEvent,
    host: str,
    targets: list[tuple[str, str]] | None = None,
) -> int:
    """Queue this version of the event for each platform's event list; how many.

    `targets`: where it is announced (the first channel of each platform says which
    server); without, where its earlier versions went.
    """
    if targets is None:
        targets = [
            (platform, channel)
            for platform, channel in await uow.session.execute(
                select(Delivery.platform, Delivery.channel_id)
                .where(Delivery.subject == subject(event.id))
                .distinct()
            )
        ]
    first: dict[str, str] = {}
    for platform, channel in targets:
        first.setdefault(platform, channel)
    stored = {"text": event.title, MIRROR: happening(event, host).to_json()}
    for platform, channel in first.items():
        uow.deliver(
            Delivery(
                key=f"event:{event.id}:mirror:{event.sequence}:{platform}",
                platform=platform,
                channel_id=channel,
                subject=subject(event.id),
                reply=stored,
                created_at=uow.now,
            )
        )
    return len(first)


async def not_mirrored(session: AsyncSession, event_id: int) -> list[str]:
    """Why the event is missing from a platform's event list, once per platform."""
    rows = await session.execute(
        select(Delivery.platform, Delivery.error)
        .where(Delivery.subject == subject(event_id), Delivery.status == DeliveryStatus.FAILED)
        .order_by(Delivery.id)
    )
    said: dict[str, str] = {}
    for platform, error in rows:
        said.setdefault(platform, error or "refused")
    return [
        f"Not on {platform.title()}'s own event list ({why}); everything else works without it."
        for platform, why in said.items()
    ]
