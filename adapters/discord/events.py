"""Discord's own scheduled events, mirroring the society's (see `bot.mirror`).

Created with the guild's Manage Events permission: EXTERNAL with the event's place
as `entity_metadata.location`, or in the server's voice channel for an event held
on Discord; changed with PATCH and cancelled with status 4 (CANCELED). Without the
permission the delivery fails for good with a reason the event's page shows.
"Interested" arrives as GUILD_SCHEDULED_EVENT_USER_ADD/REMOVE (the default intents
include scheduled events); it runs the command the mirror named for it, as that user.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import discord
from sqlalchemy import select

from bot.app import App
from bot.context import Place, Request
from bot.mirror import MIRROR, Happening
from bot.notifier import DeliveryFailed
from storage.models import Delivery

log = logging.getLogger(__name__)
PLATFORM = "discord"
GUILD_ONLY = 2
VOICE, EXTERNAL = 2, 3
CANCELED = 4
NO_PERMISSION = "the bot lacks the Manage Events permission in that server"


def _wire(happening: Happening, voice: discord.VoiceChannel | None) -> dict[str, Any]:
    """The documented create/modify body (discord-api-docs, Guild Scheduled Event)."""
    body: dict[str, Any] = {
        "name": happening.title,
        "description": happening.description,
        "privacy_level": GUILD_ONLY,
        "scheduled_start_time": happening.starts_at.isoformat(),
        "scheduled_end_time": happening.ends_at.isoformat(),
    }
    if voice is not None:
        body.update(entity_type=VOICE, channel_id=str(voice.id), entity_metadata=None)
    else:
        body.update(
            entity_type=EXTERNAL, channel_id=None, entity_metadata={"location": happening.location}
        )
    return body


async def mirror(
    client: discord.Client, channel_id: str, happening: Happening, known: str | None
) -> str:
    """Create or update the guild's copy of `happening`; its scheduled event id."""
    channel = client.get_channel(int(channel_id))
    guild = getattr(channel, "guild", None)
    if guild is None:
        raise DeliveryFailed(
            f"discord: channel {channel_id} is in no server of this bot", permanent=True
        )
    if not guild.me.guild_permissions.manage_events:
        raise DeliveryFailed(NO_PERMISSION, permanent=True)
    voice = guild.voice_channels[0] if happening.on_voice and guild.voice_channels else None
    try:
        if known is None:
            if happening.cancelled:
                raise DeliveryFailed("cancelled before it reached Discord", permanent=True)
            created = await client.http.create_guild_scheduled_event(
                guild.id, **_wire(happening, voice)
            )
            return str(created["id"])
        body = _wire(happening, voice)
        if happening.cancelled:
            body = {"status": CANCELED}
        await client.http.edit_scheduled_event(guild.id, int(known), **body)
        return known
    except discord.HTTPException as error:
        reason = f"discord: {error.status} {error.code or ''} {error.text or ''}".strip()[:300]
        raise DeliveryFailed(reason, permanent=error.status < 500) from None


def listen_for_interest(client: discord.Client, core: App) -> None:
    """Run the mirror's interested/uninterested command when a member (un)marks it.

    Read from the raw dispatch: discord.py only reports it for events and users in
    its cache, and a restarted process has neither.
    """
    parsers: dict[str, Callable[[Any], Any]] = client._connection.parsers
    pending: set[asyncio.Task[None]] = set()
    for event, field in (
        ("GUILD_SCHEDULED_EVENT_USER_ADD", "interested"),
        ("GUILD_SCHEDULED_EVENT_USER_REMOVE", "uninterested"),
    ):
        original = parsers.get(event)

        def parse(data: Any, original: Any = original, field: str = field) -> Any:
            task = asyncio.get_running_loop().create_task(_answer(client, core, data, field))
            pending.add(task)
            task.add_done_callback(pending.discard)
            return original(data) if original is not None else None

        parsers[event] = parse


async def _answer(client: discord.Client, core: App, data: Any, field: str) -> None:
    try:
        async with core.sessions() as session:
            row = (
                await session.execute(
                    select(Delivery.channel_id, Delivery.reply)
                    .where(
                        Delivery.platform == PLATFORM,
                        Delivery.message_id == str(data["guild_scheduled_event_id"]),
                        Delivery.subject.like("mirror:%"),
                    )
                    .order_by(Delivery.id.desc())
                    .limit(1)
                )
            ).first()
        if row is None or MIRROR not in row.reply:
            return  # an event someone made by hand in Discord: not ours
        command = str(row.reply[MIRROR].get(field) or "")
        if not command:
            return
        user_id = str(data["user_id"])
        user = client.get_user(int(user_id))
        name = user.display_name if user is not None else user_id
        request = Request(PLATFORM, user_id, name, Place(PLATFORM, row.channel_id, ""), command)
        await core.dispatcher.handle(request)
    except Exception:
        log.exception("answering a scheduled event's interested mark failed")
