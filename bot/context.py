"""What a handler receives besides its typed arguments. It never names a platform."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.permissions import Role
from storage.models import Identity, Member
from storage.uow import UnitOfWork

if TYPE_CHECKING:
    from bot.registry import Registry


@dataclass(frozen=True)
class Place:
    """Where a command was typed: a channel on some platform (or a direct message)."""

    platform: str
    channel_id: str
    channel_name: str = ""


@dataclass(frozen=True)
class Request:
    """A command as an adapter hands it to the core.

    Text platforms fill `text`; typed-option platforms fill `path` and `values`.
    """

    platform: str
    user_id: str
    user_name: str
    place: Place
    text: str | None = None
    path: tuple[str, str | None] | None = None
    values: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)


@dataclass
class Context:
    member: Member
    identity: Identity
    roles: frozenset[Role]
    place: Place
    uow: UnitOfWork
    settings: Settings
    registry: Registry

    @property
    def session(self) -> AsyncSession:
        return self.uow.session

    @property
    def now(self) -> datetime:
        return self.uow.now

    @property
    def tz(self) -> ZoneInfo:
        return self.settings.tz

    @property
    def platform(self) -> str:
        return self.identity.platform

    def has(self, role: Role) -> bool:
        return role in self.roles or Role.HQ in self.roles
