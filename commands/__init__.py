"""The command set. Each feature module exposes a router; the app includes them here."""

from __future__ import annotations

from bot.registry import Registry
from commands import audit, chapters, digest, help, members, polls, roles, stats, workgroups
from commands.announce import router as announce_router
from commands.charters.commands import router as charters_router
from commands.deliveries import router as deliveries_router
from commands.events import router as events_router
from commands.goals import router as goals_router
from commands.meetings import router as meetings_router
from commands.nudges import router as nudges_router
from commands.positions import commands as positions
from commands.profiles import directory_router
from commands.profiles import router as profiles_router
from commands.roster import router as roster_router
from commands.updates.commands import router as updates_router
from commands.upkeep import router as upkeep_router
from commands.welcome import router as welcome_router
from commands.workgroups.channels import router as workgroup_channels_router

ROUTERS = (
    help.router,
    announce_router,
    deliveries_router,
    members.router,
    profiles_router,
    directory_router,
    welcome_router,
    roster_router,
    chapters.router,
    meetings_router,
    polls.router,
    workgroups.router,
    charters_router,
    updates_router,
    workgroups.calls_router,
    workgroup_channels_router,
    positions.router,
    goals_router,
    events_router,
    digest.router,
    nudges_router,
    stats.router,
    roles.router,
    audit.router,
    upkeep_router,
)


def build_registry() -> Registry:
    """Every command of the app; fails at start-up on a name clash."""
    return Registry().include(*ROUTERS)
