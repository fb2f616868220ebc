"""An event helper on Discord end to end: HQ names a helper, who then checks a member in."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import ChapterEvent, EventHelper, EventRsvp, Identity
from tests.adapters.discord.harness import BEA, CARL, DORA, DiscordHarness, text_of


async def test_a_named_helper_checks_a_member_in_on_discord(discord_app: DiscordHarness) -> None:
    options = {
        "kind": "working",
        "when": "2026-10-01T09:00",
        "title": "Conference",
        "society": True,
        "ends": "2026-10-01T17:00",
    }
    created = await discord_app.reply(DORA, "/event create", options)
    assert "is planned for the society" in text_of(created), text_of(created)
    async with discord_app.bot.uow() as uow:
        event = await uow.session.scalar(select(ChapterEvent))
    assert event is not None
    discord_app.bot.clock.set(event.starts_at)
    named = await discord_app.reply(
        DORA, "/event helper", {"event_id": event.id, "member": f"<@{BEA}>"}
    )
    assert f"<@{BEA}> is now a helper for Conference" in text_of(named), text_of(named)
    checked = await discord_app.reply(
        BEA, "/event checkin", {"event_id": event.id, "members": f"<@{CARL}>", "guests": 1}
    )
    assert f"Checked in <@{CARL}>. Added 1 guest (1 in all)." in text_of(checked), text_of(checked)
    removed = await discord_app.reply(
        DORA, "/event helper", {"event_id": event.id, "member": f"<@{BEA}>", "remove": True}
    )
    assert "is no longer a helper for Conference" in text_of(removed), text_of(removed)
    refused = await discord_app.reply(
        BEA, "/event checkin", {"event_id": event.id, "members": f"<@{DORA}>"}
    )
    assert "one of its helpers" in text_of(refused), text_of(refused)
    async with discord_app.bot.uow() as uow:
        helpers = list(await uow.session.scalars(select(EventHelper)))
        bea = await uow.session.scalar(
            select(Identity.member_id).where(Identity.external_id == str(BEA))
        )
        [row] = list(await uow.session.scalars(select(EventRsvp)))
    assert helpers == []
    assert row.checked_in_by == bea and row.checked_in_at is not None
