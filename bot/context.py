"""What a handler receives besides its typed arguments. It never names a platform."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.declarations import CommandSpec
from bot.permissions import Role
from bot.profilefill import PlatformProfile
from bot.reply import Block
from storage.models import Identity, Member
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class Place:
    """Where a command was typed: a channel on some platform (or a direct message)."""

    platform: str
    channel_id: str
    channel_name: str = ""
    is_direct: bool = False
    """A direct message or group DM: no chapter channel, whoever is in it (set by adapters)."""


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
    profile: PlatformProfile | None = None
    """What the platform sent about the account with the command (Discord's names)."""
    claims: tuple[tuple[str, timedelta], ...] = ()
    """The delivery's identity as the platform gives it, with how long a repeat of each
    key is one (`bot.inbound.Claim`): claimed inside the command's own transaction, so a
    repeat runs nothing and is not answered (`Dispatcher.handle_once`)."""


MemberHook = Callable[["Context", Member, Member | None], Awaitable[None]]
"""Runs before a member is merged into another (target given) or forgotten (None)."""
HomeSection = Callable[["Context"], Awaitable[list[Block]]]
"""One feature's part of a member's dashboard (Slack's App Home): blocks, or none."""


class Catalogue(Protocol):
    """What a handler may read of the app's command set (`bot.registry.Registry` is one).

    A protocol, so the context a handler receives does not depend on the registry
    that collects handlers: the arrow runs one way, registry → context.
    """

    member_hooks: list[MemberHook]
    home_sections: list[HomeSection]

    def __iter__(self) -> Iterator[CommandSpec]: ...
    def get(self, group: str, name: str | None) -> CommandSpec | None: ...
    def groups(self) -> dict[str, list[CommandSpec]]: ...
    def subcommands(self, group: str) -> list[CommandSpec]: ...
    def ordered(self) -> tuple[CommandSpec, ...]: ...


@dataclass
class Context:
    member: Member
    identity: Identity
    roles: frozenset[Role]
    place: Place
    uow: UnitOfWork
    settings: Settings
    registry: Catalogue

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
