"""The command set. Each feature module exposes a router; the app includes them here."""

from __future__ import annotations

from bot.registry import Registry
from commands import audit, chapters, digest, help, members, polls, roles, stats, workgroups
from commands.announce import router as announce_router
from commands.deliveries import router as deliveries_router
from commands.goals import router as goals_router
from commands.meetings import router as meetings_router
from commands.nudges import router as nudges_router
from commands.positions import commands as positions
from commands.roster import router as roster_router
from commands.workgroups.channels import router as workgroup_channels_router

ROUTERS = (
    help.router,
    announce_router,
    deliveries_router,
    members.router,
    roster_router,
    chapters.router,
    meetings_router,
    polls.router,
    workgroups.router,
    workgroup_channels_router,
    positions.router,
    goals_router,
    digest.router,
    nudges_router,
    stats.router,
    roles.router,
    audit.router,
)


def build_registry() -> Registry:
    """Every command of the app; fails at start-up on a name clash."""
    return Registry().include(*ROUTERS)
