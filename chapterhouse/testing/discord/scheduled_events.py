"""Guild scheduled events on the fake: the REST routes, a permission grant, "Interested".

Shapes and rules from discord/discord-api-docs `docs/resources/Guild_Scheduled_Event.md`
(Create/Modify Guild Scheduled Event, the Guild Scheduled Event object, entity
metadata, status transitions) and `docs/topics/Gateway_Events.md` (Guild Scheduled
Event User Add/Remove). The captured object is `payloads/discord/guild_scheduled_event.json`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chapterhouse.testing.discord.limits import HttpError, form_error
from chapterhouse.testing.discord.world import _P, BOT_ID, GUILD_VOICE, World

MANAGE_EVENTS = _P["manage_events"]
STAGE, VOICE, EXTERNAL = 1, 2, 3
GUILD_STAGE_VOICE = 13
"""The channel type a STAGE_INSTANCE event is held in (a VOICE event: `GUILD_VOICE`, 2)."""
SCHEDULED, ACTIVE, COMPLETED, CANCELED = 1, 2, 3, 4
ALLOWED_STATUS = {SCHEDULED: {ACTIVE, CANCELED}, ACTIVE: {COMPLETED}}
"""Scheduled may become active or canceled; active may complete; the rest are final."""


class ScheduledEvents(World):
    """The guild's scheduled events, as the routes in `RestApi` keep them."""

    def __init__(self, **world: Any) -> None:
        super().__init__(**world)
        self.scheduled_events: dict[int, dict[str, Any]] = {}

    def _check_manage_events(self) -> None:
        if not self.bot_permissions & MANAGE_EVENTS:
            raise HttpError(403, 50013, "Missing Permissions")

    def _create_scheduled_event(self, call: Any, guild: str) -> tuple[int, Any]:
        self._check_guild(guild)  # type: ignore[attr-defined]
        self._check_manage_events()
        body = dict(call.json or {})
        for required in ("name", "privacy_level", "scheduled_start_time", "entity_type"):
            if body.get(required) is None:
                raise form_error([required], "BASE_TYPE_REQUIRED", "This field is required")
        event: dict[str, Any] = {
            "id": str(self.snowflake()),
            "guild_id": str(self.guild_id),
            "channel_id": None,
            "creator_id": str(BOT_ID),
            "name": "",
            "description": None,
            "scheduled_start_time": "",
            "scheduled_end_time": None,
            "privacy_level": 2,
            "status": SCHEDULED,
            "entity_type": EXTERNAL,
            "entity_id": None,
            "entity_metadata": None,
            "creator": self.bot_user,
            "user_count": 0,
            "image": None,
        }
        self._apply(event, body)
        self.scheduled_events[int(event["id"])] = event
        return 200, event

    def _edit_scheduled_event(self, call: Any, guild: str, event: str) -> tuple[int, Any]:
        self._check_guild(guild)  # type: ignore[attr-defined]
        self._check_manage_events()
        held = self.scheduled_events.get(int(event))
        if held is None:
            raise HttpError(404, 10070, "Unknown Guild Scheduled Event")
        body = dict(call.json or {})
        if "status" in body and body["status"] not in ALLOWED_STATUS.get(held["status"], set()):
            raise form_error(["status"], "BASE_TYPE_CHOICES", "Invalid status transition")
        changed = dict(held)
        self._apply(changed, body)
        held.update(changed)
        return 200, held

    def _apply(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        """Merge a create/modify body, then check the object's documented rules."""
        allowed = (
            "channel_id",
            "entity_metadata",
            "name",
            "privacy_level",
            "scheduled_start_time",
            "scheduled_end_time",
            "description",
            "entity_type",
            "status",
            "image",
        )
        for key in allowed:
            if key in body:
                event[key] = body[key]
        name = str(event["name"] or "")
        if not 1 <= len(name) <= 100:
            raise form_error(
                ["name"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
            )
        if len(event.get("description") or "") > 1000:
            raise form_error(["description"], "BASE_TYPE_MAX_LENGTH", "Must be 1000 or fewer.")
        if event["privacy_level"] != 2:
            raise form_error(["privacy_level"], "BASE_TYPE_CHOICES", "Value must be one of {2}.")
        start = datetime.fromisoformat(event["scheduled_start_time"])
        end = event.get("scheduled_end_time")
        if event["entity_type"] == EXTERNAL:
            location = str((event.get("entity_metadata") or {}).get("location") or "")
            if event.get("channel_id") is not None:
                raise form_error(["channel_id"], "BASE_TYPE_BAD", "Must be null for external.")
            if not 1 <= len(location) <= 100:
                raise form_error(
                    ["entity_metadata", "location"], "BASE_TYPE_REQUIRED", "Required, 1-100."
                )
            if end is None:
                raise form_error(["scheduled_end_time"], "BASE_TYPE_REQUIRED", "Required.")
        elif event["entity_type"] in (STAGE, VOICE):
            if event.get("channel_id") is None:
                raise form_error(["channel_id"], "BASE_TYPE_REQUIRED", "Required.")
            wanted = GUILD_VOICE if event["entity_type"] == VOICE else GUILD_STAGE_VOICE
            if self._channel(event["channel_id"])["type"] != wanted:
                raise form_error(
                    ["channel_id"], "BASE_TYPE_BAD", "Must be a voice or stage channel to match."
                )
        else:
            raise form_error(["entity_type"], "BASE_TYPE_CHOICES", "Value must be 1, 2 or 3.")
        if end is not None and datetime.fromisoformat(end) <= start:
            raise form_error(["scheduled_end_time"], "BASE_TYPE_BAD", "Must be after the start.")

    # -- driving it from a test ------------------------------------------------

    async def grant_bot(self, permission: int) -> None:
        """Give the bot's role a permission, told to the client as GUILD_ROLE_UPDATE."""
        self.bot_permissions |= permission
        [role] = [r for r in self._roles() if r.get("tags")]
        await self.dispatch(  # type: ignore[attr-defined]
            "GUILD_ROLE_UPDATE", {"guild_id": str(self.guild_id), "role": role}
        )

    async def mark_interested(self, user_id: int, event_id: int | str, on: bool = True) -> None:
        """A member clicks (or un-clicks) Interested on a scheduled event."""
        held = self.scheduled_events[int(event_id)]
        held["user_count"] = max(0, held["user_count"] + (1 if on else -1))
        await self.dispatch(  # type: ignore[attr-defined]
            "GUILD_SCHEDULED_EVENT_USER_ADD" if on else "GUILD_SCHEDULED_EVENT_USER_REMOVE",
            {
                "guild_scheduled_event_id": str(event_id),
                "user_id": str(user_id),
                "guild_id": str(self.guild_id),
            },
        )
