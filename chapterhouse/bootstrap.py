"""One place that builds the application: settings → engine → registry → dispatcher.

Everything is handed to what needs it; nothing reads the environment afterwards.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.activity import EVERY, Activity
from bot.app import App, quiet_libraries
from bot.ballot_key import with_ballot_key
from bot.clock import Clock, SystemClock
from bot.config import ConfigError, Settings
from bot.dispatcher import Dispatcher
from bot.notifier import Notifier
from bot.profilefill import ProfileFiller
from commands import build_registry
from storage.engine import create_engine, safe_url, session_factory, settle_driver_threads
from storage.migrate import upgrade
from storage.models import Society


async def with_society_zone(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> Settings:
    """The zone `chapterhouse init` chose, unless DEFAULT_TIMEZONE is set explicitly."""
    if "default_timezone" in settings.model_fields_set:
        return settings
    try:
        async with sessions() as session:
            zone = await session.scalar(select(Society.timezone).limit(1))
    except (OperationalError, DBAPIError):  # not migrated yet: nothing chosen
        return settings
    return settings.model_copy(update={"default_timezone": zone}) if zone else settings


async def bootstrap(
    settings: Settings,
    *,
    clock: Clock | None = None,
    migrate: bool = True,
    engine: AsyncEngine | None = None,
    live_interval: float = 1.0,
) -> App:
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    quiet_libraries("sqlalchemy.engine", "sqlalchemy.pool", "aiosqlite", "asyncpg")
    clock = clock or SystemClock()
    if engine is None:
        try:
            engine = create_engine(settings.database_url)
        except ValueError as error:
            raise ConfigError(f"DATABASE_URL: {error}") from None
    if migrate:
        try:
            await upgrade(engine)
        except (OperationalError, DBAPIError, OSError) as error:
            await engine.dispose()
            await settle_driver_threads()
            reason = str(getattr(error, "orig", error)).splitlines()[0][:200]
            raise ConfigError(
                f"DATABASE_URL: cannot open {safe_url(settings.database_url)} ({reason})"
            ) from None
    try:
        settings = with_ballot_key(settings)
    except ConfigError:
        await engine.dispose()
        raise
    registry = build_registry()
    sessions = session_factory(engine)
    settings = await with_society_zone(settings, sessions)
    notifier = Notifier(
        sessions, clock, registry.announcers, renderers=registry.live, live_interval=live_interval
    )
    # Tests and the console (no interval) stamp activity after each command; a
    # server stamps it in batches, apart from the commands (see bot.activity).
    activity = Activity(sessions, clock, interval=EVERY if live_interval > 0 else 0)
    profiles = ProfileFiller(sessions, clock)
    dispatcher = Dispatcher(
        registry,
        sessions,
        settings,
        clock,
        after_commit=notifier.flush,
        activity=activity,
        profiles=profiles,
    )
    return App(settings, engine, sessions, clock, registry, notifier, dispatcher, profiles)
