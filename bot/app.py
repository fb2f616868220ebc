"""The running core as adapters see it: what the composition root hands each of them.

It lives in the core, not in the root, so an adapter can name its type without
importing the code that wires the application together.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.dispatcher import Dispatcher
from bot.notifier import Notifier
from bot.profilefill import ProfileFiller
from bot.registry import Registry


def quiet_libraries(*names: str) -> None:
    """Keep libraries' debug logs off, whatever LOG_LEVEL says.

    At DEBUG they log statements with their parameters or request bodies: a member's
    account next to the ballot written in the same transaction would undo an
    anonymous poll in the log. Chapterhouse's own debug logs stay on.
    """
    for name in names:
        logging.getLogger(name).setLevel(logging.WARNING)


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    registry: Registry
    notifier: Notifier
    dispatcher: Dispatcher
    profiles: ProfileFiller | None = None
    """Where adapters plug in what their platform knows about members."""

    async def close(self) -> None:
        if self.profiles is not None:
            await self.profiles.settle()
        await self.notifier.live.drain()
        await self.dispatcher.activity.close()
        await self.engine.dispose()
