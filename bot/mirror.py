"""Mirroring a planned event onto a platform's own event list (Discord's scheduled events).

The core describes the event (`Happening`) and queues it through the delivery
ledger like any post: one delivery per change, keyed, paced and retried, with the
subject `mirror:<what>` so each later change finds the platform's id the first
send recorded (`Delivery.message_id`). Only a poster that is also a `Mirroring`
acts on it; on other platforms the delivery is skipped. A platform that refuses
(no permission) fails it for good, and the feature says so where it is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

MIRROR = "happening"
"""The key a delivery's stored reply carries its `Happening` under."""


@dataclass(frozen=True)
class Happening:
    """What a platform's event list needs of one event, in neutral terms."""

    ref: str
    """Ours: `event:12`, for finding our event from the platform's (Interested → maybe)."""
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    location: str
    on_voice: bool = False
    """Held in the platform's own voice room (`--online discord`)."""
    cancelled: bool = False
    interested: str = ""
    """The command a member marking it "Interested" there runs, as a button's action."""
    uninterested: str = ""
    """The command un-marking it runs."""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["starts_at"], data["ends_at"] = self.starts_at.isoformat(), self.ends_at.isoformat()
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Happening:
        values = dict(data)
        values["starts_at"] = datetime.fromisoformat(values["starts_at"])
        values["ends_at"] = datetime.fromisoformat(values["ends_at"])
        return cls(**values)


@runtime_checkable
class Mirroring(Protocol):
    """A poster that keeps a platform's native event in step; returns the platform's id.

    `known` is the id an earlier send returned (None the first time): update that
    one rather than making another. Raises `DeliveryFailed` as posting does.
    """

    async def mirror(self, channel_id: str, happening: Happening, known: str | None) -> str: ...
